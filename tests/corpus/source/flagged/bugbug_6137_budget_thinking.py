# Source: https://github.com/mozilla/bugbug/pull/6137 (reconstructed)
# "claude-opus-4-6 deprecated thinking.type=enabled in favour of adaptive thinking":
# the code_review request before the fix, on the model the project moved to next
# (Opus 4.7 rejects budget thinking outright; see the platform's adaptive-thinking docs).
import anthropic

client = anthropic.Anthropic()
MODEL = "claude-opus-4-7"


def review_patch(prompt):
    return client.messages.create(
        model=MODEL,
        max_tokens=32000,
        thinking={"type": "enabled", "budget_tokens": 16000},  # expect: TH001
        messages=[{"role": "user", "content": prompt}],
    )
