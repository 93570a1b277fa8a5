"""A one-pass acceptor: prove what the full engine would report on a common request, or hand over.

For the most common shape of request - a plain Messages body (``model``, ``max_tokens``,
``messages`` of ``user``/``assistant`` turns whose content is a string or a list of
``{"type": "text", "text": ...}`` blocks, ``system`` as a string or text blocks, and
optionally ``stream``, ``temperature``, ``top_p``, ``top_k``, ``stop_sequences``, an opaque
``metadata.user_id``), without headers, :func:`accept` walks the body once and returns the
:class:`Report` the full engine would return - empty, or with findings that depend only on
the plan (a model alias, a deprecation) - or ``None``: run the full engine.

Why the answer is the engine's (``docs/performance.md`` lists the conditions):

* **Only verified checks.** Every check that the selected rules of the request's plan could
  call on a body of this shape (the ``@inspects`` index, resolved against each rule's
  params) must be in :data:`VERIFIED`: checks read one by one, which on this shape depend
  only on the *signature* below, on monotone length bounds, and on date thresholds. A user
  catalogue that adds a rule, or a new check, turns the fast path off for the plans it
  touches.
* **The signature.** The walk reduces the body to the plan key (catalogue, endpoint,
  surface, API version, batch item or not, model, UTC day of ``as_of``) plus everything
  else exactly - key order, every number and boolean, the role sequence and content layout - except the text
  of strings, of which it keeps only the class the verified checks read (empty,
  whitespace-only, leading/trailing whitespace; for ``metadata.user_id``: opaque, neither
  e-mail nor phone number). The first request of a signature runs
  the full engine (at ``as_of`` and at both ends of its UTC day, so a dated threshold
  inside the day cannot be missed); when all three runs are silent, or give the same
  findings all from :data:`PLAN_LEVEL` checks (whose findings depend on the plan key and
  the day only), the signature is answered with that result from then on.
* **Length bounds.** The rules that read lengths (request size LM001, context window
  LM002, caching hint CA006, user ID length) are monotone in them; the acceptor refuses a body whose
  string lengths could reach their thresholds, computed once per plan from the rules'
  own params.
* **Refusals.** Anything else hands over: unknown keys or block types, non-exact types
  (subclasses, ``bool`` for a number), headers, the credential prefix or a UTF-16
  surrogate in any string, unverified checks, an endpoint other than Messages.

``CLAUDE_PREFLIGHT_NO_FAST_PATH=1`` turns the acceptor off.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from claude_preflight.catalogue import Catalogue
from claude_preflight.dates import parse_moment
from claude_preflight.engine import runner
from claude_preflight.engine.index import declared
from claude_preflight.redact import PREFIX as _SECRET
from claude_preflight.redact import redact
from claude_preflight.report import Finding, Report

__all__ = ["PLAN_LEVEL", "VERIFIED", "accept", "clear", "enabled", "reference_report", "signature", "unverified"]

_CHECKS = "claude_preflight.checks."
VERIFIED: frozenset[str] = frozenset(_CHECKS + name for name in (
    # Read for the accepted shape: each depends only on the plan key, the signature (key
    # order, exact non-text values, roles and content layout, text classes), date
    # thresholds, or (LM001, LM002, CA006) monotone lengths bounded per plan.
    "caching.not_used",
    "conversation_thinking.interleaved_beta_unsupported",
    "conversation_thinking.missing_in_tool_loop",
    "endpoints.batch_entry_value",
    "endpoints.endpoint_beta_missing",
    "headers.feature_beta",
    "lifecycle.alias",
    "lifecycle.claude_code_alias",
    "lifecycle.dated_variant",
    "lifecycle.impossible_id",
    "lifecycle.restricted",
    "lifecycle.state",
    "lifecycle.unknown",
    "limits.context_window",
    "limits.max_tokens_zero_availability",
    "limits.max_tokens_zero_conflict",
    "limits.max_tokens_zero_without_cache",
    "limits.metadata_fields",
    "limits.metadata_user_id_length",
    "limits.metadata_user_id_personal",
    "limits.request_size",
    "media.version_rejects_user_citations",
    "messages.block_missing_field",
    "messages.block_type_invalid",
    "messages.block_unknown_field",
    "messages.block_wrong_role",
    "messages.consecutive_same_role",
    "messages.content_empty",
    "messages.first_not_user",
    "messages.message_malformed",
    "messages.message_unknown_field",
    "messages.messages_empty",
    "messages.prefill_trailing_whitespace",
    "messages.prefill_unsupported",
    "messages.role_invalid",
    "messages.stop_sequences_invalid",
    "messages.system_block_invalid",
    "messages.text_empty",
    "messages.text_not_string",
    "messages.text_whitespace",
    "platform.endpoint_surface",
    "platform.model_wrong_surface_form",
    "platform.unknown_surface",
    "sampling.default_only",
    "sampling.exclusive",
    "sampling.rejected_by_model",
    "sampling.removed_by_version",
    "sampling.value_range",
    "sampling.with_thinking",
    "secrets.key_in_body",
    "shape.body_object",
    "shape.field_beta",
    "shape.field_enum",
    "shape.field_range",
    "shape.field_type",
    "shape.max_tokens_limit",
    "shape.required",
    "shape.unknown",
    "surfaces.bedrock_profile",
    "surfaces.body_version",
    "surfaces.feature_missing",
    "surfaces.invoke_beta_header",
    "surfaces.invoke_stream_field",
    "surfaces.model_in_body_and_path",
    "surfaces.model_route_for_surface",
    "surfaces.version_for_model",
    "unicode.unpaired_surrogate",  # silent: the walk refuses any string holding a surrogate
))

# Checks whose findings on this shape depend only on the plan key and the UTC day (the
# model as written and where, its catalogue entry and lifecycle, the surface): a signature
# whose representative runs give only findings of these (identical at the three moments
# of the day) is accepted with those findings.
PLAN_LEVEL: frozenset[str] = frozenset(_CHECKS + "lifecycle." + name for name in (
    "alias", "claude_code_alias", "dated_variant", "impossible_id", "restricted", "state", "unknown"))

# Parts of the shape whose text the signature reduces to a class: a check may not compare
# their values (see _params_sound).
_TEXT_FIELDS = frozenset({"messages", "system", "stop_sequences", "metadata"})

# The shape's possible triggers (for the @inspects index).
_FIELDS = frozenset({"model", "max_tokens", "messages", "system", "stream", "temperature", "top_p", "top_k", "stop_sequences",
                     "metadata"})
_NUMBERS = frozenset({"max_tokens", "temperature", "top_p", "top_k"})
_KEYS = _FIELDS | {"role", "content", "type", "text", "user_id"}
# An opaque user ID: some character that no phone number has, and no "@" (so neither the
# e-mail nor the phone pattern of metadata_user_id_personal can match it).
_NOT_PHONE = re.compile(r"[^\d\s().+\-]").search


def _surrogate(text: str) -> bool:
    """Whether a non-ASCII text holds a surrogate (UTF-8 encodes every other code point;
    encoding is about twice as fast as searching with a regular expression)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _bad(text: str) -> bool:
    """A string the walk refuses: the credential prefix (SC001), or a surrogate (IN003)."""
    return _SECRET in text or (not text.isascii() and _surrogate(text))
_ROLES = ("user", "assistant")
_BLOCK_KEYS = (("type", "text"), ("text", "type"))
_MESSAGE_KEYS = (("role", "content"), ("content", "role"))
_BIG = 10**15  # numbers beyond this are handed over (their printed length is not bounded here)

_CACHE = "engine.acceptor"
_LIMIT = 4096  # plans per catalogue
_SIGNATURES = 1024  # signatures per plan
_LONGEST = 256  # entries of a signature worth remembering (a long conversation is rarely repeated)
_LOCK = threading.Lock()
_ENABLED: list[bool] = []
_DAY = timedelta(days=1)
_LAST = timedelta(days=1, microseconds=-1)


def runner_generation() -> int:
    """The runner's cache generation (tests that swap checks bump it with ``clear_caches``)."""
    return runner._GENERATION[0]


def enabled() -> bool:
    if not _ENABLED:
        _ENABLED.append(os.environ.get("CLAUDE_PREFLIGHT_NO_FAST_PATH", "").strip().lower() in ("", "0", "false", "no"))
    return _ENABLED[0]


def clear() -> None:
    """Forget the environment setting (plans live and die with their catalogue)."""
    _ENABLED.clear()


def _text_blocks(blocks: list[Any]) -> tuple[list[Any], int, int] | None:
    """(per-block signature entries, block count, characters of text) of a list of plain text
    blocks, or ``None`` when it holds anything else (the full engine then decides)."""
    classes: list[Any] = []
    text_chars = 0
    for block in blocks:
        if type(block) is not dict:
            return None
        block_order = tuple(block)
        if block_order not in _BLOCK_KEYS or type(block["type"]) is not str or block["type"] != "text":
            return None
        text = block["text"]
        if type(text) is not str:
            return None
        text_class = _text_class(text)
        if text_class < 0:
            return None
        classes.append((block_order, text_class))
        text_chars += len(text)
    return classes, len(blocks), text_chars


def _text_class(text: str) -> int:
    """The class of a text the signature keeps (-1: a text the walk refuses, see ``_bad``)."""
    if _SECRET in text or (not text.isascii() and _surrogate(text)):
        return -1
    if not text:
        return 0
    if text[0].isspace():
        return 1 if text.isspace() else (2 if text[-1].isspace() else 3)
    return 4 if text[-1].isspace() else 5


def signature(body: Any) -> tuple[tuple[Any, ...], int, int, int, int] | None:
    """``(signature, characters of every string and key, characters of the system texts,
    containers, length of metadata.user_id)`` of a body of the accepted shape; ``None`` for
    anything else."""
    if type(body) is not dict:
        return None
    sig: list[Any] = []
    append = sig.append
    chars = 0
    system_chars = 0
    nodes = 1
    user_id = 0
    for key, value in body.items():
        if key not in _FIELDS:
            return None
        append(key)
        chars += len(key)
        kind = type(value)
        if key == "messages":
            if kind is not list:
                return None
            nodes += 1
            for message in value:
                if type(message) is not dict:
                    return None
                order = tuple(message)
                if order not in _MESSAGE_KEYS:
                    return None
                role = message["role"]
                if type(role) is not str or role not in _ROLES:
                    return None
                content = message["content"]
                nodes += 1
                chars += 11 + len(role)
                if type(content) is str:
                    text_class = _text_class(content)
                    if text_class < 0:
                        return None
                    append((order, role, text_class))
                    chars += len(content)
                elif type(content) is list:
                    blocks = _text_blocks(content)
                    if blocks is None:
                        return None
                    classes, count, text_chars = blocks
                    append((order, role, *classes))
                    chars += 12 * count + text_chars
                    nodes += 1 + count
                else:
                    return None
        elif key in _NUMBERS:
            if (kind is not int and kind is not float) or not -_BIG < value < _BIG:
                return None
            append((kind, value))
        elif key == "model":
            if kind is not str or _bad(value):
                return None
            append(value)
            chars += len(value)
        elif key == "stream":
            if kind is not bool:
                return None
            append(value)
        elif key == "system":
            if kind is str:
                text_class = _text_class(value)
                if text_class < 0:
                    return None
                append(text_class)
                chars += len(value)
                system_chars += len(value)
            elif kind is list:
                blocks = _text_blocks(value)
                if blocks is None:
                    return None
                classes, count, text_chars = blocks
                append(tuple(classes))
                chars += 12 * count + text_chars
                system_chars += 4 * count + text_chars
                nodes += 1 + count
            else:
                return None
        elif key == "metadata":
            if kind is not dict or len(value) != 1 or "user_id" not in value:
                return None
            uid = value["user_id"]
            if type(uid) is not str or "@" in uid or _bad(uid) or _NOT_PHONE(uid) is None:
                return None
            append("user_id")
            user_id = len(uid)
            chars += 7 + user_id
            nodes += 1
        else:  # stop_sequences
            if kind is not list:
                return None
            nodes += 1
            found: list[int] = []
            for item in value:
                if type(item) is not str:
                    return None
                text_class = _text_class(item)
                if text_class < 0:
                    return None
                found.append(text_class)
                chars += len(item)
                nodes += 1
            append(tuple(found))
    return tuple(sig), chars, system_chars, nodes, user_id


class _Plan:
    """What one plan key allows: length bounds, report fields, accepted signatures."""

    __slots__ = ("ok", "max_chars", "max_system_chars", "max_user_id", "report", "signatures", "moment")

    def __init__(self) -> None:
        self.ok = False
        self.max_chars = -1
        self.max_system_chars = -1
        self.max_user_id = -1
        self.report: dict[str, Any] = {}  # the fields of the empty report (as_of filled per call)
        self.moment: tuple[datetime, str] | None = None  # the last as_of and its ISO text
        self.signatures: dict[tuple[Any, ...], tuple[Finding, ...] | None] = {}  # None: hand over


def _plans(cat: Catalogue) -> dict[Any, _Plan]:
    found = cat.derived.get(_CACHE)
    if found is None:
        found = cat.derived.setdefault(_CACHE, {})
    return found  # type: ignore[no-any-return]


def accept(
    cat: Catalogue,
    body: Any,
    *,
    endpoint: Any,
    headers: Any,
    surface: Any,
    as_of: datetime,
    api_version: str | None,
    default_api_version: str | None = None,
    in_batch: bool = False,
    headers_complete: bool = False,
    sort: Callable[[list[Finding]], list[Finding]] | None = None,
) -> Report | None:
    """The full engine's report on this request, or ``None``: run the full engine.

    Takes the arguments of :func:`claude_preflight.api.run_request`, plus its ``sort`` for
    findings: with it, the first request of a new signature (on which the acceptor runs the
    full engine anyway) is answered with that run's findings instead of ``None``.
    """
    if headers is not None or type(endpoint) is not str or (surface is not None and type(surface) is not str) \
            or not (_ENABLED[0] if _ENABLED else enabled()):
        return None
    shape = signature(body)
    if shape is None:
        return None
    sig, chars, system_chars, nodes, user_id = shape
    model = body.get("model")
    zone = as_of.tzinfo
    if zone is None:
        return None
    day = as_of.date() if zone is timezone.utc else as_of.astimezone(timezone.utc).date()
    key = (runner._GENERATION[0], endpoint, surface, api_version, default_api_version, bool(headers_complete), bool(in_batch),
           model, day)
    plans = _plans(cat)
    plan = plans.get(key)
    if plan is None:
        plan = _build(cat, body, key, as_of)
        with _LOCK:
            if len(plans) >= _LIMIT:
                plans.clear()
            plans[key] = plan
    if not plan.ok or chars + nodes > plan.max_chars or system_chars > plan.max_system_chars or user_id > plan.max_user_id:
        return None
    try:
        known = plan.signatures[sig]
    except KeyError:
        if len(sig) > _LONGEST:
            return None
        known, first = _learn(cat, body, key, as_of)
        with _LOCK:
            if len(plan.signatures) >= _SIGNATURES:
                plan.signatures.clear()
            plan.signatures[sig] = known
        if known is None:
            return None if first is None or sort is None else _report(plan, as_of, tuple(sort(first)))
    if known is None:
        return None
    return _report(plan, as_of, known)


def _report(plan: _Plan, as_of: datetime, findings: tuple[Finding, ...]) -> Report:
    moment = plan.moment
    if moment is None or moment[0] != as_of or moment[0].utcoffset() != as_of.utcoffset():
        moment = plan.moment = (as_of, as_of.isoformat())
    # The frozen dataclass's __init__ costs more than the rest of the acceptor: fill a new
    # instance with the fields a Report built once for this plan has (extra: a fresh dict).
    report: Report = object.__new__(Report)
    fields = report.__dict__
    fields.update(plan.report)
    fields["as_of"] = moment[1]
    fields["extra"] = {}
    if findings:
        fields["findings"] = findings
    return report


def _context(cat: Catalogue, body: Any, key: tuple[Any, ...], moment: datetime) -> Any:
    from claude_preflight.engine.resolve import build_context

    _, endpoint, surface, api_version, default_api_version, headers_complete, in_batch, _, _ = key
    return build_context(cat, body, endpoint=endpoint, headers=None, surface=surface, as_of=moment, api_version=api_version,
                         default_api_version=default_api_version, in_batch=in_batch, headers_complete=headers_complete)


def _build(cat: Catalogue, body: Any, key: tuple[Any, ...], as_of: datetime) -> _Plan:
    """Verify the plan's checks and derive its length bounds (refuses when in doubt)."""
    plan = _Plan()
    try:
        ctx = _context(cat, body, key, as_of)
        if ctx.body_kind != "messages" or ctx.extra:
            return plan
        bounds: list[int] = []
        system_bounds: list[int] = []
        user_id_bounds: list[int] = []
        for rule, fn, params in runner.plan(ctx).steps:
            if not _may_run(fn, params):
                continue  # cannot be called on this shape
            name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"
            if name not in VERIFIED or not _params_sound(cat, name, params):
                return plan
            if name == _CHECKS + "limits.request_size":
                # Compact JSON of a string of n characters is at most 12n + 2 bytes (\\ud83d\\ude80
                # per character); 16 per container covers brackets, separators and quotes; 256
                # the numbers and booleans. So chars + nodes <= (limit - 256) / 16 fits.
                bounds.append((min(int(params["limit_bytes"]), int(params["lower_limit_bytes"])) - 256) // 16)
            elif name == _CHECKS + "limits.context_window":
                window = _window(ctx, params)
                if window is not None:
                    bounds.append(int(window * float(params["typical_chars_per_token"])) - 1)
            elif name == _CHECKS + "caching.not_used":
                model = ctx.model
                threshold = max(int(params["min_tokens"]), (model.cache_min_tokens or 0) if model else 0)
                system_bounds.append(int((threshold - 1) * float(params["chars_per_token"])) - 1)
            elif name == _CHECKS + "limits.metadata_user_id_length":
                user_id_bounds.append(int(params["maximum"]))
        plan.max_chars = min(bounds, default=1 << 62)
        plan.max_user_id = min(user_id_bounds, default=1 << 62)
        plan.max_system_chars = min(system_bounds, default=1 << 62)
        # The fields api.run_request fills (the audit in tests/conftest.py compares whole reports).
        template = Report(
            model=ctx.model.id if ctx.model else (redact(ctx.model_written) if isinstance(ctx.model_written, str) else None),
            surface=ctx.surface_name,
            api_version=ctx.api_version,
            endpoint=ctx.endpoint.path if ctx.endpoint else None,
            catalogue_verified=cat.settings.get("catalogue_verified"),
        )
        plan.report = dict(template.__dict__)
        plan.ok = True
    except Exception:  # anything unexpected (a catalogue the bounds cannot read): hand over
        plan.ok = False
    return plan


def unverified(cat: Catalogue, body: Any, **kwargs: Any) -> list[str]:
    """The checks that keep the fast path off for this request's plan (for tests and
    maintainers: a new check must be read and listed in :data:`VERIFIED`)."""
    if signature(body) is None:
        return ["(the body is not of the accepted shape)"]
    as_of = kwargs["as_of"]
    key = (runner_generation(), kwargs.get("endpoint"), kwargs.get("surface"), kwargs.get("api_version"),
           kwargs.get("default_api_version"), bool(kwargs.get("headers_complete")), bool(kwargs.get("in_batch")),
           body.get("model"), as_of.astimezone(timezone.utc).date())
    ctx = _context(cat, body, key, as_of)
    found = []
    for rule, fn, params in runner.plan(ctx).steps:
        name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"
        if _may_run(fn, params) and (name not in VERIFIED or not _params_sound(cat, name, params)):
            found.append(f"{rule.code} {name}")
    return found


def _may_run(fn: Any, params: Mapping[str, Any]) -> bool:
    """Whether the @inspects index can call ``fn`` on a body of the accepted shape."""
    found = declared(fn, params)
    return found is None or bool(found.fields & _FIELDS or "text" in found.blocks or found.roles & set(_ROLES)
                                 or found.keys & _KEYS)


def _params_sound(cat: Catalogue, name: str, params: Mapping[str, Any]) -> bool:
    """Verified checks that compare a value their params (or the catalogue's features) name:
    only a value the signature keeps exactly (a user catalogue could point them at a text)."""
    if name == _CHECKS + "endpoints.batch_entry_value":
        return str(params.get("field", "")).split(".")[0] not in _TEXT_FIELDS
    if name == _CHECKS + "surfaces.feature_missing":
        for feature in cat.features.values():
            detect = feature.get("detect") if isinstance(feature, Mapping) else None
            values = detect.get("field_values") if isinstance(detect, Mapping) else None
            if values and not (isinstance(values, Mapping) and _TEXT_FIELDS.isdisjoint(values)):
                return False
    return True


def _window(ctx: Any, params: Mapping[str, Any]) -> int | None:
    """The context window LM002 uses on a request without betas (the smallest it could be)."""
    model = ctx.model
    if model is None or not model.context_window:
        return None
    window = int(model.context_window)
    by_surface = (params.get("surface_windows") or {}).get(ctx.surface_name) or {}
    if model.id in by_surface:
        window = min(window, int(by_surface[model.id]))
    for entry in params.get("dated_windows") or ():  # as limits.dated_window (the plan key holds the UTC day)
        if model.id in entry["models"] and ctx.as_of < parse_moment(str(entry["until"]), what="dated_windows.until"):
            window = min(window, int(entry["window"]))
    return window


def _learn(cat: Catalogue, body: Any, key: tuple[Any, ...], as_of: datetime) -> tuple[tuple[Finding, ...] | None, list[Finding] | None]:
    """Run the full engine on this request at ``as_of`` and at both ends of its UTC day.

    Returns ``(answer, first)``: ``answer`` is the findings when they are identical at the
    three moments and all of :data:`PLAN_LEVEL` checks at ``/model`` (sorted as
    ``api.sort_findings`` sorts them), else ``None``; ``first`` is the run at ``as_of`` (the
    engine's own findings on this very request), ``None`` if it could not be made.
    """
    start = datetime.combine(key[-1], datetime.min.time(), tzinfo=timezone.utc)
    first: list[Finding] | None = None
    try:
        for moment in (as_of, start, start + _LAST):
            ctx = _context(cat, body, key, moment)
            if ctx.extra:
                return None, None
            found = runner.run(ctx)
            if first is None:
                first = found
                if not _plan_level(cat, found):
                    return None, first
            elif _keys(found) != _keys(first):
                return None, first
    except Exception:
        return None, first
    if not first:
        return (), first
    # api.sort_findings orders by (path, code), stably; every path here is /model.
    return (tuple(sorted(first, key=lambda f: f.code)) if len(first) > 1 else tuple(first)), first


def _plan_level(cat: Catalogue, findings: list[Finding]) -> bool:
    for finding in findings:
        rule = cat.rule_by_code.get(finding.code)
        fn = rule.fn if rule is not None else None
        if f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}" not in PLAN_LEVEL or finding.path != "/model":
            return False
    return True


def _keys(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return [(f.code, f.name, f.severity, f.message, f.path, f.fix, f.edits, f.fix_safety) for f in findings]


def reference_report(run: Callable[..., Any], cat: Catalogue, body: Any, **kwargs: Any) -> Report:
    """The report of the plain reference path: ``run`` (an undecorated ``run_request``) with
    the acceptor and the check index off."""
    kwargs.pop("sort", None)
    saved_fast, saved_index = list(_ENABLED), list(runner._INDEX_ON)
    _ENABLED[:] = [False]
    runner._INDEX_ON[:] = [False]
    try:
        return run(cat, body, **kwargs)  # type: ignore[no-any-return]
    finally:
        _ENABLED[:] = saved_fast
        runner._INDEX_ON[:] = saved_index
