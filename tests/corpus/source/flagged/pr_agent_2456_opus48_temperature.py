# Source: https://github.com/The-PR-Agent/pr-agent/issues/2456 (reconstructed)
# "claude-opus-4-8: `temperature` is deprecated for this model." pr-agent sends its
# configured temperature with every completion; this is the request it makes, written
# as an SDK call with the values from the report.
import anthropic

TEMPERATURE = 0.2
client = anthropic.Anthropic()


def review(system_prompt: str, user_prompt: str) -> str:
    response = client.messages.create(
        model="claude-opus-4-8",
        system=system_prompt,
        messages=[{"role": "user", "content": user_prompt}],
        temperature=TEMPERATURE,  # expect: SP002
        max_tokens=4096,
    )
    return response.content[0].text
