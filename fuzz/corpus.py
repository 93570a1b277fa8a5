"""Realistic starting points for mutation: valid requests and the texts of valid fixture files.

Seeds come from three places, so mutations start from what users really send:

* the repository's ``examples/good`` fixture files (JSON, YAML, JSONL);
* every ``good`` example of every rule in the shipped catalogue (tools, caching, images,
  thinking, batches, ... - each one a complete valid request);
* request shapes modelled on the performance payloads (``benchmarks``): a small chat, an
  agent loop with tools, signed thinking blocks, tool results, an image and cache
  breakpoints, and a Message Batches body.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CONTEXT_KEYS = ("endpoint", "headers", "surface", "as_of", "api_version")
AS_OF = "2026-11-24"


@dataclass(frozen=True)
class Seed:
    """A valid request: body plus how it is sent (``validate()`` keyword arguments)."""

    name: str
    body: Any
    context: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        found = {k: v for k, v in self.context.items() if k in CONTEXT_KEYS}
        found.setdefault("as_of", AS_OF)
        return found

    def fresh(self) -> Any:
        return copy.deepcopy(self.body)


def _tools() -> list[dict[str, Any]]:
    path = {"type": "string", "description": "Absolute path inside the workspace.", "minLength": 1}
    return [
        {"name": "read_file", "description": "Read a UTF-8 text file; returns numbered lines.",
         "input_schema": {"type": "object", "properties": {"path": path, "offset": {"type": "integer", "minimum": 0},
                                                            "limit": {"type": "integer", "minimum": 1, "maximum": 2000}},
                          "required": ["path"], "additionalProperties": False}},
        {"name": "run_shell", "description": "Run a shell command in the repository and return its output.",
         "input_schema": {"type": "object", "properties": {"command": {"type": "string"},
                                                            "timeout_ms": {"type": "integer", "maximum": 600000}},
                          "required": ["command"]}},
        {"name": "grep_search", "description": "Search files with a regular expression.",
         "input_schema": {"type": "object", "properties": {"pattern": {"type": "string"}, "glob": {"type": "string"},
                                                            "output_mode": {"enum": ["content", "files", "count"]}},
                          "required": ["pattern"]}},
        {"name": "create_ticket", "description": "File a ticket in the tracker.",
         "input_schema": {"type": "object", "properties": {"title": {"type": "string"},
                                                            "priority": {"enum": ["P1", "P2", "P3"]},
                                                            "labels": {"type": "array", "items": {"type": "string"}}},
                          "required": ["title", "priority"]}},
    ]


_PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)).decode()


def agent_request(round_trips: int = 6) -> dict[str, Any]:
    """An agent loop like the ``agent`` performance payload, at a tenth of its size."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "Task: find why the login tests fail."}]}]
    calls = [("read_file", {"path": "/repo/src/auth.py", "offset": 0, "limit": 400}),
             ("run_shell", {"command": "cd /repo && python -m pytest -x -q tests/test_auth.py", "timeout_ms": 120000}),
             ("grep_search", {"pattern": "def (get|set)_token\\(", "glob": "**/*.py", "output_mode": "content"})]
    for turn in range(round_trips):
        name, arguments = calls[turn % len(calls)]
        tool_id = f"toolu_01{turn:02d}ABCDEFGHIJKLMNOPQRST"
        messages.append({"role": "assistant", "content": [
            {"type": "thinking", "thinking": f"Step {turn}: look at the next piece of evidence.",
             "signature": base64.b64encode(bytes((turn + i) % 256 for i in range(64))).decode()},
            {"type": "text", "text": "Let me check that."},
            {"type": "tool_use", "id": tool_id, "name": name, "input": arguments},
        ]})
        result: Any = f"output of {name} #{turn}: 3 passed, 1 failed"
        if turn == 2:
            result = [{"type": "text", "text": "Screenshot of the failing page:"},
                      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": _PNG}}]
        messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": result,
                                                      **({"is_error": True} if turn == 4 else {})}]})
    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {
        "model": "claude-opus-4-8",
        "max_tokens": 32000,
        "system": [
            {"type": "text", "text": "You are a careful coding agent working in /repo.", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            {"type": "text", "text": "Project conventions: run the tests before you answer.", "cache_control": {"type": "ephemeral"}},
        ],
        "tools": _tools(),
        "tool_choice": {"type": "auto"},
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "metadata": {"user_id": "3f2a9c1e7b5d4a60"},
        "messages": messages,
    }


def small_request() -> dict[str, Any]:
    """Like the ``small`` performance payload."""
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1024,
        "system": "You are a concise assistant for an internal support tool.",
        "messages": [
            {"role": "user", "content": "My invoice shows the wrong billing address."},
            {"role": "assistant", "content": "I can help. Which invoice number is it?"},
            {"role": "user", "content": "Follow-up: it is INV-20931, from last month."},
        ],
    }


def batch_request() -> dict[str, Any]:
    return {"requests": [
        {"custom_id": f"ticket-{i:04d}", "params": {"model": "claude-haiku-4-5-20251001", "max_tokens": 512,
                                                   "messages": [{"role": "user", "content": f"Classify ticket {i}."}]}}
        for i in range(3)
    ]}


def _example_files() -> list[Path]:
    folder = REPO / "examples" / "good"
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".yaml", ".yml", ".jsonl")) if folder.is_dir() else []


def _seeds_from_files() -> list[Seed]:
    from claude_preflight.files.documents import Document, read_file

    found = []
    for path in _example_files():
        for doc in read_file(path):
            if isinstance(doc, Document):
                context = {k: getattr(doc, k) for k in ("endpoint", "headers", "surface", "as_of", "api_version")
                           if getattr(doc, k) is not None}
                found.append(Seed(f"examples/good/{path.name}", doc.body, context))
    return found


def _seeds_from_catalogue() -> list[Seed]:
    from claude_preflight.catalogue import load_catalogue

    found = []
    try:
        catalogue = load_catalogue()
    except Exception:  # noqa: BLE001 - a broken catalogue is reported by its own tests
        return []
    for rule in catalogue.rules:
        for index, example in enumerate(rule.examples.get("good", ()) or ()):
            if isinstance(example, dict) and "body" in example:
                context = {k: example[k] for k in CONTEXT_KEYS if k in example}
                found.append(Seed(f"{rule.code}-good{index}", example["body"], context))
    return found


@lru_cache(maxsize=1)
def seeds() -> tuple[Seed, ...]:
    """Every seed request (computed once)."""
    built = [
        Seed("perf/small", small_request()),
        Seed("perf/agent", agent_request()),
        Seed("perf/batch", batch_request(), {"endpoint": "/v1/messages/batches"}),
    ]
    return tuple(built + _seeds_from_files() + _seeds_from_catalogue())


def _as_yaml(seed: Seed) -> str:
    return yaml.safe_dump({**seed.context, "body": seed.body} if seed.context else seed.body, sort_keys=False, allow_unicode=True)


@lru_cache(maxsize=1)
def texts() -> tuple[tuple[str, bytes], ...]:
    """``(suffix, content)`` of valid fixture files: the example files, and seeds written as
    pretty JSON, compact JSON, YAML and JSONL batch lines."""
    found: list[tuple[str, bytes]] = [(p.suffix, p.read_bytes()) for p in _example_files()]
    for seed in seeds()[:40]:
        document = {**seed.context, "body": seed.body} if seed.context else seed.body
        found.append((".json", json.dumps(document, indent=2, ensure_ascii=False).encode()))
        found.append((".yaml", _as_yaml(seed).encode()))
        if not seed.context:
            line = json.dumps({"custom_id": seed.name[:60], "params": seed.body}, separators=(",", ":"))
            found.append((".jsonl", (line + "\n" + line + "\n").encode()))
    return tuple(found)
