# Source: https://github.com/anthropics/anthropic-sdk-python/blob/009b035305e0724ce108ebd796935f91711fc6e1/examples/fallbacks.py (server-side fallbacks call site, with its beta)
from anthropic import Anthropic

client = Anthropic()
message = client.beta.messages.create(
    max_tokens=1024,
    model="claude-fable-5",
    messages=[{"role": "user", "content": "Some prompt that triggers a refusal"}],
    fallbacks=[{"model": "claude-opus-4-8"}],
    betas=["server-side-fallback-2026-07-01"],
)
