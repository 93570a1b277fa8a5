"""Load the atlas (tests/corpus/atlas/*.yaml) and compute the counts shown in docs/atlas.md.

Run ``python tests/atlas_counts.py`` to print the counts table; ``--write`` rewrites the block
between the ``atlas-counts`` markers in docs/atlas.md. A case counts as predicted when it is a
rejected case whose ID is not in ``PENDING_IDS`` (tests/test_atlas.py), because the suite proves
both directions: a pending case must fail, every other rejected case must pass.
"""

from __future__ import annotations

import base64
import os
import re
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

ATLAS = Path(__file__).resolve().parent / "corpus" / "atlas"
DOC = Path(__file__).resolve().parent.parent / "docs" / "atlas.md"
BEGIN, END = "<!-- atlas-counts:begin -->", "<!-- atlas-counts:end -->"
KINDS = ("rejected", "valid", "unpredictable")


def load_cases(atlas: Path = ATLAS) -> list[tuple[str, dict[str, Any]]]:
    """Every case of every atlas file, as (file stem, case) pairs, in file order."""
    cases: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(atlas.glob("*.yaml")):
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(loaded, list):
            raise ValueError(f"{path}: an atlas file must hold a YAML list of cases")
        cases.extend((path.stem, case) for case in loaded)
    return cases


# One error template is one message: locations, IDs and wrappers vary between reports of it.
_NORMALISE = [
    (re.compile(r"^The model returned the following errors: "), ""),
    (re.compile(r"\b(messages|tools|system|requests)\.\d+(\.content\.\d+)?"), r"\1.N"),
    (re.compile(r"\b(toolu|srvtoolu|call)_[A-Za-z0-9_]+"), "<id>"),
    (re.compile(r"^model: \S+$"), "model: <id>"),
    (re.compile(r"Publisher Model projects/\S+/models/\S+ was not found"), "Publisher Model <model> was not found"),
    (re.compile(r"(does not match any of the expected tags:).*$"), r"\1 <tags>"),
    (re.compile(r"`"), ""),
]


# Payloads too large to keep in YAML are written as directives and built when the case runs:
# "$png(width=W,height=H,bytes=N)" is the base64 of an N-byte PNG with that header, and
# "$pdf(pages=N)" is the base64 of a minimal PDF with N page objects, and
# "$text(chars=N)" is N characters of English-like text.
_DIRECTIVE = re.compile(r"\$(png|pdf|text)\(([a-z]+=\d+(?:,[a-z]+=\d+)*)\)")
_WORDS = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing "


def _png(width: int, height: int, size: int) -> str:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    header += struct.pack(">I", zlib.crc32(header[12:]) & 0xFFFFFFFF)
    return base64.b64encode(header + bytes(max(0, size - len(header)))).decode("ascii")


def _pdf(pages: int) -> str:
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>"]
    objects += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    body = "".join(f"{n} 0 obj\n{obj}\nendobj\n" for n, obj in enumerate(objects, start=1))
    return base64.b64encode(f"%PDF-1.4\n{body}trailer\n<< /Root 1 0 R >>\n%%EOF\n".encode("ascii")).decode("ascii")


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    match = _DIRECTIVE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return value
    args = {k: int(v) for k, v in (part.split("=") for part in match.group(2).split(","))}
    if match.group(1) == "png":
        return _png(args["width"], args["height"], args["bytes"])
    if match.group(1) == "pdf":
        return _pdf(args["pages"])
    chars = args["chars"]
    return (_WORDS * (chars // len(_WORDS) + 1))[:chars]


def build_request(case: dict[str, Any]) -> dict[str, Any]:
    """The case's request with payload directives expanded."""
    request: dict[str, Any] = _expand(case["request"])
    return request


def message_key(case: dict[str, Any]) -> str:
    """The message with whitespace, locations, IDs, backticks and Bedrock's wrapper normalised."""
    text = " ".join(str(case.get("message", "")).split())
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return text.rstrip(".")


@dataclass(frozen=True)
class Counts:
    cases: int
    rejected_cases: int
    predicted_cases: int
    warning_cases: int
    unpredictable_cases: int
    valid_cases: int
    valid_passing: int
    messages: int
    predictable_messages: int
    predicted_messages: int
    unpredictable_messages: int
    sources: int

    def rows(self) -> list[tuple[str, int]]:
        return [
            ("Distinct real error messages found", self.messages),
            ("Distinct messages a static check can predict", self.predictable_messages),
            ("Distinct messages the catalogue predicts today (every case flagged)", self.predicted_messages),
            ("Distinct messages no static check can predict", self.unpredictable_messages),
            ("Rejected cases (reconstructed requests)", self.rejected_cases),
            ("Rejected cases flagged by the expected rule today", self.predicted_cases),
            ("... of which at warning on purpose (an estimate, or a recorded conflict)", self.warning_cases),
            ("Unpredictable cases (with a written reason)", self.unpredictable_cases),
            ("Valid requests (official examples and recorded 200 responses)", self.valid_cases),
            ("Valid requests passing with no error today", self.valid_passing),
            ("Distinct sources cited", self.sources),
            ("Cases in the atlas", self.cases),
        ]


def compute(cases: Iterable[tuple[str, dict[str, Any]]], pending: Iterable[str]) -> Counts:
    pending_ids = set(pending)
    all_cases = [case for _, case in cases]
    rejected = [c for c in all_cases if c.get("kind") == "rejected"]
    unpredictable = [c for c in all_cases if c.get("kind") == "unpredictable"]
    by_message: dict[str, list[dict[str, Any]]] = {}
    for case in rejected:
        by_message.setdefault(message_key(case), []).append(case)
    predictable = set(by_message)
    predicted = {m for m, group in by_message.items() if all(c["id"] not in pending_ids for c in group)}
    only_unpredictable = {message_key(c) for c in unpredictable} - predictable
    return Counts(
        cases=len(all_cases),
        rejected_cases=len(rejected),
        predicted_cases=sum(1 for c in rejected if c["id"] not in pending_ids),
        warning_cases=sum(1 for c in rejected if c["id"] not in pending_ids and c.get("severity") == "warning"),
        unpredictable_cases=len(unpredictable),
        valid_cases=sum(1 for c in all_cases if c.get("kind") == "valid"),
        valid_passing=sum(1 for c in all_cases if c.get("kind") == "valid" and c["id"] not in pending_ids),
        messages=len(predictable | only_unpredictable),
        predictable_messages=len(predictable),
        predicted_messages=len(predicted),
        unpredictable_messages=len(only_unpredictable),
        sources=len({str(c.get("source")) for c in all_cases}),
    )


def render(counts: Counts) -> str:
    lines = [BEGIN, "| Count | Value |", "|---|---:|"]
    lines += [f"| {label} | {value} |" for label, value in counts.rows()]
    lines.append(END)
    return "\n".join(lines)


def documented_block(text: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return ""
    return text[start : end + len(END)]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_atlas import PENDING_IDS

    block = render(compute(load_cases(), PENDING_IDS))
    if "--write" in argv:
        text = DOC.read_text(encoding="utf-8")
        old = documented_block(text)
        if not old:
            print(f"{DOC}: no {BEGIN} ... {END} block", file=sys.stderr)
            return 1
        tmp = DOC.with_suffix(".md.tmp")
        tmp.write_text(text.replace(old, block), encoding="utf-8")
        os.replace(tmp, DOC)
    print(block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
