"""Surfaces and endpoints: unknown names, model IDs in another surface's form."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks.base import Edit, Hit, check, show

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context


@check
def unknown_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.surface is not None:
        return
    known = sorted(ctx.catalogue.surfaces)
    close = difflib.get_close_matches(ctx.surface_name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    yield Hit("", {"surface": show(ctx.surface_name), "hint": hint})


@check
def unknown_endpoint(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    found = ctx.endpoint
    if found is None or found.endpoint is not None:
        return
    typo = _typo_of(ctx, found.path, params)
    if typo is not None:
        yield Hit("", {"endpoint": show(found.path), "hint": f"; did you mean {typo!r}?"}, fix=f"use {typo!r}")
        return
    # Unknown is not wrong: the route may be newer than the catalogue.
    paths = sorted({e.path for e in ctx.catalogue.endpoints})
    close = difflib.get_close_matches(found.path, paths, n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    verified = ctx.catalogue.settings.get("sdk_verified", "")
    hint += f" (not in the catalogue's endpoint list of {verified}; it may be newer)" if verified else ""
    yield Hit("", {"endpoint": show(found.path), "hint": hint}, severity="warning")


_PLACEHOLDER = re.compile(r"\{[a-z_]+(?:\.\.\.)?\}")


def _typo_of(ctx: Context, path: str, params: Mapping[str, Any]) -> str | None:
    """The known route ``path`` misspells: as many segments, exactly one fixed segment
    different, and that one nearly the same word or the rest of a long route identical
    (``/publishers/google/`` in a Vertex route). A new sub-resource is not a typo."""
    ratio = float(params.get("typo_ratio", 0.8))
    long_route = int(params.get("long_route", 4))
    written = path.strip("/").split("/")
    for endpoint in ctx.catalogue.endpoints:
        template = endpoint.path.strip("/").split("/")
        if len(template) != len(written) or "..." in endpoint.path:
            continue
        differing: list[tuple[str, str]] = []
        same = 0
        for want, got in zip(template, written):
            pattern = "^" + _PLACEHOLDER.sub("[^/]+", re.escape(want).replace("\\{", "{").replace("\\}", "}")) + "$"
            if re.match(pattern, got):
                same += 0 if _PLACEHOLDER.fullmatch(want) else 1
            else:
                differing.append((want, got))
        if len(differing) != 1:
            continue
        want, got = differing[0]
        if _PLACEHOLDER.search(want):
            want = _PLACEHOLDER.sub("", want)
        if same >= long_route or difflib.SequenceMatcher(None, want, got).ratio() >= ratio:
            return endpoint.path
    return None


@check
def endpoint_surface(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The endpoint exists, but not on the request's surface."""
    found = ctx.endpoint
    if found is None or found.endpoint is None or ctx.surface is None:
        return
    surfaces = found.endpoint.surfaces
    if surfaces is not None and ctx.surface_name not in surfaces:
        yield Hit("", {"endpoint": show(found.path), "surface": ctx.surface_name, "offered": ", ".join(sorted(surfaces))})


@check
def model_wrong_surface_form(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A model ID written in another surface's form (e.g. a Bedrock ID sent to the Claude API)."""
    written = ctx.model_written
    if not isinstance(written, str) or ctx.match is not None:
        return
    found = ctx.catalogue.lookup_any_surface(written)
    if found is None:
        return
    kind, match = found
    own_kind = ctx.surface.model_ids if ctx.surface is not None else "first-party"
    if kind == own_kind:
        return
    ids = _ids_for(ctx, match.model, own_kind)
    expected = f"; on {ctx.surface_name} use {ids[0]!r}" if ids else f"; {match.model.id} has no known ID on {ctx.surface_name}"
    if ids and own_kind == "bedrock" and ctx.surface is not None and ctx.surface.profile_prefixes:
        expected += f" (on demand usually behind an inference profile, e.g. {ctx.surface.profile_prefixes[0] + ids[0]!r})"
    args = {"model": show(written), "form": kind, "surface": ctx.surface_name, "expected": expected}
    edits = (Edit("replace", ctx.model_path, ids[0]),) if ids and ctx.model_path and own_kind != "bedrock" else ()
    yield Hit(ctx.model_path, args, fix=f"use {ids[0]!r}" if ids else None, edits=edits)


def _ids_for(ctx: Context, model: Any, kind: str) -> list[str]:
    if kind == "first-party":
        return [model.id]
    return list(model.surface_ids.get(kind, ()))


@check
def count_tokens_profile(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Bedrock CountTokens named with an inference profile: it counts for foundation models only."""
    match = ctx.match
    if match is None or match.profile is None or ctx.body_kind not in (params.get("bodies") or ()):
        return
    ids = _ids_for(ctx, match.model, "bedrock")
    expected = f"; use {ids[0]!r}" if ids else ""
    yield Hit(ctx.model_path, {"model": show(match.written), "profile": show(match.profile), "expected": expected},
              fix=f"use {ids[0]!r}" if ids else None)


@check
def text_completion_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A model the Text Completions API does not serve (everything after Claude 2.x and Instant)."""
    model = ctx.model
    if model is None or model.id in params["models"]:
        return
    yield Hit(ctx.model_path, {"model": show(ctx.model_written)}, fix="send the request to the Messages API (/v1/messages)")
