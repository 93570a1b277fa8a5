"""Turn the arguments of ``validate()`` into a :class:`Context` (never raises on request data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from claude_preflight.catalogue import Catalogue
from claude_preflight.engine.context import BODY_VERSION_SEMANTICS, Context
from claude_preflight.engine.scan import BODY_PROBLEMS, REQUEST_TEXTS, guard
from claude_preflight.redact import PREFIX as SECRET_PREFIX

DEFAULT_ENDPOINT = "/v1/messages"
"""``Context.extra`` key: ``(what, text)`` of the request's own texts outside the body and
headers (endpoint, surface) that hold the credential prefix; absent when none does."""
"""``Context.extra`` key: ``(JSON Pointer, message)`` of what made the body unsendable as given."""


def text_of(value: Any) -> str:
    """``str(value)`` for any value, never raising (a hostile ``__str__`` gives the type name)."""
    if type(value) is str:
        return value
    try:
        return str.__add__(str(value), "")
    except Exception:
        try:
            return f"<{type(value).__name__}>"
        except Exception:  # pragma: no cover
            return "<object>"


def normalise_headers(headers: Any) -> dict[str, tuple[str, ...]] | None:
    """Lower-cased header names to their values; ``None`` when headers are unknown.

    Accepts a mapping (values may be strings or lists) or a list of pairs. Values
    that are not strings are kept as their ``str()`` so that checks can report them.
    """
    if headers is None:
        return None
    pairs: list[tuple[Any, Any]]
    try:
        if isinstance(headers, dict):
            pairs = list(dict.items(headers))
        elif isinstance(headers, Mapping):
            pairs = list(headers.items())
        elif isinstance(headers, (list, tuple)):
            pairs = [tuple(p) for p in headers if isinstance(p, (list, tuple)) and len(p) == 2]
        else:
            return {}
    except Exception:  # a foreign mapping that cannot be read: headers unknown, not a crash
        return None
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        found.setdefault(text_of(name).strip().lower(), []).extend(text_of(v) for v in values)
    return {k: tuple(v) for k, v in found.items()}


_NO_BETAS: frozenset[str] = frozenset()


def beta_names(headers: Mapping[str, tuple[str, ...]] | None, body: Any) -> frozenset[str]:
    if not headers and (not isinstance(body, dict) or ("anthropic_beta" not in body and "betas" not in body)):
        return _NO_BETAS
    names: set[str] = set()
    for value in (headers or {}).get("anthropic-beta", ()):
        names.update(part.strip() for part in value.split(",") if part.strip())
    if isinstance(body, dict):
        for key in ("anthropic_beta", "betas"):
            listed = body.get(key)
            if isinstance(listed, list):
                names.update(v.strip() for v in listed if isinstance(v, str))
    return frozenset(names)


def build_context(
    catalogue: Catalogue,
    body: Any,
    *,
    endpoint: Any,
    headers: Any,
    surface: Any,
    as_of: datetime,
    api_version: str | None,
    default_api_version: str | None = None,
    in_batch: bool = False,
    counted: bool = False,
    headers_complete: bool = False,
) -> Context:
    endpoint_text = endpoint if isinstance(endpoint, str) and endpoint.strip() else DEFAULT_ENDPOINT
    if endpoint_text in catalogue.endpoint_by_key:
        endpoint_text = catalogue.endpoint_by_key[endpoint_text].path
    found = catalogue.match_endpoint(endpoint_text)  # cached per text
    body_kind = found.endpoint.body if found.endpoint is not None else "unknown"

    body, body_scan, problems = guard(body, SECRET_PREFIX)
    if surface is None or isinstance(surface, str):
        surface_name = catalogue.surface_for(surface or None, endpoint, found)
    else:
        surface_name = _surface_name(catalogue, surface, found)
    surface_obj = catalogue.surfaces.get(surface_name)
    normal = normalise_headers(headers)
    version, origin = _api_version(catalogue, normal, body, api_version, default_api_version)

    model_written: Any = None
    model_path = "/model"
    if isinstance(body, dict) and "model" in body:
        model_written = body["model"]
    elif "model" in found.params:
        model_written, model_path = found.params["model"], ""
    match = None
    if isinstance(model_written, str):
        match = catalogue.lookup_model(model_written, surface_obj)
    if body_kind == "messages" and match is not None and surface_obj is not None and match.model.id in surface_obj.text_completion_models \
            and isinstance(body, dict) and "prompt" in body and "messages" not in body:
        body_kind = "text_completion"  # Bedrock InvokeModel's Claude 2.x/Instant body: not a Messages one
    elif match is None and surface_obj is not None and surface_obj.foreign_model_prefixes and isinstance(model_written, str) \
            and _foreign(model_written, surface_obj):
        body_kind = "foreign"  # another provider's model on Bedrock (Titan, Cohere, Llama, ...): not a Claude request
    ctx = Context(
        catalogue=catalogue,
        body=body,
        body_kind=body_kind,
        endpoint=found,
        surface_name=surface_name,
        surface=surface_obj,
        headers=normal,
        api_version=version,
        api_version_origin=origin,
        betas=beta_names(normal, body),
        as_of=as_of,
        model_written=model_written,
        model_path=model_path,
        match=match,
        in_batch=in_batch,
        counted=counted,
        headers_complete=headers_complete,
    )
    ctx.__dict__["body_scan"] = body_scan  # the cached view, computed here once with the guard
    if problems:
        ctx.extra[BODY_PROBLEMS] = problems
    texts = [(what, text) for what, text in (("endpoint", endpoint), ("surface", surface))
             if type(text) is str and SECRET_PREFIX in text]
    if texts:
        ctx.extra[REQUEST_TEXTS] = texts
    return ctx


def _surface_name(catalogue: Catalogue, surface: Any, found: Any) -> str:
    if isinstance(surface, str) and surface:
        return surface
    if surface is not None:
        try:
            shown: str = str.__add__(repr(surface), "")
            return shown
        except Exception:
            return text_of(surface)
    endpoint = found.endpoint
    if endpoint is not None and endpoint.surfaces and len(endpoint.surfaces) == 1:
        return str(next(iter(endpoint.surfaces)))
    return str(catalogue.settings.get("default_surface", "anthropic"))


def _api_version(
    catalogue: Catalogue,
    headers: Mapping[str, tuple[str, ...]] | None,
    body: Any,
    explicit: str | None,
    default: str | None,
) -> tuple[str, str]:
    if headers is not None:
        values = headers.get("anthropic-version", ())
        if len(values) == 1 and values[0].strip() in catalogue.api_versions:
            return values[0].strip(), "header"
    if isinstance(body, dict) and isinstance(body.get("anthropic_version"), str):
        value = body["anthropic_version"].strip()
        value = BODY_VERSION_SEMANTICS.get(value, value)
        if value in catalogue.api_versions:
            return value, "body"
    if explicit:
        return explicit, "argument"
    if default:
        return default, "config"
    return str(catalogue.settings.get("default_api_version", "2023-06-01")), "default"


def _foreign(model: str, surface: Any) -> bool:
    """A model ID of another provider, after an optional inference-profile prefix (us., global., ...)."""
    for profile in ("", *surface.profile_prefixes):
        if model.startswith(profile) and model[len(profile):].startswith(surface.foreign_model_prefixes):
            return True
    return False
