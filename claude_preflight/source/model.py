"""A request reconstructed from a call site: what is known, what is not, and where it is written.

Both language readers fill a :class:`Call` through a :class:`Collector`; :func:`to_document`
turns it into the wire request the SDK would send (surface, endpoint, headers) as a
:class:`SourceDocument`, and :func:`certain` keeps only the findings that hold whatever
the unknown parts turn out to be.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from claude_preflight.files import pointer
from claude_preflight.files.documents import Document, FileProblem
from claude_preflight.report import Finding


class _Unknown:
    """A value that is not a literal (a variable, a call, an f-string...)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

# What an unknown value becomes in the second and third runs: a short plain string nobody
# writes, and a long one (larger than any size a rule compares against a minimum).
SENTINEL = "\u2039not known from the source\u203a"
LONG_SENTINEL = SENTINEL + " unknown" * 16_000

# The version header every official SDK sends by itself.
SDK_API_VERSION = "2023-06-01"
# Surfaces whose SDK puts the API version in the body and the model in the URL.
BODY_VERSION = {"bedrock-invoke": "bedrock-2023-05-31", "vertex": "vertex-2023-10-16"}
# Headers an SDK client adds by itself on a surface (beyond anthropic-version).
SDK_HEADERS: Mapping[str, Mapping[str, str]] = {"aws-platform": {"anthropic-workspace-id": "(set by the client)"}}

# Method parameters the SDKs send as headers, not body fields (both SDKs, messages and beta).
HEADER_PARAMS = {"user_profile_id": "anthropic-user-profile-id"}
USER_PROFILE_HEADER = "anthropic-user-profile-id"

# Calls the SDK refuses on a surface before sending anything (it raises AnthropicError).
UNSENDABLE = frozenset({("bedrock-invoke", "count_tokens"), ("bedrock-invoke", "batches"), ("vertex", "batches")})

ENDPOINTS = {"create": "/v1/messages", "stream": "/v1/messages", "count_tokens": "/v1/messages/count_tokens",
             "batches": "/v1/messages/batches"}


@dataclass(frozen=True)
class Span:
    """Character offsets ``[start, end)`` of source text."""

    start: int
    end: int


@dataclass(frozen=True)
class Entry:
    """A removable ``key=value`` / ``"key": value`` item of a call or object literal.

    ``before`` is where the previous item ends (or just after the opening bracket) and
    ``after`` where the next one starts (``None`` for the last item); removing the item
    removes the text between them that belongs to it.
    """

    span: Span
    before: int
    after: int | None


@dataclass(frozen=True)
class Literal:
    """A plain string literal (no interpolation, no concatenation) and its quote."""

    span: Span
    quote: str
    language: str  # "python" or "typescript"


@dataclass
class Call:
    """One recognised call site (SDK level: before the SDK's own rewriting)."""

    kind: str  # create | stream | count_tokens | batches
    line: int
    column: int
    surface: str | None = None  # from the client class, None when not known
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    headers_partial: bool = False
    unknown: set[str] = field(default_factory=set)
    open: set[str] = field(default_factory=set)
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    literals: dict[str, Literal] = field(default_factory=dict)


class Collector:
    """Builds JSON-like values from literal syntax, recording unknowns and positions.

    A language reader calls :meth:`unknown`, :meth:`at`, :meth:`open_object`... while
    it converts one argument; values it cannot know are returned as :data:`UNKNOWN`
    and left out of the body by the container that holds them.
    """

    MAX_DEPTH = 64

    def __init__(self, call: Call) -> None:
        self.call = call

    def at(self, ptr: str, position: tuple[int, int]) -> None:
        self.call.positions.setdefault(ptr, position)

    def key_at(self, ptr: str, position: tuple[int, int]) -> None:
        self.call.positions.setdefault(ptr + "#key", position)

    def unknown(self, ptr: str) -> Any:
        self.call.unknown.add(ptr)
        return UNKNOWN

    def open_object(self, ptr: str, obj: dict[str, Any]) -> None:
        """A spread or computed key: every key written so far may be overridden."""
        self.call.open.add(ptr)
        for key in list(obj):
            self.forget(pointer.join(ptr, key))
            del obj[key]

    def forget(self, ptr: str) -> None:
        """Mark ``ptr`` unknown and drop what was recorded beneath it."""
        self.call.unknown.add(ptr)
        for table in (self.call.entries, self.call.literals):
            for key in [k for k in table if k == ptr or k.startswith(ptr + "/")]:
                del table[key]

    def entry(self, ptr: str, entry: Entry) -> None:
        self.call.entries[ptr] = entry

    def literal(self, ptr: str, literal: Literal) -> None:
        self.call.literals[ptr] = literal


def set_member(collector: Collector, obj: dict[str, Any], ptr: str, key: str, value: Any) -> None:
    """Put ``value`` at ``obj[key]`` (an unknown value is recorded, not stored)."""
    child = pointer.join(ptr, key)
    if key in obj or child in collector.call.unknown:
        collector.call.unknown.discard(child)
        obj.pop(key, None)
    if value is UNKNOWN:
        collector.call.unknown.add(child)
    else:
        obj[key] = value


# ----------------------------------------------------------------------------- wire request


@dataclass
class SourceDocument(Document):
    """A :class:`Document` read from source code, with what is not known about it."""

    unknown: frozenset[str] = frozenset()
    unknown_exact: frozenset[str] = frozenset()
    open: frozenset[str] = frozenset()
    headers_partial: bool = False
    call: Call | None = None
    surface_known: bool = True

    def alternate(self, sentinel: str = SENTINEL) -> Document:
        """The same request with every unknown value present (as the opaque string
        ``sentinel``) and, when some headers are not known, the headers unknown."""
        body = _with_sentinels(self.body, self.unknown, sentinel)
        headers = None if self.headers_partial else self.headers
        return replace(self, body=body, headers=headers, notes=[])


def _with_sentinels(body: Any, unknown: frozenset[str], sentinel: str) -> Any:
    if not isinstance(body, dict):
        return body
    out: dict[str, Any] = _copy(body)
    for ptr in sorted(unknown, key=len):
        parts = pointer.split(ptr)
        if not parts:
            continue
        node: Any = out
        for part in parts[:-1]:
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and parts[-1] not in node:
            node[parts[-1]] = sentinel
    return out


def _copy(value: Any) -> Any:
    """Copy the dicts and lists of a (shallow-depth, literal-built) value."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def to_document(file: str, call: Call, default_surface: str | None = None) -> SourceDocument:
    """The wire request of ``call``: the SDK's own rewriting for the client's surface."""
    surface = call.surface or default_surface or "anthropic"
    body: dict[str, Any] = _copy(call.body)
    unknown, opened = set(call.unknown), set(call.open)
    unknown_exact: set[str] = set()
    positions = dict(call.positions)
    positions.setdefault("", (call.line, call.column))
    headers: dict[str, str] = {}
    endpoint = ENDPOINTS[call.kind]
    if call.kind == "stream":
        body["stream"] = True
    version = BODY_VERSION.get(surface)
    if version is None:
        headers["anthropic-version"] = SDK_API_VERSION
    headers.update(SDK_HEADERS.get(surface, {}))
    headers.update({k.lower(): v for k, v in call.headers.items()})
    if version is not None and call.kind != "batches":
        endpoint = _path_model_endpoint(surface, call.kind, body, unknown, unknown_exact, positions)
        body.setdefault("anthropic_version", version)
        if surface == "bedrock-invoke" and headers.get("anthropic-beta"):
            body.setdefault("anthropic_beta", [b.strip() for b in headers["anthropic-beta"].split(",") if b.strip()])
        if surface == "bedrock-invoke" and USER_PROFILE_HEADER in headers:
            body.setdefault("user_profile_id", headers.pop(USER_PROFILE_HEADER))
    return SourceDocument(
        file=file,
        body=body,
        endpoint=f"POST {endpoint}",
        headers=headers,
        surface=surface,
        record=call.line,
        unknown=frozenset(unknown),
        unknown_exact=frozenset(unknown_exact),
        open=frozenset(opened),
        headers_partial=call.headers_partial,
        call=call,
        surface_known=call.surface is not None,
        _locate=lambda: positions,
    )


def _path_model_endpoint(surface: str, kind: str, body: dict[str, Any], unknown: set[str], exact: set[str],
                         positions: dict[str, tuple[int, int]]) -> str:
    """Bedrock InvokeModel and Vertex rawPredict carry the model in the URL, not the body."""
    if surface == "vertex" and kind == "count_tokens":
        return "/v1/projects/{project}/locations/{location}/publishers/anthropic/models/count-tokens:rawPredict"
    model = body.pop("model", None)
    if "/model" in unknown or not isinstance(model, str) or not model:
        unknown.discard("/model")
        exact.add("")  # findings about the route's model cannot be judged
        model = "unknown-model"
    elif "/model" in positions:
        positions[""] = positions["/model"]  # route findings are about the model written there
    if surface == "vertex":
        kind_name = "streamRawPredict" if body.get("stream") else "rawPredict"
        return f"/v1/projects/project/locations/global/publishers/anthropic/models/{model}:{kind_name}"
    stream = body.pop("stream", False)
    return f"/model/{model}/invoke-with-response-stream" if stream else f"/model/{model}/invoke"


# ----------------------------------------------------------------------------- certainty


def _under(ptr: str, base: str) -> bool:
    return ptr == base or ptr.startswith(base + "/") if base else True


def _exists(body: Any, ptr: str) -> tuple[bool, str]:
    """Whether ``ptr`` exists in ``body``, and the deepest existing prefix."""
    node, reached = body, ""
    for part in pointer.split(ptr):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, reached
        reached = pointer.join(reached, part)
    return True, reached


def is_certain(doc: SourceDocument, finding: Finding) -> bool:
    """Whether a finding's pointer is about what the source says for certain."""
    ptr = finding.path
    if ptr in doc.unknown_exact:
        return False
    if any(_under(ptr, u) for u in doc.unknown):
        return False
    if any(_under(o, ptr) for o in doc.open):
        return False  # the open object itself or a container of it: it may hold more
    exists, reached = _exists(doc.body, ptr)
    return exists or not any(_under(reached, o) for o in doc.open)


def certain(doc: Document, run: Callable[[Document], list[Finding] | FileProblem]) -> list[Finding] | FileProblem:
    """Check a source document and keep the findings that hold whatever its unknown parts are.

    ``run`` checks one document (e.g. ``lambda d: check_document(d, options)``). A
    plain :class:`Document` is simply checked. For a :class:`SourceDocument` with unknown
    parts the request is checked with every unknown value absent, then present as a short
    opaque string (and unknown headers as unknown), then as a long one; a finding is kept
    when every run reports it (in the second run's wording: it knows least) at a pointer
    the source fixes: not at or under an unknown value, not at an object that a spread or
    ``**kwargs`` may extend, nor at a missing key such an object may supply.
    """
    if not isinstance(doc, SourceDocument):
        return run(doc)
    first = run(doc)
    if isinstance(first, FileProblem):
        return first
    if not (doc.unknown or doc.open or doc.headers_partial or doc.unknown_exact):
        return first
    second = run(doc.alternate())
    if isinstance(second, FileProblem):
        return second
    seen = {(f.code, f.path) for f in first}
    kept = [f for f in second if (f.code, f.path) in seen and is_certain(doc, f)]
    if kept and doc.unknown:
        third = run(doc.alternate(LONG_SENTINEL))
        if isinstance(third, FileProblem):
            return third
        seen = {(f.code, f.path) for f in third}
        kept = [f for f in kept if (f.code, f.path) in seen]
    return kept


FOREIGN = "(another library)"
"""The binding of a name built from another package's class (e.g. Twilio's ``Client``)."""


def receiver_surface(bound: set[str | None], file_surface: Callable[[], str | None]) -> tuple[bool, str | None]:
    """(a client of another library?, the surface) of a call's receiver, from the surfaces its name
    is bound to in the module (``None`` for an SDK client of unknown class); with no binding, the
    file's single SDK client class decides (``file_surface``)."""
    if bound and bound <= {FOREIGN}:
        return True, None
    known = {s for s in bound if s not in (None, FOREIGN)}
    if len(known) == 1:
        return False, next(iter(known))
    return False, (file_surface() if not known else None)
