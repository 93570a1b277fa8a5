// Source: https://github.com/anthropics/anthropic-sdk-typescript/blob/bfa9197f0182084941052be9752c948638421601/examples/streaming.ts (call site, trimmed)
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic();

async function main() {
  const stream = client.messages
    .stream({
      messages: [
        {
          role: 'user',
          content: `Hey Claude! How can I recursively list all files in a directory in Rust?`,
        },
      ],
      model: 'claude-sonnet-5',
      max_tokens: 1024,
    })
    .on('text', (text) => process.stdout.write(text));
  await stream.finalMessage();
}

main();
