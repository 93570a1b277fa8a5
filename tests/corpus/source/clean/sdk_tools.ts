// Source: https://github.com/anthropics/anthropic-sdk-typescript/blob/bfa9197f0182084941052be9752c948638421601/examples/tools.ts (call sites, trimmed)
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic();

async function main() {
  const userMessage: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in SF?' };
  const tools: Anthropic.Tool[] = [
    {
      name: 'get_weather',
      description: 'Get the weather for a specific location',
      input_schema: { type: 'object', properties: { location: { type: 'string' } } },
    },
  ];
  const message = await client.messages.create({
    model: 'claude-sonnet-5',
    max_tokens: 1024,
    messages: [userMessage],
    tools,
  });
  const tool = message.content.find((content): content is Anthropic.ToolUseBlock => content.type === 'tool_use')!;
  const result = await client.messages.create({
    model: 'claude-sonnet-5',
    max_tokens: 1024,
    messages: [
      userMessage,
      { role: message.role, content: message.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: tool.id, content: 'The weather is 73f' }],
      },
    ],
    tools,
  });
  console.dir(result);
}

main();
