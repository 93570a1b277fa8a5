# Source: https://github.com/youssefkhalifa04/RAG_service/blob/HEAD/test.py
from anthropic import Anthropic

client = Anthropic()  # Reads ANTHROPIC_API_KEY from environment
message = client.messages.create( model="claude-sonnet-4-5",  # expect: LC002
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hello, Claude"}],
    service_tier="auto")
