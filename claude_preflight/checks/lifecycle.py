"""Model lifecycle: unknown, retired, deprecated, disabled, not yet launched, aliases."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.catalogue.model import LifecycleEvent, Model
from claude_preflight.checks._model_ids import Grade, ModelIdGrammar
from claude_preflight.checks.base import Edit, Hit, check, show

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

_DATED = re.compile(r"^(?P<base>.+)[-@](?P<date>20\d{6})$")  # - on the Claude API, @ in Vertex IDs


def when(event: LifecycleEvent) -> str:
    """A lifecycle moment as users should read it."""
    if event.date_only:
        return event.at.date().isoformat()
    return event.at.strftime("%Y-%m-%d %H:%M UTC")


def _authority(ctx: Context) -> str:
    return ctx.surface.lifecycle_authority if ctx.surface is not None else "anthropic"


def _replacement(ctx: Context, model: Model) -> tuple[str, str | None]:
    """Message text and fix hint naming the replacement that is live on the request date."""
    target = _live_replacement(ctx, model)
    if target is None:
        return "", None
    return f"; use {target.id} instead", f"replace the model with {target.id!r}"


def _model_args(ctx: Context) -> dict[str, Any]:
    match = ctx.match
    assert match is not None
    name = show(ctx.model_written)
    if match.written != match.model.id:
        name = f"{name} ({match.model.id})"
    return {"model": name, "model_id": match.model.id, "surface": ctx.surface_name}


@check
def state(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Fire when the model is in ``params.state`` on the request date and surface."""
    match = ctx.match
    if match is None:
        return
    model = match.model
    status = ctx.memo("lifecycle.status", lambda c: model.status(c.as_of, c.surface_name, _authority(c)))
    wanted = params["state"]
    if wanted == "deprecated":
        if status.state not in ("active", "deprecated") or status.retires is None:
            return
    elif status.state != wanted:
        return
    args = _model_args(ctx)
    severity = None
    if not status.authoritative:
        # Anthropic's date; this surface sets its own schedule.
        args["surface_note"] = f" on the Claude API ({ctx.surface_name} sets its own schedule)"
        severity = "warning"
    else:
        args["surface_note"] = ""
    if wanted == "deprecated":
        retires = status.retires
        assert retires is not None
        args["replacement"], hint = _replacement(ctx, model)
        days = (retires.at.date() - ctx.as_of.date()).days
        args.update(date=when(retires), days=days, since=when(status.since) if status.since else "")
        yield Hit(ctx.model_path, args, fix=hint, severity=severity, edits=_replacement_edits(ctx, wanted))
        return
    args["replacement"], hint = _replacement(ctx, model)
    if wanted == "unreleased":
        assert status.launches is not None
        args["date"] = when(status.launches)
    else:
        assert status.since is not None
        args["date"] = when(status.since)
        args["note"] = f" ({status.since.note})" if status.since.note else ""
    yield Hit(ctx.model_path, args, fix=hint, severity=severity, edits=_replacement_edits(ctx, wanted))


# ------------------------------------------------------------------ machine edits


def _surface_form(ctx: Context, model: Model) -> str | None:
    """``model``'s ID in the form the request's surface uses (keeping a Bedrock profile prefix),
    or None when there is no such ID; the result always resolves back to ``model``."""
    match = ctx.match
    kind = ctx.surface.model_ids if ctx.surface is not None else "first-party"
    written = ctx.model_written
    if not isinstance(written, str) or written.startswith("arn:"):
        return None  # an ARN names an account-specific resource we cannot rewrite
    if kind == "first-party":
        candidate: str | None = model.id
    else:
        ids = model.surface_ids.get(kind) or ()
        candidate = ids[0] if ids else None
        if candidate is not None and match is not None and match.profile:
            candidate = match.profile + candidate
    if candidate is None:
        return None
    found = ctx.catalogue.lookup_model(candidate, ctx.surface)
    return candidate if found is not None and found.model.id == model.id else None


def _live_replacement(ctx: Context, model: Model) -> Model | None:
    """Follow the replacement chain to the first model that is active on the request date
    (else the first that is at least callable, i.e. deprecated); bounded, cycle-safe."""
    seen = {model.id}
    fallback: Model | None = None
    current = model
    for _ in range(len(ctx.catalogue.models)):
        following = ctx.catalogue.models.get(current.replacement) if current.replacement else None
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        state = following.status(ctx.as_of, ctx.surface_name, _authority(ctx)).state
        if state == "active":
            return following
        if state == "deprecated" and fallback is None:
            fallback = following
        current = following
    return fallback


def _replacement_edits(ctx: Context, wanted: str) -> tuple[Edit, ...]:
    """Replace the model with its live replacement (retired, deprecated, disabled models)."""
    if wanted not in ("retired", "deprecated", "disabled") or ctx.match is None or ctx.model_path != "/model":
        return ()
    target = _live_replacement(ctx, ctx.match.model)
    value = _surface_form(ctx, target) if target is not None else None
    return (Edit("replace", "/model", value),) if value is not None else ()


@check
def restricted(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if ctx.match is not None and ctx.match.model.access == "restricted":
        yield Hit(ctx.model_path, _model_args(ctx))


@check
def alias(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An alias resolves to a model snapshot; say which."""
    match = ctx.match
    if match is None or match.via != "alias":
        return
    yield Hit(ctx.model_path, {"model": show(match.written), "model_id": match.model.id}, fix=f"pin {match.model.id!r}")


def _claude_code_aliases(ctx: Context) -> Mapping[str, str]:
    return ctx.catalogue.settings.get("claude_code_aliases") or {}


def _is_special(ctx: Context, written: str) -> bool:
    return written in _claude_code_aliases(ctx) or _dated_base(ctx, written) is not None


def _dated_base(ctx: Context, written: str) -> Model | None:
    found = _DATED.match(written)
    if not found:
        return None
    base = ctx.catalogue.lookup_model(found.group("base"), ctx.surface)
    if base is None or base.model.dated:
        return None
    return base.model


def _grammar_settings(ctx: Context) -> Mapping[str, Any]:
    found = ctx.catalogue.settings.get("model_id_grammar")
    return found if isinstance(found, Mapping) else {}


def _grammar(ctx: Context) -> ModelIdGrammar:
    derived = ctx.catalogue.derived
    found = derived.get("lifecycle.model_id_grammar")
    if found is None:
        families = tuple(_grammar_settings(ctx).get("families") or ())
        found = derived["lifecycle.model_id_grammar"] = ModelIdGrammar(ctx.catalogue.models, families)
    assert isinstance(found, ModelIdGrammar)
    return found


def _grade(ctx: Context, written: str) -> Grade | None:
    """How certain it is that an unknown ID cannot exist (first-party IDs, model field only)."""
    kind = ctx.surface.model_ids if ctx.surface is not None else "first-party"
    if kind == "bedrock":
        return _grade_bedrock(ctx, written)
    if kind != "first-party" or ctx.surface_name in (_grammar_settings(ctx).get("lenient_surfaces") or ()):
        return None  # a Foundry model field may name a deployment
    return _grammar(ctx).grade(written)


_BEDROCK_REVISION = re.compile(r"-v\d+(?::\d+)?$")


def _grade_bedrock(ctx: Context, written: str) -> Grade | None:
    """A Bedrock ID of a known model in a revision Bedrock never published
    (``anthropic.claude-opus-4-6-v1:0`` for ``anthropic.claude-opus-4-6-v1``)."""
    surface = ctx.surface
    if surface is None or written.startswith("arn:"):
        return None  # an ARN names an account's own resource
    prefix = next((p for p in surface.profile_prefixes if written.startswith(p)), "")
    bare = written[len(prefix) :]
    if not bare.startswith("anthropic.claude-"):
        return None
    base = ctx.catalogue.lookup_model(_BEDROCK_REVISION.sub("", bare[len("anthropic.") :]), None)
    ids = base.model.surface_ids.get("bedrock") if base is not None else None
    if base is None or not ids:
        return None  # the catalogue may lack the model's Bedrock ID: stay a warning
    return Grade("impossible", f"{base.model.display_name} is {ids[0]} on Bedrock", prefix + ids[0])


def _unknown_id(ctx: Context) -> str | None:
    """The written model ID when it is unknown and no more precise rule reports it."""
    written = ctx.model_written
    if not isinstance(written, str) or ctx.match is not None or not written:
        return None
    if _is_special(ctx, written) or ctx.catalogue.lookup_any_surface(written) is not None:
        return None  # reported by more precise rules
    return written


@check
def unknown(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A model ID the catalogue does not know (in this surface's ID form) that may exist."""
    written = _unknown_id(ctx)
    if written is None:
        return
    grade = _grade(ctx, written)
    if grade is not None and grade.certainty == "impossible":
        return  # LC010
    kind = ctx.surface.model_ids if ctx.surface is not None else "first-party"
    suggestion = ctx.catalogue.suggest_model(written, kind)
    text = f"; did you mean {suggestion!r}?" if suggestion else ""
    if grade is not None:
        verified = _grammar_settings(ctx).get("models_verified", "")
        text = f" ({grade.reason}; it may be newer than the catalogue's model list of {verified})"
        suggestion = None
    yield Hit(ctx.model_path, {"model": show(written), "suggestion": text}, fix=f"use {suggestion!r}" if suggestion else None)


@check
def impossible_id(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An unknown model ID that cannot exist: a display name, a date its model never had, ..."""
    written = _unknown_id(ctx)
    if written is None:
        return
    grade = _grade(ctx, written)
    if grade is None or grade.certainty != "impossible":
        return
    suggestion = grade.suggestion or ctx.catalogue.suggest_model(written)
    args = {"model": show(written), "reason": grade.reason, "suggestion": f"; did you mean {suggestion!r}?" if suggestion else ""}
    yield Hit(ctx.model_path, args, fix=f"use {suggestion!r}" if suggestion else None)


@check
def claude_code_alias(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    written = ctx.model_written
    aliases = _claude_code_aliases(ctx)
    if isinstance(written, str) and written in aliases:
        target = aliases[written]
        model = ctx.catalogue.models.get(target)
        value = _surface_form(ctx, model) if model is not None and ctx.model_path == "/model" else None
        edits = (Edit("replace", "/model", value),) if value is not None else ()
        yield Hit(ctx.model_path, {"model": show(written), "target": target}, fix=f"use the full model ID, e.g. {target!r}", edits=edits)


@check
def dated_variant(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A date appended to a model whose IDs carry no date (e.g. ``claude-opus-4-6-20260205``)."""
    written = ctx.model_written
    if not isinstance(written, str) or ctx.match is not None:
        return
    base = _dated_base(ctx, written)
    if base is not None:
        found = _DATED.match(written)
        # the written base (in the surface's ID form) is what resolved to the dateless model
        edits = (Edit("replace", "/model", found.group("base")),) if found and ctx.model_path == "/model" else ()
        yield Hit(ctx.model_path, {"model": show(written), "model_id": base.id}, fix=f"use {base.id!r}", edits=edits)
