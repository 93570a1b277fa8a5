# Source: https://github.com/cline/cline/issues/10572 (reconstructed)
# "Error using Claude Opus 4.7 on Amazon Bedrock: `temperature` is deprecated" - the
# Bedrock client fixes the surface; the model travels in the URL.
from anthropic import AnthropicBedrock

client = AnthropicBedrock(aws_region="us-west-2")

message = client.messages.create(
    model="us.anthropic.claude-opus-4-7",
    max_tokens=1024,
    temperature=0,  # expect: SP002
    messages=[{"role": "user", "content": "Hello"}],
)
