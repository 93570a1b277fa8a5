# Source: https://github.com/minji337/claude-docent/blob/HEAD/anthropic_api_test.py
import os
import anthropic

client = anthropic.Anthropic(api_key=os.getenv("ANTHROPIC_API_KEY"))

message = client.messages.create(
    model="claude-sonnet-4-20250514",  # expect: LC002
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hello, Claude"}],
)
print(type(message))
