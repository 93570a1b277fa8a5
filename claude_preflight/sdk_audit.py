"""Compare the catalogue with what the installed ``anthropic`` SDK's types say.

Run it at every catalogue release, against the SDK version pinned in the ``test`` extra
(CI) and by hand against the newest one::

    python -m claude_preflight.sdk_audit [--format json] [--known tests/data/sdk-audit-known.yaml]

It reads (never calls) the SDK: model ID literals (``types/model.py``), ``DEPRECATED_MODELS``,
beta name literals (``AnthropicBetaParam``), the
``type`` literal of every member of the tool unions, the top-level fields of the request
params of the main endpoints, and every path string in ``resources/`` (those of ``resources/**/bedrock/`` must be offered on Bedrock). Each difference is a
:class:`Gap` with a stable ``key`` (``kind:name``) so a reviewed allow-list can hold the ones
that are known. Exit status: 0 no gap outside the allow-list, 1 new gaps, 2 the SDK is missing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue

# catalogue request_fields section -> the SDK TypedDict(s) giving that body's top-level fields
PARAMS = {
    "messages": ["anthropic.types.message_create_params:MessageCreateParamsBase",
                 "anthropic.types.beta.message_create_params:MessageCreateParamsBase"],
    "count_tokens": ["anthropic.types.message_count_tokens_params:MessageCountTokensParams",
                     "anthropic.types.beta.message_count_tokens_params:MessageCountTokensParams"],
    "batch": ["anthropic.types.messages.batch_create_params:BatchCreateParams"],
    "agent": ["anthropic.types.beta.agent_create_params:AgentCreateParams"],
    "environment": ["anthropic.types.beta.environment_create_params:EnvironmentCreateParams"],
    "session": ["anthropic.types.beta.session_create_params:SessionCreateParams"],
    "deployment": ["anthropic.types.beta.deployment_create_params:DeploymentCreateParams"],
    "memory-store": ["anthropic.types.beta.memory_store_create_params:MemoryStoreCreateParams"],
    "dream": ["anthropic.types.beta.dream_create_params:DreamCreateParams"],
    "vault": ["anthropic.types.beta.vault_create_params:VaultCreateParams"],
}
BETA_LITERALS = ["anthropic.types.anthropic_beta_param:AnthropicBetaParam"]
TOOL_UNIONS = ["anthropic.types.tool_union_param:ToolUnionParam",
               "anthropic.types.beta.beta_tool_union_param:BetaToolUnionParam"]
# Fields every SDK params TypedDict carries that are headers or client options, not body fields.
NOT_BODY = frozenset({"betas", "anthropic_beta", "workspace_id", "extra_headers", "extra_query", "extra_body", "timeout"})
# Folders of resources/ that hold one surface's own resources (their paths must be offered there).
SURFACE_RESOURCES = frozenset({"bedrock"})
_PATH = re.compile(r"""["'](/v1/[A-Za-z0-9_./{}:-]*|/anthropic/v1/[A-Za-z0-9_./{}:-]*)["']""")


@dataclass(frozen=True, order=True)
class Gap:
    kind: str  # model-missing, model-deprecation-missing, beta-missing, tool-type-missing, field-missing, path-unknown, ...
    name: str
    detail: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass
class SdkFacts:
    version: str
    models: set[str] = field(default_factory=set)
    deprecated: dict[str, str] = field(default_factory=dict)
    betas: set[str] = field(default_factory=set)
    tool_types: set[str] = field(default_factory=set)
    fields: dict[str, set[str]] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)
    surface_paths: dict[str, set[str]] = field(default_factory=dict)  # surface -> paths of its own resources
    unreadable: list[str] = field(default_factory=list)


def _resolve(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _literals(tp: Any) -> set[str]:
    """Every string literal inside a (possibly nested) Union/Literal/Annotated type."""
    found: set[str] = set()
    stack = [tp]
    while stack:
        item = stack.pop()
        origin = typing.get_origin(item)
        if origin is typing.Literal:
            found.update(a for a in typing.get_args(item) if isinstance(a, str))
        elif origin is not None:
            stack.extend(typing.get_args(item))
    return found


def _union_members(tp: Any) -> list[Any]:
    stack, members = [tp], []
    while stack:
        item = stack.pop()
        if typing.get_origin(item) is typing.Union:
            stack.extend(typing.get_args(item))
        else:
            members.append(item)
    return members


def read_sdk() -> SdkFacts:
    """What the installed SDK declares (raises ImportError when it is not installed)."""
    import anthropic

    facts = SdkFacts(version=str(anthropic.__version__))
    try:
        facts.models = _literals(_resolve("anthropic.types.model:Model"))
    except (ImportError, AttributeError) as exc:
        facts.unreadable.append(f"model literals: {exc}")
    try:
        facts.deprecated = dict(_resolve("anthropic._data.deprecated_models:DEPRECATED_MODELS"))
    except (ImportError, AttributeError) as exc:
        facts.unreadable.append(f"DEPRECATED_MODELS: {exc}")
    for spec in BETA_LITERALS:
        try:
            facts.betas |= _literals(_resolve(spec))
        except (ImportError, AttributeError) as exc:
            facts.unreadable.append(f"{spec}: {exc}")
    for spec in TOOL_UNIONS:
        try:
            for member in _union_members(_resolve(spec)):
                hints = typing.get_type_hints(member, include_extras=False) if isinstance(member, type) else {}
                facts.tool_types |= _literals(hints.get("type"))
        except Exception as exc:  # a forward reference the SDK cannot resolve: say so, go on
            facts.unreadable.append(f"{spec}: {exc}")
    for section, specs in PARAMS.items():
        for spec in specs:
            try:
                cls = _resolve(spec)
                names = set(getattr(cls, "__annotations__", {}))
                for base in getattr(cls, "__orig_bases__", ()) + getattr(cls, "__mro__", ()):
                    names |= set(getattr(base, "__annotations__", {}))
                facts.fields.setdefault(section, set()).update(names - NOT_BODY)
            except (ImportError, AttributeError) as exc:
                facts.unreadable.append(f"{spec}: {exc}")
    root = Path(anthropic.__file__).parent / "resources"
    for path in sorted(root.rglob("*.py")):
        try:
            found = set(_PATH.findall(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            facts.unreadable.append(f"{path}: {exc}")
            continue
        facts.paths |= found
        for surface in SURFACE_RESOURCES.intersection(path.relative_to(root).parts):
            facts.surface_paths.setdefault(surface, set()).update(found)
    return facts


def audit(catalogue: Catalogue, facts: SdkFacts, as_of: datetime | None = None) -> list[Gap]:
    """What the SDK declares that the catalogue lacks, and what the catalogue still claims."""
    from claude_preflight.dates import now_utc

    gaps: list[Gap] = []
    first_party = set(catalogue.model_ids("first-party"))
    for model in sorted(facts.models - first_party):
        gaps.append(Gap("model-missing", model, "a model ID literal of the SDK that the catalogue does not know"))
    moment = as_of or now_utc()
    for known in sorted(catalogue.models.values(), key=lambda m: m.id):
        state = known.status(moment, "anthropic", "anthropic").state
        if state in ("active", "deprecated") and known.access == "public" and not ({known.id, *known.aliases} & facts.models):
            gaps.append(Gap("model-not-in-sdk", known.id, f"{state} per the catalogue, but no model ID literal of the SDK"))
    for model, when in sorted(facts.deprecated.items()):
        match = catalogue.lookup_model(model, None)
        if match is None:
            gaps.append(Gap("deprecated-model-missing", model, f"in DEPRECATED_MODELS ({when}), unknown to the catalogue"))
            continue
        general = [e for e in match.model.lifecycle if e.surfaces is None]
        if not any(e.event in ("deprecated", "retired") for e in general):
            gaps.append(Gap("model-deprecation-missing", model, f"DEPRECATED_MODELS says end of life {when}; no deprecation event"))
        end = sdk_date(when)
        retired = [e.at.date() for e in general if e.event == "retired"]
        if end is not None and not retired:
            gaps.append(Gap("model-retirement-missing", model, f"DEPRECATED_MODELS says end of life {end}; no retirement event"))
        elif end is not None and end not in retired:
            gaps.append(Gap("model-retirement-differs", model, f"DEPRECATED_MODELS says {end}; the catalogue {retired}"))
    for beta in sorted(facts.betas - set(catalogue.betas)):
        gaps.append(Gap("beta-missing", beta, "a beta name literal of the SDK that the catalogue does not know"))
    for beta in sorted(set(catalogue.betas) - facts.betas):
        gaps.append(Gap("beta-not-in-sdk", beta, "a beta the catalogue knows that the SDK's beta literal no longer lists"))
    for tool in sorted(facts.tool_types - set(catalogue.tool_types)):
        gaps.append(Gap("tool-type-missing", tool, "a tool type of the SDK's tool unions unknown to the catalogue"))
    for section, names in sorted(facts.fields.items()):
        listed = set(catalogue.request_fields.get(section, {}))
        for name in sorted(names - listed):
            gaps.append(Gap("field-missing", f"{section}.{name}", "a request-params field of the SDK the catalogue does not list"))
        for name in sorted(listed - names):
            gaps.append(Gap("field-not-in-sdk", f"{section}.{name}", "a field the catalogue lists that the SDK params do not have"))
    for path in sorted(facts.paths):
        concrete = re.sub(r"\{[^}]+\}", "example_id", path)
        if catalogue.match_endpoint(concrete).endpoint is None:
            gaps.append(Gap("path-unknown", path, "a resource path of the SDK that no catalogue endpoint matches"))
    for surface, paths in sorted(facts.surface_paths.items()):
        for path in sorted(paths):
            endpoint = catalogue.match_endpoint(re.sub(r"\{[^}]+\}", "example_id", path)).endpoint
            if endpoint is not None and endpoint.surfaces is not None and surface not in endpoint.surfaces:
                gaps.append(Gap("path-not-on-surface", f"{surface}:{path}",
                                f"the SDK has a {surface} resource for it; endpoint {endpoint.key} does not list {surface}"))
    for problem in facts.unreadable:
        gaps.append(Gap("sdk-unreadable", problem.split(":", 1)[0], problem))
    return sorted(set(gaps))


_MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"), 1)}
_SDK_DATE = re.compile(r"^\s*([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\s*$")


def sdk_date(text: str) -> date | None:
    """``"June 30th, 2026"`` (the SDK's end-of-life format) as a date, or None."""
    found = _SDK_DATE.match(text)
    if not found or found.group(1).lower() not in _MONTHS:
        return None
    try:
        return date(int(found.group(3)), _MONTHS[found.group(1).lower()], int(found.group(2)))
    except ValueError:
        return None


def load_known(path: str | Path) -> dict[str, str]:
    """The reviewed allow-list: ``{key: reason}`` from a YAML mapping ``known: {key: reason}``."""
    import yaml  # type: ignore[import-untyped,unused-ignore]

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    known = data.get("known") if isinstance(data, dict) else None
    if not isinstance(known, dict):
        raise ValueError(f"{path}: expected a mapping 'known: {{kind:name: reason}}'")
    return {str(k): str(v) for k, v in known.items()}


def split(gaps: Iterable[Gap], known: dict[str, str]) -> tuple[list[Gap], list[Gap], list[str]]:
    """``(new gaps, known gaps still present, allow-list keys no longer found)``."""
    found = list(gaps)
    keys = {g.key for g in found}
    return [g for g in found if g.key not in known], [g for g in found if g.key in known], sorted(set(known) - keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_preflight.sdk_audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--known", metavar="YAML", help="reviewed allow-list; only gaps outside it fail")
    parser.add_argument("--catalogue", action="append", default=[], metavar="PATH", help="extra catalogue file (repeatable)")
    parser.add_argument("--format", choices=("pretty", "json", "known"), default="pretty",
                        help="known: print the gaps as an allow-list to review and commit")
    args = parser.parse_args(argv)
    try:
        facts = read_sdk()
    except ImportError:
        sys.stderr.write("claude-preflight: sdk_audit needs the anthropic package: pip install 'claude-preflight[anthropic]'\n")
        return 2
    from claude_preflight.catalogue import load_catalogue

    gaps = audit(load_catalogue(args.catalogue), facts)
    known = load_known(args.known) if args.known else {}
    new, still, fixed = split(gaps, known)
    if args.format == "json":
        json.dump({"sdk": facts.version, "new": [g.__dict__ for g in new], "known": [g.key for g in still], "fixed": fixed},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "known":
        sys.stdout.write(f"# Gaps between the catalogue and anthropic {facts.version}, reviewed: each stays until fixed.\nknown:\n")
        for gap in gaps:
            sys.stdout.write(f"  {json.dumps(gap.key)}: {json.dumps(known.get(gap.key, gap.detail))}\n")
    else:
        sys.stdout.write(f"anthropic {facts.version}: {len(gaps)} gaps ({len(new)} new, {len(still)} known, {len(fixed)} fixed)\n")
        for gap in new:
            sys.stdout.write(f"  NEW   {gap.key}  {gap.detail}\n")
        for key in fixed:
            sys.stdout.write(f"  FIXED {key}  (remove it from the allow-list)\n")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
