// Source: https://github.com/xemantic/xemantic-ai-workshop/blob/HEAD/src/main/typescript/hello-world.ts
import Anthropic from '@anthropic-ai/sdk';

const anthropic = new Anthropic();

const msg = await anthropic.messages.create({
  model: "claude-3-7-sonnet-20250219", // expect: LC002
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hello, Claude" }],
});
console.log(msg.content[0]);
