"""The official SDK's client classes and the catalogue surface each one sends to.

Shared by the SDK guard (which looks a live client's class up along its MRO) and the source
reader (which finds the class a call's receiver was built from), so neither imports the other.
Looked up by class name, so that importing the SDK's platform modules is never needed and a
user subclass of a client inherits its surface.
"""

from __future__ import annotations

from typing import Mapping

CLIENT_SURFACES: Mapping[str, str] = {
    "AnthropicBedrockMantle": "bedrock",
    "AsyncAnthropicBedrockMantle": "bedrock",
    "BaseMantleClient": "bedrock",
    "AnthropicBedrock": "bedrock-invoke",
    "AsyncAnthropicBedrock": "bedrock-invoke",
    "BaseBedrockClient": "bedrock-invoke",
    "AnthropicVertex": "vertex",
    "AsyncAnthropicVertex": "vertex",
    "BaseVertexClient": "vertex",
    "AnthropicFoundry": "foundry",
    "AsyncAnthropicFoundry": "foundry",
    "BaseFoundryClient": "foundry",
    "AnthropicAWS": "aws-platform",
    "AsyncAnthropicAWS": "aws-platform",
    "AnthropicGoogleCloud": "google-cloud",
    "AsyncAnthropicGoogleCloud": "google-cloud",
    "BaseGoogleCloudClient": "google-cloud",
    "Anthropic": "anthropic",
    "AsyncAnthropic": "anthropic",
}
"""Client classes of anthropic 2.x -> catalogue surface."""
