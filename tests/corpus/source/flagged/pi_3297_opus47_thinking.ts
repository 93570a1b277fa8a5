// Source: https://github.com/earendil-works/pi/issues/3297 (reconstructed)
// "claude-opus-4-7 fails with thinking enabled": 400 "thinking.type.enabled is not
// supported for this model". The request pi sent at thinking level "high".
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();

export async function ask(messages: Anthropic.MessageParam[]) {
  return client.messages.stream({
    model: "claude-opus-4-7",
    max_tokens: 32000,
    thinking: { type: "enabled", budget_tokens: 16384 }, // expect: TH001
    messages,
  });
}
