"""The catalogue: models, surfaces, API versions, betas, endpoints and rules.

``load_catalogue()`` reads, validates and compiles it once per process and set
of extra files; later calls return the same object.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from claude_preflight.catalogue.endpoints import Endpoint, EndpointMatch, host_of, match
from claude_preflight.catalogue.loader import Merged, builtin_dir, collect_paths, read_and_merge
from claude_preflight.catalogue.model import ApiVersion, Conflict, Model, Rule, Source, Surface
from claude_preflight.errors import CatalogueError

__all__ = ["Catalogue", "ModelMatch", "load_catalogue", "builtin_dir"]


@dataclass(frozen=True)
class ModelMatch:
    """A model ID as written, resolved to a catalogue model."""

    written: str
    model: Model
    via: str  # "canonical", "alias", or the surface id kind ("bedrock", "vertex")
    profile: str | None = None


class Catalogue:
    """Compiled catalogue with indices for fast lookups."""

    def __init__(self, merged: Merged) -> None:
        from claude_preflight.checks import registry

        s = merged.sections
        self.files = tuple(raw.path for raw in merged.files)
        self.settings: Mapping[str, Any] = dict(merged.settings)
        self.sources = {k: Source(k, v["title"], v["url"], v.get("kind", "primary")) for k, v in s["sources"].items()}
        self.models = {k: Model.build(k, v) for k, v in s["models"].items()}
        self.surfaces = {k: Surface.build(k, v) for k, v in s["surfaces"].items()}
        self.api_versions = {k: ApiVersion.build(k, v) for k, v in s["api_versions"].items()}
        self.betas: Mapping[str, Mapping[str, Any]] = s["betas"]
        self.features: Mapping[str, Mapping[str, Any]] = s["features"]
        self.tool_types: Mapping[str, Mapping[str, Any]] = s["tool_types"]
        self.request_fields: Mapping[str, Mapping[str, Mapping[str, Any]]] = s["request_fields"]
        endpoints = [Endpoint.build(k, v) for k, v in s["endpoints"].items()]
        self.endpoints = tuple(sorted(endpoints, key=lambda e: -e.specificity))
        self.endpoint_by_key = {e.key: e for e in self.endpoints}
        self._endpoint_matches: dict[str, EndpointMatch] = {}
        self._path_prefixes = tuple(sorted({p for s in self.surfaces.values() for p in s.path_prefixes}, key=lambda p: -len(p)))
        self._hosts = tuple((p, s.key) for s in self.surfaces.values() for h in s.hosts if (p := _compile(h)) is not None)
        self._surface_for: dict[tuple[str, str, str], str] = {}
        # Caches of values derived from this catalogue (rule plans, compiled field specs...),
        # kept on the object so they die with it.
        self.derived: dict[Any, Any] = {}
        checks = registry()
        rules = []
        for code, data in sorted(merged.rules.items()):
            raw, where = merged.origin[("rules", code)]
            rule = Rule.build(data, merged.rule_family[code], raw.where(where))
            changes: dict[str, Any] = {"fn": checks.get(rule.check)}
            if "examples" not in data and code in merged.lazy_examples:
                changes["examples"] = merged.lazy_examples[code]  # read from the YAML on first use
            rules.append(rule.__class__(**{**rule.__dict__, **changes}))
        self.rules = tuple(rules)
        self.rule_by_code = {r.code: r for r in self.rules}
        self.rule_by_name = {r.name: r for r in self.rules}
        self._index_models()
        self._check_references(merged)

    # ------------------------------------------------------------------ models

    def _index_models(self) -> None:
        self._ids: dict[str, dict[str, ModelMatch]] = {"first-party": {}, "bedrock": {}, "vertex": {}}
        problems = []
        for model in self.models.values():
            entries = [(model.id, "first-party", "canonical")]
            entries += [(alias, "first-party", "alias") for alias in model.aliases]
            for kind, ids in model.surface_ids.items():
                entries += [(i, kind, kind) for i in ids]
            for written, kind, via in entries:
                index = self._ids.setdefault(kind, {})
                other = index.get(written)
                if other is not None and other.model.id != model.id:
                    problems.append(f"model id {written!r} is claimed by {other.model.id} and {model.id}")
                index[written] = ModelMatch(written, model, via)
        if problems:
            raise CatalogueError(problems)

    def lookup_model(self, written: str, surface: Surface | None) -> ModelMatch | None:
        kind = surface.model_ids if surface is not None else "first-party"
        index = self._ids.get(kind, {})
        found = index.get(written)
        if found is not None or kind != "bedrock":
            return found
        return self._lookup_bedrock(written, surface)

    def _lookup_bedrock(self, written: str, surface: Surface | None) -> ModelMatch | None:
        index = self._ids["bedrock"]
        name = written.rsplit("/", 1)[-1] if written.startswith("arn:") else written
        for prefix in surface.profile_prefixes if surface else ():
            if name.startswith(prefix) and name[len(prefix) :] in index:
                base = index[name[len(prefix) :]]
                return ModelMatch(written, base.model, "bedrock", profile=prefix)
        plain = index.get(name)
        return ModelMatch(written, plain.model, "bedrock") if plain else None

    def lookup_any_surface(self, written: str) -> tuple[str, ModelMatch] | None:
        """Find an ID in the ID form of any surface (to report IDs sent to the wrong surface)."""
        for kind, index in self._ids.items():
            if written in index:
                return kind, index[written]
        for surface in self.surfaces.values():
            if surface.model_ids == "bedrock":
                found = self._lookup_bedrock(written, surface)
                if found:
                    return "bedrock", found
        return None

    def model_ids(self, kind: str = "first-party") -> list[str]:
        return sorted(self._ids.get(kind, {}))

    def suggest_model(self, written: str, kind: str = "first-party") -> str | None:
        import difflib

        close = difflib.get_close_matches(written, self.model_ids(kind), n=1, cutoff=0.75)
        return close[0] if close else None

    # -------------------------------------------------------------- endpoints

    def match_endpoint(self, value: str) -> EndpointMatch:
        """The endpoint a path or URL names (cached: requests mostly use a handful of endpoints)."""
        found = self._endpoint_matches.get(value)
        if found is None:
            found = match(self.endpoints, value, self._path_prefixes)
            if len(self._endpoint_matches) >= 1024:
                self._endpoint_matches.clear()
            self._endpoint_matches[value] = found
        return found

    # --------------------------------------------------------------- surfaces

    def surface_for(self, named: Any, endpoint: Any, found: EndpointMatch) -> str:
        """The surface a request goes to.

        A surface the caller names is the platform; the route then picks its mode (a
        Bedrock InvokeModel path named ``bedrock`` is ``bedrock-invoke``). With none
        named, a URL's host decides (``bedrock-mantle.{region}.api.aws`` is Bedrock), else
        a route only one surface offers, else the catalogue's default surface.
        """
        if named is not None and not isinstance(named, str):
            return repr(named)
        route = found.endpoint.key if found.endpoint is not None else ""
        key = (named or "", endpoint if isinstance(endpoint, str) and "://" in endpoint else "", route)
        cached = self._surface_for.get(key)
        if cached is None:
            cached = self._resolve_surface(key[0], key[1], found)
            if len(self._surface_for) >= 1024:
                self._surface_for.clear()
            self._surface_for[key] = cached
        return cached

    def _resolve_surface(self, named: str, url: str, found: EndpointMatch) -> str:
        if named:
            return self._mode_for(named, found)
        return self._decided_by(url, found) or str(self.settings.get("default_surface", "anthropic"))

    def surface_of_url(self, url: str) -> str | None:
        """The surface a URL or bare path decides by itself (its host, else a route that only
        one surface offers), or ``None`` when it does not; for front ends that see a URL."""
        return self._decided_by(url if "://" in url else "", self.match_endpoint(url))

    def _decided_by(self, url: str, found: EndpointMatch) -> str | None:
        host = host_of(url) if url else None
        if host is not None:
            for pattern, surface in self._hosts:
                if pattern.fullmatch(host):
                    return self._mode_for(surface, found)
        endpoint = found.endpoint
        if endpoint is not None and endpoint.surfaces and len(endpoint.surfaces) == 1:
            return next(iter(endpoint.surfaces))
        return None

    def _mode_for(self, name: str, found: EndpointMatch) -> str:
        """``name``, or the mode of the same platform that offers the route when ``name`` does not."""
        surface = self.surfaces.get(name)
        offered = found.endpoint.surfaces if found.endpoint is not None else None
        if surface is None or offered is None or name in offered:
            return name
        modes = sorted(k for k in offered if k in self.surfaces and self.surfaces[k].platform == surface.platform)
        return modes[0] if modes else name

    # ------------------------------------------------------------------ rules

    def conflicts(self) -> list[tuple[Rule, Conflict]]:
        """Every recorded conflict between sources, with the rule it concerns."""
        return [(rule, conflict) for rule in self.rules for conflict in rule.conflicts]

    def rule(self, code_or_name: str) -> Rule | None:
        return self.rule_by_code.get(code_or_name.upper()) or self.rule_by_name.get(code_or_name.lower())

    # -------------------------------------------------------------- integrity

    def _check_references(self, merged: Merged) -> None:
        problems: list[str] = []

        def where(section: str, key: str) -> str:
            raw, ptr = merged.origin[(section, key)]
            return raw.where(ptr)

        def cite(section: str, key: str, keys: Iterable[str]) -> None:
            for source in keys:
                if source not in self.sources:
                    problems.append(f"{where(section, key)}: unknown source {source!r}")

        for model in self.models.values():
            cite("models", model.id, model.sources)
            for event in model.lifecycle:
                cite("models", model.id, event.sources)
                for surface in event.surfaces or ():
                    if surface not in self.surfaces:
                        problems.append(f"{where('models', model.id)}: unknown surface {surface!r}")
            if model.replacement and model.replacement not in self.models:
                problems.append(f"{where('models', model.id)}: replacement {model.replacement!r} is not a model")
        for entry_surface in self.surfaces.values():
            cite("surfaces", entry_surface.key, entry_surface.sources)
            for entry in entry_surface.betas_rejected.values():
                cite("surfaces", entry_surface.key, entry.get("sources") or ())
            if entry_surface.platform not in self.surfaces:
                problems.append(f"{where('surfaces', entry_surface.key)}: unknown platform {entry_surface.platform!r}")
            for pattern in entry_surface.hosts:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    problems.append(f"{where('surfaces', entry_surface.key)}: host pattern {pattern!r} is not a regular expression ({exc})")
            for feature in entry_surface.lacks | entry_surface.disputed | set(entry_surface.lacks_before):
                if feature not in self.features:
                    problems.append(f"{where('surfaces', entry_surface.key)}: unknown feature {feature!r}")
        for version in self.api_versions.values():
            cite("api_versions", version.key, version.sources)
        for section in ("betas", "features", "endpoints", "tool_types"):
            for key, data in merged.sections[section].items():
                cite(section, key, data.get("sources") or ())
        for key, data in merged.sections["betas"].items():
            for refusal in data.get("refused_for") or ():
                cite("betas", key, refusal.get("sources") or ())
                for model_id in refusal.get("models") or ():
                    if model_id not in self.models:
                        problems.append(f"{where('betas', key)}: refused_for names unknown model {model_id!r}")
                for surface_key in refusal.get("surfaces") or ():
                    if surface_key not in self.surfaces:
                        problems.append(f"{where('betas', key)}: refused_for names unknown surface {surface_key!r}")
        for rule in self.rules:
            cite("rules", rule.code, rule.sources)
            for conflict in rule.conflicts:
                for claim in conflict.claims:
                    cite("rules", rule.code, claim.sources)
            if rule.fn is None:
                problems.append(f"{where('rules', rule.code)}: rule {rule.code} names unknown check {rule.check!r}")
            if rule.name in self.rule_by_name and self.rule_by_name[rule.name].code != rule.code:
                problems.append(f"{where('rules', rule.code)}: rule name {rule.name!r} is used twice")
            for key in (rule.applies.models or {}):
                if not hasattr(next(iter(self.models.values()), None), key) and key != "has_effort":
                    problems.append(f"{where('rules', rule.code)}: unknown model attribute {key!r} in applies")
        default = self.settings.get("default_api_version")
        if default and default not in self.api_versions:
            problems.append(f"settings.default_api_version {default!r} is not a known API version")
        if problems:
            raise CatalogueError(problems)


def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # reported by _check_references


_CACHE: dict[tuple[str | None, ...], Catalogue] = {}
_LOCK = threading.Lock()


def _absolute(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop: the loader reports it
        return str(path.absolute())


def load_catalogue(extra: Iterable[str | Path] = (), *, synced: bool = True) -> Catalogue:
    """The compiled catalogue: shipped files, the overlay written by ``models sync`` (unless
    ``synced=False`` or ``CLAUDE_PREFLIGHT_NO_OVERLAY=1``), then ``extra`` user files or
    directories. The overlay is looked for once per process."""
    if not extra and synced and _DEFAULT:  # the common call, on every validate(): one look-up
        return _DEFAULT[0]
    overlay = _synced_overlay() if synced else None
    key = (overlay, *(_absolute(p) for p in collect_paths(extra)))
    found = _CACHE.get(key)
    if found is not None:
        return found
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = Catalogue(read_and_merge(extra, overlay))
            _CACHE[key] = found
    if not extra and synced and not _DEFAULT:
        _DEFAULT.append(found)
    return found


_OVERLAY: list[str | None] = []
_DEFAULT: list[Catalogue] = []  # the default catalogue (shipped + synced overlay), once loaded


def _synced_overlay() -> str | None:
    if not _OVERLAY:
        from claude_preflight.catalogue.overlay import synced_overlay

        found = synced_overlay()
        _OVERLAY.append(str(found) if found is not None else None)
    return _OVERLAY[0]
