// Source: https://github.com/Yxwww/ai-toolkit/blob/HEAD/main.ts (Deno: an npm: specifier)
import Anthropic from "npm:@anthropic-ai/sdk";

const anthropic = new Anthropic();

const msg = await anthropic.messages.create({
  model: "claude-3-7-sonnet-20250219", // expect: LC002
  max_tokens: 1000,
  temperature: 1,
  system: "Respond only with short poems.",
  messages: [
    {
      role: "user",
      content: [
        {
          type: "text",
          text: "Why is the ocean salty?",
        },
      ],
    },
  ],
});
console.log(msg);
