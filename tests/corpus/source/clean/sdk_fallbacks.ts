// Source: https://github.com/anthropics/anthropic-sdk-typescript/blob/bfa9197f0182084941052be9752c948638421601/examples/fallbacks.ts (call sites, trimmed)
import { Anthropic, BetaFallbackState, betaRefusalFallbackMiddleware } from '@anthropic-ai/sdk';

async function main() {
  const client = new Anthropic();
  const served = await client.beta.messages.create({
    model: 'claude-fable-5',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Some prompt that triggers a refusal' }],
    fallbacks: [{ model: 'claude-opus-4-8' }],
    betas: ['server-side-fallback-2026-07-01'],
  });
  const fallbackClient = new Anthropic({
    middleware: [betaRefusalFallbackMiddleware([{ model: 'claude-opus-4-8' }])],
  });
  const state = new BetaFallbackState();
  const message = await fallbackClient.beta.messages.create(
    {
      model: 'claude-fable-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Some prompt that triggers a refusal' }],
    },
    { fallbackState: state },
  );
  console.log(served.model, message.model);
}

main();
