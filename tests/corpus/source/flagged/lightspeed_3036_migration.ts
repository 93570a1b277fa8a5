// Source: https://github.com/openshift/lightspeed-service/pull/3036 (a review comment
// quoting the Opus 4.7 migration guide, anthropics/skills shared/model-migration.md).
// The "before" request on Opus 4.6, then the same request with only the model ID
// changed - the migration step that returns 400 - then the guide's "after" request.
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();

const responseBefore = await client.messages.create({
  model: "claude-opus-4-6",
  max_tokens: 64000,
  temperature: 0.7, // expect: SP007
  top_p: 0.9, // expect: SP005, SP007
  thinking: {
    type: "enabled", // expect: TH009
    budget_tokens: 32000,
  },
  messages: [{ role: "user", content: "Please review this code." }],
} as any);

const responseMigrated = await client.messages.create({
  model: "claude-opus-4-7",
  max_tokens: 64000,
  temperature: 0.7, // expect: SP002
  top_p: 0.9, // expect: SP002
  thinking: {
    type: "enabled", // expect: TH001
    budget_tokens: 32000,
  },
  messages: [{ role: "user", content: "Please review this code." }],
} as any);

const responseAfter = await client.messages.create({
  model: "claude-opus-4-7",
  max_tokens: 64000,
  thinking: { type: "adaptive" },
  output_config: { effort: "high" },
  messages: [{ role: "user", content: "Please review this code." }],
} as any);
