# Source: https://github.com/anthropics/anthropic-sdk-python/blob/009b035305e0724ce108ebd796935f91711fc6e1/examples/tools.py (call sites, trimmed): the tools list and the first message are
# module-level variables, so those parts are not known; the rest is.
from anthropic import Anthropic
from anthropic.types import ToolParam, MessageParam

client = Anthropic()

user_message: MessageParam = {"role": "user", "content": "What is the weather in SF?"}
tools: list[ToolParam] = [
    {
        "name": "get_weather",
        "description": "Get the weather for a specific location",
        "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}},
    }
]

message = client.messages.create(model="claude-sonnet-5", max_tokens=1024, messages=[user_message], tools=tools)
tool = next(c for c in message.content if c.type == "tool_use")
response = client.messages.create(
    model="claude-sonnet-5",
    max_tokens=1024,
    messages=[
        user_message,
        {"role": message.role, "content": message.content},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool.id,
                    "content": [{"type": "text", "text": "The weather is 73f"}],
                }
            ],
        },
    ],
    tools=tools,
)
