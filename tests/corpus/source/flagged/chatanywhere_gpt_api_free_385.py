# Source: https://github.com/chatanywhere/GPT_API_free/issues/385 (code quoted in the issue)
# A retired model pinned in code: claude-3-7-sonnet-20250219 retired before 2026-12-04.
from anthropic import Anthropic

client = Anthropic(
    api_key="",
    base_url="https://api.chatanywhere.tech/v1/chat/completions"
)

completion = client.messages.create(
    model="claude-3-7-sonnet-20250219",  # expect: LC002
    messages=[
        {
            "role": "user",
            "content": "What is the capital of France?"
        }
    ],
    temperature=0.7,
    max_tokens=100,
)
