"""SARIF 2.1.0 output, shaped for GitHub code scanning.

- One run; ``tool.driver.rules`` holds the catalogue metadata of every rule that fired
  (id, name, descriptions, ``helpUri`` to the rule's section of docs/rules.md, default level).
- Results carry ``ruleId``/``ruleIndex``, a level (error, warning, note), the message, and a
  physical location: the file relative to the current directory under ``%SRCROOT%``, with the
  line and column of the offending value in the JSON, YAML or JSONL source.
- ``partialFingerprints`` hash the rule code, the file and the JSON Pointer (plus an occurrence
  number for repeats), never the line, so alerts survive edits above the finding.
- Files that cannot be read become results of the ``unreadable-file`` rule (GitHub shows only
  results) and also ``toolExecutionNotifications`` of the invocation.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from claude_preflight import __version__
from claude_preflight.files.checking import FileResult
from claude_preflight.output import (
    CI_DOC_URL,
    PROBLEM_RULE_ID,
    PROJECT_URL,
    RULES_DOC_URL,
    Counts,
    OutputOptions,
    new_counts,
    relative_path,
    tally,
)
from claude_preflight.report import Finding

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "claudePreflight/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}

# Findings the front ends produce without a catalogue entry.
_BUILTIN = {
    "PF900": (
        "internal-check-error",
        "A check failed on this request; the other checks ran normally.",
        "A bug in one of claude-preflight's checks raised an exception on this request. The check was "
        "skipped and reported instead of stopping the run; please report it with the request attached.",
        "warning",
    ),
    PROBLEM_RULE_ID: (
        PROBLEM_RULE_ID,
        "The file could not be read as a request.",
        "The file is not valid UTF-8, JSON or YAML, is empty, or has an invalid envelope, so no rule could "
        "be checked against it. Fix the file, or keep files that are not requests out of the checked paths.",
        "error",
    ),
}


def write_results(results: Iterable[FileResult], options: OutputOptions) -> Counts:
    counts = new_counts()
    collected = []
    for result in results:
        tally(counts, result)
        collected.append(result)
    json.dump(build_log(collected, options), options.stream, indent=2)  # ASCII: safe for any message
    options.stream.write("\n")
    return counts


def build_log(results: list[FileResult], options: OutputOptions) -> dict[str, Any]:
    """The SARIF log (a dict ready for ``json.dump``) for these results."""
    root = options.root
    items: list[tuple[str, Any, bool]] = []  # (rule id, finding or problem, is problem)
    for result in results:
        items.extend((PROBLEM_RULE_ID, p, True) for p in result.problems)
        items.extend((f.code, f, False) for f in result.findings)

    rules, index = _rules(items, options)
    seen: Counter[str] = Counter()
    sarif_results = []
    notifications = []
    for rule_id, item, is_problem in items:
        if is_problem:
            level, message, pointer = "error", item.message, ""
        else:
            level, message, pointer = LEVELS.get(item.severity, "warning"), item.message, item.path
        location = _location(item, root)
        uri = location["physicalLocation"]["artifactLocation"]["uri"] if location else ""
        key = _fingerprint(rule_id, uri, pointer)
        seen[key] += 1
        entry: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": level,
            "message": {"text": message or rule_id},
        }
        if location:
            entry["locations"] = [location]
        entry["partialFingerprints"] = {FINGERPRINT_KEY: f"{key}:{seen[key]}"}
        properties: dict[str, Any] = {}
        if not is_problem:
            properties["jsonPointer"] = pointer
            if item.fix:
                properties["fix"] = item.fix
            safety = getattr(item, "fix_safety", None)
            if item.fix and safety:
                properties["fixSafety"] = safety
        if properties:
            entry["properties"] = properties
        sarif_results.append(entry)
        if is_problem:
            note: dict[str, Any] = {"level": "error", "message": {"text": message}, "descriptor": {"id": PROBLEM_RULE_ID}}
            if location:
                note["locations"] = [location]
            notifications.append(note)

    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "claude-preflight",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _directory_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rules(items: list[tuple[str, Any, bool]], options: OutputOptions) -> tuple[list[dict[str, Any]], dict[str, int]]:
    catalogue = options.catalogue
    order = {rule.code: n for n, rule in enumerate(catalogue.rules)} if catalogue is not None else {}
    fired: dict[str, Any] = {}
    for rule_id, item, _ in items:
        fired.setdefault(rule_id, item)
    ids = sorted(fired, key=lambda r: (r == PROBLEM_RULE_ID, r not in order, order.get(r, 0), r))
    rules = [_rule(rule_id, fired[rule_id], catalogue) for rule_id in ids]
    return rules, {rule_id: n for n, rule_id in enumerate(ids)}


def _rule(rule_id: str, example: Any, catalogue: Any) -> dict[str, Any]:
    rule = catalogue.rule_by_code.get(rule_id) if catalogue is not None else None
    if rule is not None:
        sources = [catalogue.sources[k] for k in rule.sources if k in catalogue.sources]
        help_text = rule.explanation
        help_markdown = rule.explanation
        if sources:
            help_text += "\n\nSources:\n" + "\n".join(f"- {s.title}: {s.url}" for s in sources)
            help_markdown += "\n\n**Sources**\n\n" + "\n".join(f"- [{_md(s.title)}]({s.url})" for s in sources)
        entry: dict[str, Any] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.explanation},
            "help": {"text": help_text, "markdown": help_markdown},
            "helpUri": f"{RULES_DOC_URL}#{rule.code.lower()}",
            "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
            "properties": {"tags": ["claude-preflight", rule.family]},
        }
        if rule.fix:
            entry["properties"]["fix"] = rule.fix.get("safety")
        return entry
    if rule_id in _BUILTIN:
        name, short, full, severity = _BUILTIN[rule_id]
        uri = f"{CI_DOC_URL}#unreadable-files" if rule_id == PROBLEM_RULE_ID else f"{RULES_DOC_URL}#{rule_id.lower()}"
        return {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "helpUri": uri,
            "defaultConfiguration": {"level": LEVELS[severity]},
            "properties": {"tags": ["claude-preflight"]},
        }
    # A code outside the catalogue in use (for instance from a catalogue file no longer loaded).
    name = getattr(example, "name", None) or rule_id
    severity = getattr(example, "severity", "warning")
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": name},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
    }


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _location(item: Finding | Any, root: Path) -> dict[str, Any] | None:
    file = getattr(item, "file", None)
    if not file:
        return None
    path, inside = relative_path(str(file), root)
    if inside:
        artifact = {"uri": urllib.parse.quote(path, safe="/", errors="surrogateescape"), "uriBaseId": "%SRCROOT%"}
    else:
        artifact = {"uri": Path(path).as_uri()}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    line, column = getattr(item, "line", None), getattr(item, "column", None)
    if isinstance(line, int) and line >= 1:
        region = {"startLine": line}
        if isinstance(column, int) and column >= 1:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


def _fingerprint(rule_id: str, uri: str, pointer: str) -> str:
    text = "\x00".join((rule_id, uri, pointer))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _directory_uri(root: Path) -> str:
    uri = Path(root).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"
