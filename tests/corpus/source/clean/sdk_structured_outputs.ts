// Source: https://github.com/anthropics/anthropic-sdk-typescript/blob/bfa9197f0182084941052be9752c948638421601/examples/structured-outputs-json-schema.ts (call site, trimmed): the
// output format comes from a helper call, so it is not known.
import Anthropic from '@anthropic-ai/sdk';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';

const NumbersResponse = {
  type: 'object',
  properties: { primes: { type: 'array', items: { type: 'number' } } },
  required: ['primes'],
} as const;

async function main() {
  const client = new Anthropic();
  const message = await client.messages.parse({
    model: 'claude-sonnet-5',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'What are the first 3 prime numbers?' }],
    output_config: {
      format: jsonSchemaOutputFormat(NumbersResponse),
    },
  });
  console.log(message.parsed_output?.primes);
}

main();
