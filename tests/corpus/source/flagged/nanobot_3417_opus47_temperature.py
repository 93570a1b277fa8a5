# Source: https://github.com/HKUDS/nanobot/pull/3418 (reconstructed; fixes issue #3417)
# "claude-opus-4-7 deprecated temperature - the API returns 400 whenever it is present.
# _build_kwargs set it on all three paths": the streaming path, written as a call.
from anthropic import AsyncAnthropic

client = AsyncAnthropic()


async def chat(messages, tools):
    async with client.messages.stream(
        model="claude-opus-4-7",
        max_tokens=8192,
        temperature=0.1,  # expect: SP002
        messages=messages,
        tools=tools,
    ) as stream:
        return await stream.get_final_message()
