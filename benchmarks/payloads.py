"""Seeded, deterministic request bodies for the benchmarks (standard library only).

The shapes follow the performance anchors that were measured before the library existed
(``small``, ``agent``, ``long`` and a 100,000-line Message Batches file), so that ratios can
be compared with them:

* ``small``: ``claude-sonnet-4-6``, ``max_tokens``, ``system`` as a string, three messages
  (user, assistant, user) of plain text; about 1.3 KB.
* ``agent``: ``claude-opus-4-8`` with two cached system blocks (1 h and 5 min TTL), eight
  client tools with realistic input schemas (enums, patterns, ``$defs``/``$ref``, one
  ``strict`` tool; the last tool is cached with a 1 h TTL, which must precede the system
  blocks' 5 min breakpoint), adaptive thinking, ``output_config.effort`` and ``metadata``; an opening
  user turn and 20 round trips (assistant: thinking with a signature, optional text, one or
  two ``tool_use``; user: ``tool_result`` blocks, some errors, one screenshot PNG), 41
  messages, about 105 KB. The last block carries a cache breakpoint.
* ``long``: the same with 1,000 round trips (2,001 messages, about 4 MB).
* ``batch``: JSONL lines ``{"custom_id", "params"}``; about 96 % small-style requests on
  several models (some with ``metadata`` or ``stop_sequences``) and 4 % agent-style ones
  (2-12 round trips), kept under the 256 MB Message Batches limit.

Every conversation starts and ends on a user turn and is a valid request for its model, so
the benchmarks time the common path rather than error paths. Same seed, same bytes.

    python benchmarks/payloads.py --out DIR [--batch N]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import struct
import sys
import zlib
from pathlib import Path
from typing import Any, Iterator

SEED = 20261124
GENERATOR_VERSION = 1  # bump when the output changes, so cached files are rebuilt

_VOCABULARY = """
a an the this that these those some each every any no other another such both either
is are was were be been being has have had do does did will would can could may might must
should shall need ought keep make take give find show tell ask use try call run read write
build test ship merge review deploy restart rollback migrate index parse encode decode send
receive retry cancel schedule queue drain flush compact rotate sign verify hash cache evict
request response payload header body field value key token model prompt message turn block
tool schema result error warning status code limit quota budget window context batch stream
server client region cluster node worker thread process lock channel socket timeout latency
file path folder module package import export class function method argument parameter type
string number integer boolean array object null record table column row query report chart
customer order invoice account refund contract policy ticket incident owner team release
quick slow stable flaky fresh stale empty full partial missing broken valid invalid unusual
first second last next previous early late often rarely always never usually probably now
in on at by for with from into over under after before between through during without
""".split()

_ACCENTED = ["déjà", "naïve", "Köln", "São", "jalapeño", "Øresund", "Ελλάδα", "北京", "→", "…", "✔", "🚀", "±", "½"]

_SNIPPETS = [
    "def {fn}({arg}, *, retries: int = 3) -> dict:",
    '    """Fetch the {noun} named {arg}; raises LookupError if absent."""',
    "    if {arg} is None:\n        raise ValueError(f\"missing {noun}: {{{arg}!r}}\")",
    "    response = session.get(f\"{{BASE}}/{noun}s/{{{arg}}}\", timeout=10)",
    "    for index, item in enumerate(items):\n\t\tprint(index, item, sep=\"\\t\")",
    "    match = re.search(r\"(?P<name>[A-Za-z_]\\w*)\\s*:\\s*(?P<kind>\\w+)\", line)",
    "    return {{\"{noun}\": {arg}, \"ok\": True, \"dir\": \"D:\\\\work\\\\{noun}\"}}",
    "class {Noun}NotFound(KeyError):\n    \"\"\"No such {noun}.\"\"\"",
    "from collections import defaultdict  # {noun} index",
    "    assert result.returncode == 0, result.stderr[-500:]",
    "// FIXME: '{arg}' may be undefined here — ticket {num}",
    "    let {arg} = await client.{noun}.list({{ limit: {num} }});",
    "UPDATE {noun}s SET updated_at = now() WHERE id = ${num} RETURNING *;",
    "<li class=\"{noun}\" data-n=\"{num}\">{Noun} &lt;{num}&gt;</li>",
]


class Texts:
    """Pools of prose paragraphs and code excerpts, built once from an RNG."""

    def __init__(self, rng: random.Random, paragraphs: int = 2500, excerpts: int = 1000) -> None:
        self.prose = [self._paragraph(rng) for _ in range(paragraphs)]
        self.code = [self._excerpt(rng) for _ in range(excerpts)]

    @staticmethod
    def _sentence(rng: random.Random) -> str:
        words = [rng.choice(_VOCABULARY) for _ in range(rng.randint(5, 24))]
        roll = rng.random()
        if roll < 0.07:
            words[rng.randrange(len(words))] = rng.choice(_ACCENTED)
        elif roll < 0.16:
            words[rng.randrange(len(words))] = f"`{rng.choice(_VOCABULARY)}.{rng.choice(_VOCABULARY)}()`"
        elif roll < 0.20:
            words[rng.randrange(len(words))] = f"\"{rng.choice(_VOCABULARY)}\""
        text = " ".join(words)
        return text[:1].upper() + text[1:] + rng.choice(".....?!:;")

    def _paragraph(self, rng: random.Random) -> str:
        return " ".join(self._sentence(rng) for _ in range(rng.randint(2, 8)))

    @staticmethod
    def _excerpt(rng: random.Random) -> str:
        lines = []
        for _ in range(rng.randint(3, 16)):
            noun = rng.choice(_VOCABULARY)
            lines.append(rng.choice(_SNIPPETS).format(
                fn=f"load_{noun}", arg=f"{rng.choice(_VOCABULARY)}_ref", noun=noun,
                Noun=noun.title(), num=rng.randint(2, 65535)))
        return "\n".join(lines)

    def text(self, rng: random.Random, size: int, code: bool = False) -> str:
        """About ``size`` characters of prose (or code), cut at a word or line boundary."""
        pool, glue = (self.code, "\n") if code else (self.prose, "\n\n")
        parts: list[str] = []
        total = 0
        while total < size:
            part = pool[rng.randrange(len(pool))]
            parts.append(part)
            total += len(part) + len(glue)
        out = glue.join(parts)
        if len(out) > size:
            cut = out.rfind("\n" if code else " ", 0, size)
            out = out[: cut if cut > size * 0.7 else size].rstrip()
        return out


_ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _tool_use_id(rng: random.Random) -> str:
    return "toolu_01" + "".join(rng.choice(_ID_CHARS) for _ in range(22))


def _signature(rng: random.Random) -> str:
    """Opaque base64 of a few hundred bytes, like a thinking block's signature."""
    return base64.b64encode(rng.randbytes(rng.randint(256, 880))).decode("ascii")


def _png(rng: random.Random, width: int = 20, height: int = 20) -> str:
    """A small, decodable RGB PNG as base64."""
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode("ascii")


def agent_tools() -> list[dict[str, Any]]:
    """Eight client tools of a coding/operations agent, with realistic input schemas."""
    location = {"type": "string", "minLength": 1, "maxLength": 4096,
                "description": "Path inside the workspace, for example /srv/app/main.py."}
    return [
        {"name": "open_file",
         "description": "Return the numbered lines of a text file in the workspace; page with start and count.",
         "input_schema": {"type": "object", "additionalProperties": False, "required": ["path"],
                          "properties": {"path": location,
                                         "start": {"type": "integer", "minimum": 0},
                                         "count": {"type": "integer", "minimum": 1, "maximum": 2000, "default": 300}}}},
        {"name": "save_file",
         "description": "Write a file, replacing any previous content; missing folders are created.",
         "input_schema": {"type": "object", "additionalProperties": False, "required": ["path", "text"],
                          "properties": {"path": location, "text": {"type": "string", "maxLength": 1000000}}}},
        {"name": "patch_file", "strict": True,
         "description": "Replace exact snippets in a file. Each search string must match once unless every is true.",
         "input_schema": {"type": "object", "additionalProperties": False, "required": ["path", "changes"],
                          "properties": {
                              "path": {"type": "string"},
                              "changes": {"type": "array", "items": {
                                  "type": "object", "additionalProperties": False,
                                  "required": ["search", "replace", "every"],
                                  "properties": {"search": {"type": "string"}, "replace": {"type": "string"},
                                                 "every": {"type": "boolean"}}}}}}},
        {"name": "shell",
         "description": "Run a shell command in the sandbox; returns the exit status, stdout and stderr.",
         "input_schema": {"type": "object", "required": ["command"],
                          "properties": {"command": {"type": "string"},
                                         "timeout_s": {"type": "integer", "minimum": 1, "maximum": 900, "default": 120},
                                         "background": {"type": "boolean", "default": False},
                                         "reason": {"type": "string", "maxLength": 160},
                                         "env": {"type": "object", "additionalProperties": {"type": "string"}}}}},
        {"name": "search_code",
         "description": "Search the workspace with a regular expression and return matching lines.",
         "input_schema": {"type": "object", "required": ["regex"],
                          "properties": {"regex": {"type": "string"}, "root": {"type": "string", "default": "."},
                                         "include": {"type": "string", "description": "glob such as src/**/*.ts"},
                                         "mode": {"type": "string", "enum": ["lines", "files", "counts"]},
                                         "ignore_case": {"type": "boolean"},
                                         "around": {"type": "integer", "minimum": 0, "maximum": 10},
                                         "max_hits": {"type": ["integer", "null"], "minimum": 1}}}},
        {"name": "list_tree",
         "description": "List a folder as a tree, honouring .gitignore.",
         "input_schema": {"type": "object", "required": ["path"],
                          "properties": {"path": location,
                                         "levels": {"type": "integer", "minimum": 1, "maximum": 6, "default": 2},
                                         "skip": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}}}},
        {"name": "fetch_url",
         "description": "Download an HTTPS page and return it as plain text, truncated.",
         "input_schema": {"type": "object", "required": ["url"],
                          "properties": {"url": {"type": "string", "format": "uri", "pattern": "^https://"},
                                         "limit_bytes": {"type": "integer", "minimum": 1, "maximum": 4000000},
                                         "headers": {"type": "object", "additionalProperties": {"type": "string"},
                                                     "propertyNames": {"pattern": "^[A-Za-z0-9-]+$"}}}}},
        {"name": "open_ticket", "cache_control": {"type": "ephemeral", "ttl": "1h"},
         "description": "Create a ticket with a priority, labels and links to related tickets.",
         "input_schema": {"type": "object", "additionalProperties": False, "required": ["title", "priority"],
                          "$defs": {"link": {"type": "object", "required": ["relation", "key"],
                                             "properties": {"relation": {"type": "string", "enum": ["blocks", "blocked-by", "duplicate-of", "related"]},
                                                            "key": {"type": "string", "pattern": "^[A-Z]{2,8}-[0-9]+$"}}}},
                          "properties": {"title": {"type": "string", "minLength": 4, "maxLength": 180},
                                         "details": {"type": "string"},
                                         "priority": {"type": "string", "enum": ["urgent", "high", "normal", "low"]},
                                         "labels": {"type": "array", "items": {"type": "string", "enum": ["bug", "performance", "security", "docs"]}},
                                         "watchers": {"type": "array", "items": {"type": "string"}, "maxItems": 6},
                                         "links": {"type": "array", "items": {"$ref": "#/$defs/link"}},
                                         "extra": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}}}},
    ]


def _tool_input(rng: random.Random, texts: Texts, name: str) -> dict[str, Any]:
    noun = rng.choice(_VOCABULARY)
    if name == "open_file":
        return {"path": f"/srv/app/{noun}/{rng.choice(_VOCABULARY)}.py", "start": rng.randint(0, 500), "count": 300}
    if name == "save_file":
        return {"path": f"/srv/app/{noun}.py", "text": texts.text(rng, rng.randint(300, 1400), code=True)}
    if name == "patch_file":
        return {"path": f"/srv/app/{noun}.py", "changes": [
            {"search": texts.code[rng.randrange(len(texts.code))][:110],
             "replace": texts.code[rng.randrange(len(texts.code))][:130], "every": False}
            for _ in range(rng.randint(1, 3))]}
    if name == "shell":
        return {"command": f"cd /srv/app && python -m pytest -q tests/test_{noun}.py | tail -30",
                "timeout_s": 120, "reason": f"run the {noun} tests"}
    if name == "search_code":
        return {"regex": f"def (load|save)_{noun}\\b", "root": "/srv/app", "include": "**/*.py", "mode": "lines", "around": 2}
    if name == "list_tree":
        return {"path": f"/srv/app/{noun}", "levels": 2, "skip": [".git", "node_modules", ".venv"]}
    if name == "fetch_url":
        return {"url": f"https://docs.example.org/{noun}/{rng.choice(_VOCABULARY)}", "limit_bytes": 250000}
    return {"title": f"{noun.title()} {rng.choice(_VOCABULARY)} regression", "details": texts.text(rng, 380),
            "priority": rng.choice(["high", "normal"]), "labels": ["bug", "performance"],
            "links": [{"relation": "related", "key": f"OPS-{rng.randint(10, 9999)}"}],
            "extra": {"area": noun, "regression": True, "build": rng.randint(100, 99999)}}


def _assistant(rng: random.Random, texts: Texts, tools: list[dict[str, Any]], think: tuple[int, int],
               thinking: bool) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    content: list[dict[str, Any]] = []
    if thinking:
        content.append({"type": "thinking", "thinking": texts.text(rng, rng.randint(*think)), "signature": _signature(rng)})
    if rng.random() < 0.5:
        content.append({"type": "text", "text": texts.text(rng, rng.randint(50, 320))})
    calls = []
    for _ in range(2 if rng.random() < 0.2 else 1):
        name = tools[rng.randrange(len(tools))]["name"]
        call_id = _tool_use_id(rng)
        content.append({"type": "tool_use", "id": call_id, "name": name, "input": _tool_input(rng, texts, name)})
        calls.append((call_id, name))
    return {"role": "assistant", "content": content}, calls


def _results(rng: random.Random, texts: Texts, calls: list[tuple[str, str]], size: tuple[int, int],
             screenshot: bool) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for call_id, name in calls:
        n = rng.randint(*size)
        roll = rng.random()
        if roll < 0.07:
            blocks.append({"type": "tool_result", "tool_use_id": call_id, "is_error": True,
                           "content": f"{name} failed: " + texts.text(rng, 110)})
        elif roll < 0.55:
            blocks.append({"type": "tool_result", "tool_use_id": call_id, "content": texts.text(rng, n, code=True)})
        else:
            blocks.append({"type": "tool_result", "tool_use_id": call_id, "content": [
                {"type": "text", "text": texts.text(rng, n // 2, code=True)},
                {"type": "text", "text": texts.text(rng, n // 2)}]})
    if screenshot:
        blocks[-1]["content"] = [
            {"type": "text", "text": "Screenshot of the page after the change:"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": _png(rng)}}]
    return {"role": "user", "content": blocks}


def agent_body(rng: random.Random, texts: Texts, *, round_trips: int, model: str = "claude-opus-4-8",
               think: tuple[int, int] = (300, 1500), result: tuple[int, int] = (800, 4000),
               system: tuple[int, int] = (6000, 2500), thinking_every_turn: bool = True) -> dict[str, Any]:
    """An agent transcript: opening user turn, then ``round_trips`` assistant/tool_result pairs."""
    tools = agent_tools()
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "Task: " + texts.text(rng, 1200)}]}]
    screenshot_at = rng.randrange(round_trips) if round_trips > 3 else -1
    for turn in range(round_trips):
        with_thinking = thinking_every_turn or turn >= round_trips - 3
        assistant, calls = _assistant(rng, texts, tools, think, with_thinking)
        messages.append(assistant)
        messages.append(_results(rng, texts, calls, result, turn == screenshot_at))
    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {
        "model": model,
        "max_tokens": 32000,
        "system": [
            {"type": "text", "text": "You are a meticulous coding agent working in /srv/app. " + texts.text(rng, system[0]),
             "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            {"type": "text", "text": "House style:\n" + texts.text(rng, system[1], code=True),
             "cache_control": {"type": "ephemeral"}},
        ],
        "tools": tools,
        "tool_choice": {"type": "auto"},
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "metadata": {"user_id": hashlib.sha256(rng.randbytes(16)).hexdigest()[:32]},
        "messages": messages,
    }


def small_body(rng: random.Random, texts: Texts, *, model: str = "claude-sonnet-4-6",
               question: tuple[int, int] = (200, 700), answer: tuple[int, int] = (150, 500),
               system: tuple[int, int] = (150, 500)) -> dict[str, Any]:
    """A short chat: system string, user, assistant, user."""
    return {
        "model": model,
        "max_tokens": rng.choice([256, 512, 1024, 2048]),
        "system": "You answer questions for an internal help desk, briefly. " + texts.text(rng, rng.randint(*system)),
        "messages": [
            {"role": "user", "content": texts.text(rng, rng.randint(*question))},
            {"role": "assistant", "content": texts.text(rng, rng.randint(*answer))},
            {"role": "user", "content": "And then? " + texts.text(rng, rng.randint(60, 240))},
        ],
    }


def _texts(seed: int = SEED) -> Texts:
    return Texts(random.Random(seed))


def fixed(seed: int = SEED) -> dict[str, dict[str, Any]]:
    """The three single-request payloads: ``small``, ``agent`` and ``long``."""
    texts = _texts(seed)
    return {
        "small": small_body(random.Random(seed + 1), texts),
        "agent": agent_body(random.Random(seed + 2), texts, round_trips=20),
        "long": agent_body(random.Random(seed + 3), texts, round_trips=1000, think=(150, 700), result=(900, 2700)),
    }


def small_variants(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` different small chats (same model; texts, lengths and max_tokens vary)."""
    texts = _texts(seed)
    return [small_body(random.Random(seed + 1000 + i), texts) for i in range(n)]


def agent_with(round_trips: int, seed: int = SEED) -> dict[str, Any]:
    """An agent body with a chosen number of round trips (for the complexity measurements)."""
    return agent_body(random.Random(seed + 7), _texts(seed), round_trips=round_trips, think=(150, 700), result=(400, 1600))


def batch_lines(n: int, seed: int = SEED) -> Iterator[str]:
    """``n`` Message Batches lines (with trailing newlines), deterministic."""
    rng = random.Random(seed + 100)
    texts = _texts(seed)
    models = ["claude-sonnet-4-6", "claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-8"]
    for i in range(n):
        if rng.random() < 0.04:
            params = agent_body(rng, texts, round_trips=rng.randint(2, 12), think=(150, 600), result=(300, 1500),
                                system=(2500, 1200), thinking_every_turn=False)
            custom_id = f"agent-{i:06d}"
        else:
            params = small_body(rng, texts, model=rng.choice(models), question=(100, 800), answer=(60, 500), system=(80, 400))
            if rng.random() < 0.3:
                params["metadata"] = {"user_id": f"user-{rng.randrange(10 ** 8):08d}"}
            if rng.random() < 0.2:
                params["stop_sequences"] = ["</answer>"]
            custom_id = f"req-{i:06d}"
        yield compact({"custom_id": custom_id, "params": params}) + "\n"


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_batch(path: Path, n: int, seed: int = SEED) -> dict[str, Any]:
    """Write the batch file atomically; returns its manifest (lines, bytes, sha256)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    digest = hashlib.sha256()
    size = 0
    with open(tmp, "wb") as handle:
        for line in batch_lines(n, seed):
            data = line.encode("utf-8")
            digest.update(data)
            size += len(data)
            handle.write(data)
    tmp.replace(path)
    return {"lines": n, "bytes": size, "sha256": digest.hexdigest(), "seed": seed, "generator": GENERATOR_VERSION}


def ensure_batch(folder: Path, n: int, seed: int = SEED) -> tuple[Path, dict[str, Any]]:
    """The batch file of ``n`` lines in ``folder``, generated unless an identical one is there."""
    path = folder / f"batch_{n}.jsonl"
    manifest_path = folder / f"batch_{n}.manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest.get("seed"), manifest.get("generator"), manifest.get("lines")) == (seed, GENERATOR_VERSION, n) \
                and path.stat().st_size == manifest.get("bytes"):
            return path, manifest
    except (OSError, ValueError):
        pass
    manifest = write_batch(path, n, seed)
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path, manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to write small/agent/long.json into")
    parser.add_argument("--batch", type=int, default=0, metavar="N", help="also write batch_N.jsonl")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {}
    for name, body in fixed().items():
        text = compact(body)
        (args.out / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        summary[name] = {"bytes": len(text.encode("utf-8")), "messages": len(body["messages"]),
                         "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    if args.batch:
        summary["batch"] = ensure_batch(args.out, args.batch)[1]
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
