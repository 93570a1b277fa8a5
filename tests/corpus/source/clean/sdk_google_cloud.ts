// Source: https://github.com/anthropics/anthropic-sdk-typescript/blob/bfa9197f0182084941052be9752c948638421601/packages/google-cloud-sdk/examples/basic.ts (call site): the client class
// fixes the surface (Claude on Google Cloud).
import AnthropicGoogleCloud from '@anthropic-ai/google-cloud-sdk';

const anthropic = new AnthropicGoogleCloud({});

async function main() {
  const message = await anthropic.messages.create({
    model: 'claude-haiku-4-5',
    messages: [
      {
        role: 'user',
        content: 'Hello!',
      },
    ],
    max_tokens: 1024,
  });
  console.log(message);
}

main();
