"""The official TypeScript SDK (@anthropic-ai/sdk on Node) pointed at the proxy.

The SDK is installed with npm into a temporary directory (npm's cache is preferred; the
test itself talks only to 127.0.0.1). Skipped, with the reason, when Node or npm is not
installed or the package cannot be installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("aiohttp")

from claude_preflight.dates import parse_moment  # noqa: E402
from conftest import CATALOGUE_DATE  # noqa: E402
from proxy_support import Servers, Stack  # noqa: E402

FAKE_KEY = "sk-ant-api03-" + "Tn4" * 12 + "-nodesdkAA"

SCRIPT = r"""
const { default: Anthropic } = await import('@anthropic-ai/sdk');
const client = new Anthropic({ baseURL: process.env.PROXY_URL, apiKey: process.env.FAKE_KEY, maxRetries: 0 });
const messages = [{ role: 'user', content: 'typescript hello' }];
const out = {};
const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages });
out.text = message.content[0].text;
try {
  await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 64, temperature: 0.2, messages });
  out.blocked = null;
} catch (error) {
  out.blocked = { bad_request: error instanceof Anthropic.BadRequestError, status: error.status, message: error.message,
                  type: error.error?.error?.type, codes: error.headers?.get ? error.headers.get('x-claude-preflight-codes') : error.headers?.['x-claude-preflight-codes'] };
}
const stream = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'typescript stream' }] });
let streamed = '';
stream.on('text', (text) => { streamed += text; });
await stream.finalMessage();
out.streamed = streamed;
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are not installed")
    folder = tmp_path_factory.mktemp("node-sdk")
    (folder / "package.json").write_text('{"name": "proxy-test", "private": true, "type": "module"}', encoding="utf-8")
    try:
        done = subprocess.run([npm, "install", "--prefer-offline", "--no-audit", "--no-fund", "--silent", "@anthropic-ai/sdk"],
                              cwd=folder, capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"npm could not install @anthropic-ai/sdk: {exc}")
    if done.returncode != 0 or not (folder / "node_modules" / "@anthropic-ai" / "sdk").is_dir():
        pytest.skip(f"npm could not install @anthropic-ai/sdk: {done.stderr.strip()[-300:]}")
    (folder / "check.mjs").write_text(SCRIPT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Servers(mode="block", as_of=parse_moment(CATALOGUE_DATE)) as servers:
        yield servers


def test_typescript_sdk_through_the_proxy(node_sdk: Path, stack: Stack) -> None:
    done = subprocess.run(["node", "check.mjs"], cwd=node_sdk, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ.get("PATH", ""), "PROXY_URL": stack.proxy_url, "FAKE_KEY": FAKE_KEY})
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["text"] == "typescript hello" and out["streamed"] == "typescript stream"
    blocked = out["blocked"]
    assert blocked["bad_request"] is True and blocked["status"] == 400 and blocked["type"] == "invalid_request_error"
    assert "/temperature" in blocked["message"] and blocked["codes"] and blocked["codes"] in blocked["message"]
    received = stack.upstream.received
    assert [json.loads(r.body)["messages"][0]["content"] for r in received] == ["typescript hello", "typescript stream"]
    auth = [v for r in received for k, v in r.headers if FAKE_KEY in v]
    assert len(auth) == 2  # credentials forwarded untouched
    assert FAKE_KEY not in "\n".join(stack.lines)
