"""Headers and betas: anthropic-version, surface-required headers, anthropic-beta values.

Header findings carry the path ``""`` (headers are not part of the body). Rules about
headers run once per request: inside a Message Batches entry (``ctx.in_batch``) the
headers are the batch's own and are checked on the batch, so these checks stay silent.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from claude_preflight.checks.base import Hit, check, show
from claude_preflight.dates import parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

VERSION_HEADER = "anthropic-version"
BETA_HEADER = "anthropic-beta"
BODY_BETA_FIELDS = ("anthropic_beta", "betas")


def headers_known(ctx: Context) -> bool:
    """Headers were given and belong to this request (not a batch entry's inherited ones)."""
    return ctx.headers is not None and not ctx.in_batch


def headers_final(ctx: Context) -> bool:
    """The headers are the final wire headers (middleware, proxy), so a header the SDK
    supplies by itself (anthropic-version, the AWS workspace ID) may be required of them.
    A fixture or a ``validate(headers=...)`` call is partial: the SDK still adds those."""
    return ctx.headers_complete and headers_known(ctx)


def _version_place(ctx: Context) -> str:
    return ctx.surface.version_in if ctx.surface is not None else "header"


# ------------------------------------------------------------------ anthropic-version


@check
@inspects(headers=True)
def version_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """No anthropic-version header where the surface reads the version from the header."""
    if not headers_final(ctx):
        return
    assert ctx.headers is not None
    if ctx.headers.get(VERSION_HEADER):
        return
    place = _version_place(ctx)
    if place == "body":
        return  # the surface rules check the body's anthropic_version
    if place == "header-or-body" and isinstance(ctx.get("anthropic_version"), str):
        return
    default = str(ctx.catalogue.settings.get("default_api_version", "2023-06-01"))
    alternative = " and the body has no anthropic_version" if place == "header-or-body" else ""
    yield Hit("", {"surface": ctx.surface_name, "alternative": alternative}, fix=f"send {VERSION_HEADER}: {default}")


def _split_version(values: Iterable[str]) -> list[str]:
    parts: list[str] = []
    for value in values:
        parts.extend(p.strip() for p in value.split(","))
    return parts


@check
@inspects(headers=True)
def version_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A header value that is not exactly one known version (unknown, duplicated, joined)."""
    if not headers_known(ctx):
        return
    assert ctx.headers is not None
    values = ctx.headers.get(VERSION_HEADER, ())
    if not values:
        return
    known = ctx.catalogue.api_versions
    written = ", ".join(values)
    if len(values) == 1 and values[0].strip() in known:
        return
    parts = _split_version(values)
    if len(parts) > 1:
        reason = "the header is sent more than once (or several values are joined); send it once"
        good = next((p for p in parts if p in known), None)
        fix = f"send {VERSION_HEADER}: {good} once" if good else None
    else:
        close = difflib.get_close_matches(parts[0] if parts else "", sorted(known), n=1, cutoff=0.6)
        reason = f"known versions: {', '.join(sorted(known))}"
        fix = f"send {VERSION_HEADER}: {close[0]}" if close else None
    yield Hit("", {"value": show(written), "reason": reason}, fix=fix)


@check
@inspects(headers=True)
def version_not_on_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A known header version that the catalogue does not list for the surface."""
    if not headers_known(ctx) or ctx.surface is None or _version_place(ctx) == "body":
        return
    assert ctx.headers is not None
    values = ctx.headers.get(VERSION_HEADER, ())
    if len(values) != 1:
        return
    version = ctx.catalogue.api_versions.get(values[0].strip())
    if version is None or version.surfaces is None or ctx.surface_name in version.surfaces:
        return
    offered = sorted(v.key for v in ctx.catalogue.api_versions.values() if v.surfaces is None or ctx.surface_name in v.surfaces)
    yield Hit("", {"version": version.key, "surface": ctx.surface_name, "offered": ", ".join(offered) or "none"})


# ------------------------------------------------------------------ surface headers


@check
@inspects(headers=True)
def surface_header_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Headers the surface requires (other than anthropic-version, which has its own rule)."""
    if not headers_final(ctx) or ctx.surface is None:
        return
    assert ctx.headers is not None
    skip = set(params.get("skip") or ())
    for name in ctx.surface.required_headers:
        key = name.lower()
        if key in skip or any(v.strip() for v in ctx.headers.get(key, ())):
            continue
        hint = (params.get("hints") or {}).get(key, "")
        yield Hit("", {"header": name, "surface": ctx.surface_name, "hint": hint}, fix=f"send {name}")


# ------------------------------------------------------------------ anthropic-beta values


def beta_occurrences(ctx: Context) -> Iterator[tuple[str, str, str]]:
    """``(name, where, path)`` for each beta value written in the headers or the body."""
    if headers_known(ctx):
        assert ctx.headers is not None
        for value in ctx.headers.get(BETA_HEADER, ()):
            for part in value.split(","):
                name = part.strip()
                if name:
                    yield name, "the anthropic-beta header", ""
    body = ctx.body
    if isinstance(body, dict):
        for key in BODY_BETA_FIELDS:
            listed = body.get(key)
            if not isinstance(listed, list):
                continue
            for index, item in enumerate(listed):
                if isinstance(item, str) and item.strip():
                    yield item.strip(), key, pointer.join("", key, index)


def _unique(ctx: Context) -> Iterator[tuple[str, str, str]]:
    seen: set[str] = set()
    for name, where, path in beta_occurrences(ctx):
        if name not in seen:
            seen.add(name)
            yield name, where, path


def _status(ctx: Context, name: str) -> Mapping[str, Any] | None:
    entry = ctx.catalogue.betas.get(name)
    return entry if isinstance(entry, Mapping) else None


@check
@inspects(fields=BODY_BETA_FIELDS, headers=True)
def beta_unknown(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for name, where, path in _unique(ctx):
        if _status(ctx, name) is not None or _surface_rejects(ctx, name) is not None:
            continue  # known, or refused by this surface (HD006)
        close = difflib.get_close_matches(name, sorted(ctx.catalogue.betas), n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        verified = ctx.catalogue.settings.get("sdk_verified", "")
        if verified:
            hint += f" (the catalogue's beta list is of {verified}; a newer beta is not flagged as an error)"
        fix = f"use {close[0]!r}" if close else "remove the value, or check the beta's documentation"
        yield Hit(path, {"beta": show(name), "where": where, "hint": hint}, fix=fix)


@check
@inspects(fields=BODY_BETA_FIELDS, headers=True)
def beta_rejected(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Betas the API refuses everywhere (status invalid), this surface refuses (betas_rejected),
    or this surface refuses with this model (betas[*].refused_for, from the date seen)."""
    for name, where, path in _unique(ctx):
        on_surface = _surface_rejects(ctx, name)
        if on_surface is not None:
            seen = str(on_surface.get("seen", ""))
            detail = f"on {ctx.surface_name}, which answers 400 for it (seen {seen[:10]})"
            yield Hit(path, {"beta": name, "where": where, "detail": detail}, fix=f"remove {name!r} when sending to {ctx.surface_name}")
            continue
        for_model = _model_refuses(ctx, name)
        if for_model is not None:
            assert ctx.model is not None
            seen = str(for_model.get("seen", ""))
            detail = f"on {ctx.surface_name} for {ctx.model.id}, which answers 400 for it (seen {seen[:10]})"
            yield Hit(path, {"beta": name, "where": where, "detail": detail}, fix=f"remove {name!r} for {ctx.model.id}")
            continue
        entry = _status(ctx, name)
        if entry is None or entry.get("status") != "invalid":
            continue
        detail = f"by the API; it enabled: {entry.get('enables', '')}"
        yield Hit(path, {"beta": name, "where": where, "detail": detail}, fix=f"remove {name!r}")


def _surface_rejects(ctx: Context, name: str) -> Mapping[str, Any] | None:
    """The surface's record of refusing ``name`` (None when it is not known to)."""
    surface = ctx.surface
    if surface is None or not surface.betas_rejected:
        return None
    return surface.betas_rejected.get(name)


def _model_refuses(ctx: Context, name: str) -> Mapping[str, Any] | None:
    """The beta's record of being refused on this surface with this model (from its seen date)."""
    entry, model = _status(ctx, name), ctx.model
    if entry is None or model is None:
        return None
    for refusal in entry.get("refused_for") or ():
        if model.id in refusal["models"] and ctx.surface_name in refusal["surfaces"]:
            seen = _moment(refusal["seen"])
            if seen is not None and ctx.as_of >= seen:
                return refusal  # type: ignore[no-any-return]
    return None


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_moment(str(value), what="beta date")
    except (TypeError, ValueError):
        return None


@check
@inspects(fields=BODY_BETA_FIELDS, headers=True)
def beta_unnecessary(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """GA (since ga_since, when known) or obsolete betas: harmless but unnecessary."""
    texts: Mapping[str, str] = params.get("texts") or {}
    for name, where, path in _unique(ctx):
        entry = _status(ctx, name)
        if entry is None or _surface_rejects(ctx, name) is not None or _model_refuses(ctx, name) is not None:
            continue  # refused on this surface: HD006 says so
        status = entry.get("status")
        if not isinstance(status, str) or status not in texts:
            continue
        since = _moment(entry.get("ga_since"))
        if status == "ga" and since is not None and ctx.as_of < since:
            continue
        successor = entry.get("superseded_by")
        extra = f"; its successor is {successor}" if successor else ""
        yield Hit(path, {"beta": name, "where": where, "status": texts[status], "extra": extra}, fix=f"remove {name!r}")


@check
@inspects(fields=BODY_BETA_FIELDS, headers=True)
def beta_restricted(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for name, where, path in _unique(ctx):
        entry = _status(ctx, name)
        if entry is not None and entry.get("status") == "restricted":
            yield Hit(path, {"beta": name, "where": where})


# ------------------------------------------------------------------ features needing a beta


def _walk(value: Any, steps: list[str], base: str) -> Iterator[tuple[str, Any]]:
    """Values at ``steps`` below ``value`` ("*" = every list item); bounded by len(steps)."""
    frontier: list[tuple[str, Any]] = [(base, value)]
    for step in steps:
        following: list[tuple[str, Any]] = []
        for path, current in frontier:
            if step == "*":
                if isinstance(current, list):
                    following.extend((pointer.join(path, i), item) for i, item in enumerate(current))
            elif isinstance(current, dict) and step in current:
                following.append((pointer.join(path, step), current[step]))
        frontier = following
    return iter(frontier)


def _matches(value: Any, detector: Mapping[str, Any]) -> bool:
    if value is None:
        return False
    if "equals" in detector:
        return bool(value == detector["equals"])
    if "prefix" in detector:
        return isinstance(value, str) and value.startswith(detector["prefix"])
    return True


def _first_use(ctx: Context, detector: Mapping[str, Any]) -> str | None:
    steps = detector.get("path")
    if steps:
        if str(steps[0]) not in ctx.body_keys:
            return None  # the cheap common case: the top-level field is absent
        for path, value in _walk(ctx.body, [str(s) for s in steps], ""):
            if _matches(value, detector):
                return path
        return None
    block_types = detector.get("block_types")
    return ctx.first_block_path(block_types) if block_types else None


def feature_detectors(catalogue: Any) -> list[Mapping[str, Any]]:
    """One detector per use that needs a beta, from ``features[*].beta`` (built once per
    catalogue): ``{name, betas, until?, until_on?, path? + equals?/prefix?, block_types?}``."""
    found = catalogue.derived.get("headers.feature_detectors")
    if found is None:
        found = []
        for feature in catalogue.features.values():
            beta = feature.get("beta") if isinstance(feature, Mapping) else None
            if not isinstance(beta, Mapping):
                continue
            common = {"name": beta.get("label", ""), "betas": list(beta.get("names") or ()), "until": beta.get("until"),
                      "until_on": dict(beta.get("until_on") or {})}
            detect = beta.get("detect") or {}
            for clause in detect.get("paths") or ():
                found.append({**common, **clause})
            if detect.get("block_types"):
                found.append({**common, "block_types": list(detect["block_types"])})
        catalogue.derived["headers.feature_detectors"] = found
    return found  # type: ignore[no-any-return]


@check
def feature_beta(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Nested fields and block types that need a beta header (top-level fields: SH007).
    The detectors are the features' ``beta`` entries, plus any a user file adds in params."""
    if not isinstance(ctx.body, dict):
        return
    for detector in [*feature_detectors(ctx.catalogue), *(params.get("detectors") or ())]:
        path = _first_use(ctx, detector)
        if path is None:
            continue
        betas = list(detector.get("betas") or ())
        if not betas or ctx.has_beta(*betas):
            continue
        until = _moment((detector.get("until_on") or {}).get(ctx.surface_name) or detector.get("until"))
        if until is not None and ctx.as_of >= until:
            continue  # generally available since (or not refused after) this date
        args = {"feature": detector.get("name", path), "betas": ", ".join(betas)}
        fix = f"send anthropic-beta: {betas[-1]}"
        if ctx.headers is None:
            args["known"] = "; the headers are not known here, so make sure the request carries it"
            yield Hit(path, args, fix=fix, severity="warning")
        else:
            args["known"] = ""
            yield Hit(path, args, fix=fix)
