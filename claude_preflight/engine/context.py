"""Everything the checks need to know about one request, resolved once.

Derived views (messages, thinking state, ...) are computed lazily and cached, so a
check that is never selected costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Generic, Iterable, Mapping, TypeVar, overload

from claude_preflight.catalogue import Catalogue, ModelMatch
from claude_preflight.catalogue.endpoints import EndpointMatch
from claude_preflight.catalogue.model import Model, Surface
from claude_preflight.engine.scan import Scan, scan
from claude_preflight.redact import PREFIX as SECRET_PREFIX

_T = TypeVar("_T")



class cached_property(Generic[_T]):  # noqa: N801 - named after functools.cached_property
    """``functools.cached_property`` without its per-instance lock (Python 3.11 takes an
    RLock on every first access, which costs more than most views it guards). A context
    belongs to one request in one thread; at worst two threads compute the same value."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: Any = None) -> cached_property[_T]: ...
    @overload
    def __get__(self, obj: object, owner: Any = None) -> _T: ...
    def __get__(self, obj: object | None, owner: Any = None) -> _T | cached_property[_T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


def _position(block: Block) -> tuple[int, int]:
    return block.message, block.index


# Body versions of the cloud surfaces behave like this API version.
BODY_VERSION_SEMANTICS = {"bedrock-2023-05-31": "2023-06-01", "vertex-2023-10-16": "2023-06-01"}


class Block:
    """A content block of a message, with where it sits (read-only by convention).

    A plain class with slots rather than a frozen dataclass: long conversations have
    thousands of blocks and a frozen dataclass costs several times more to create. The
    JSON Pointer ``path`` is built on first use; ``type`` (the block's ``type`` value) is
    read once, when the block is made.
    """

    __slots__ = ("message", "index", "role", "data", "type", "_path")

    def __init__(self, message: int, index: int, role: Any, data: Mapping[str, Any], path: str | None = None) -> None:
        self.message = message
        self.index = index
        self.role = role
        self.data = data
        self.type: Any = data.get("type")
        self._path = path

    @property
    def path(self) -> str:
        found = self._path
        if found is None:
            if self.index < 0:
                found = f"/messages/{self.message}/content"
            else:
                found = f"/messages/{self.message}/content/{self.index}"
            self._path = found
        return found

    def _key(self) -> tuple[Any, ...]:
        return (self.message, self.index, self.role, self.data, self.path)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Block)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Block(message={self.message!r}, index={self.index!r}, role={self.role!r}, data={self.data!r}, path={self.path!r})"


@dataclass
class Context:
    catalogue: Catalogue
    body: Any
    body_kind: str
    endpoint: EndpointMatch | None
    surface_name: str
    surface: Surface | None
    headers: Mapping[str, tuple[str, ...]] | None
    api_version: str
    api_version_origin: str
    betas: frozenset[str]
    as_of: datetime
    model_written: Any
    model_path: str
    match: ModelMatch | None
    in_batch: bool = False
    counted: bool = False  # the InvokeModel body inside a Bedrock CountTokens request
    extra: dict[str, Any] = field(default_factory=dict)
    # Whether ``headers`` are the final wire headers (middleware, proxy) rather than the
    # partial headers of a fixture or a ``validate(headers=...)`` call, to which the SDK
    # still adds authentication, ``anthropic-version`` and surface headers it reads from
    # the environment (e.g. the Claude Platform on AWS workspace ID).
    headers_complete: bool = False

    @property
    def model(self) -> Model | None:
        return self.match.model if self.match is not None else None

    @property
    def is_object(self) -> bool:
        return isinstance(self.body, dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default) if isinstance(self.body, dict) else default

    def has(self, key: str) -> bool:
        return isinstance(self.body, dict) and key in self.body

    def has_beta(self, *names: str) -> bool:
        return any(name in self.betas for name in names)

    def surface_lacks(self, feature: str) -> bool:
        return self.surface is not None and feature in self.surface.lacks_at(self.as_of)

    # ------------------------------------------------------------- messages

    @cached_property
    def messages(self) -> list[tuple[int, Mapping[str, Any]]]:
        """``(index, message)`` for each message that is an object."""
        raw = self.get("messages")
        if not isinstance(raw, list):
            return []
        return [(i, m) for i, m in enumerate(raw) if isinstance(m, dict)]

    @cached_property
    def blocks(self) -> list[Block]:
        """Every content block of every message (string content counts as one text block)."""
        found: list[Block] = []
        append = found.append
        for i, message in self.messages:
            content = message.get("content")
            role = message.get("role")
            if isinstance(content, str):
                append(Block(i, -1, role, {"type": "text", "text": content}))
            elif isinstance(content, list):
                j = 0
                for block in content:
                    if isinstance(block, dict):
                        append(Block(i, j, role, block))
                    j += 1
        return found

    @cached_property
    def blocks_by_type(self) -> Mapping[Any, list[Block]]:
        """The blocks of :attr:`blocks` by ``type``, each list in conversation order; a type
        that is not a string is filed under ``None``. Shared: do not mutate."""
        found: dict[Any, list[Block]] = {}
        for block in self.blocks:
            kind = block.type
            if kind.__class__ is not str:
                kind = kind if isinstance(kind, str) else None
            try:
                found[kind].append(block)
            except KeyError:
                found[kind] = [block]
        return found

    def blocks_of(self, *kinds: str) -> list[Block]:
        """The blocks whose ``type`` is one of ``kinds``, in conversation order."""
        by_type = self.blocks_by_type
        if len(kinds) == 1:
            return by_type.get(kinds[0], [])
        found = [block for kind in kinds for block in by_type.get(kind, ())]
        found.sort(key=_position)
        return found

    @cached_property
    def body_keys(self) -> frozenset[str]:
        """The top-level keys of the body (empty when the body is not an object)."""
        body = self.body
        return frozenset(k for k in body if isinstance(k, str)) if isinstance(body, dict) else frozenset()

    @cached_property
    def block_types(self) -> frozenset[Any]:
        """The ``type`` of every message content block (string content counts as ``text``;
        a type that is not a string counts as ``None``)."""
        return frozenset(self.blocks_by_type)

    @cached_property
    def body_scan(self) -> Scan:
        """One shared pass over the whole body (sizes, a possible key, every object key)."""
        return scan(self.body, SECRET_PREFIX)

    @cached_property
    def roles(self) -> frozenset[str]:
        """The string ``role`` of every message that is an object."""
        return frozenset(role for _, m in self.messages if isinstance(role := m.get("role"), str))

    def first_block_path(self, types: Iterable[str]) -> str | None:
        """JSON Pointer of the first message content block whose ``type`` is one of ``types``."""
        wanted = set(types)
        if wanted.isdisjoint(self.block_types):
            return None
        for block in self.blocks:
            if block.type in wanted:
                return block.path
        return None

    def memo(self, key: str, compute: Callable[[Context], _T]) -> _T:
        """``compute(ctx)`` once per request, shared by every check that asks with ``key``.

        For views several rules derive from the request (an index of blocks by type,
        the prompt in caching order, ...): the first rule pays, the others look it up.
        """
        store = self.extra
        try:
            return store[key]  # type: ignore[no-any-return]
        except KeyError:
            value = store[key] = compute(self)
            return value

    def message_blocks(self, message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        content = message.get("content")
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        if isinstance(content, list):
            return [b for b in content if isinstance(b, dict)]
        return []

    # ------------------------------------------------------------- thinking

    @cached_property
    def thinking_type(self) -> str | None:
        """The explicit ``thinking.type``, if any."""
        thinking = self.get("thinking")
        if isinstance(thinking, dict) and isinstance(thinking.get("type"), str):
            return str(thinking["type"])
        return None

    @cached_property
    def thinking_on(self) -> bool:
        """Whether the model will think: explicit enabled/adaptive, or the model's default."""
        explicit = self.thinking_type
        if explicit is not None:
            return explicit in ("enabled", "adaptive", "between_tools")
        model = self.model
        return model is not None and model.thinking_default in ("adaptive", "always")

    @cached_property
    def tool_choice_type(self) -> str | None:
        choice = self.get("tool_choice")
        if isinstance(choice, dict) and isinstance(choice.get("type"), str):
            return str(choice["type"])
        return None

    @cached_property
    def tools(self) -> list[tuple[int, Mapping[str, Any]]]:
        raw = self.get("tools")
        if not isinstance(raw, list):
            return []
        return [(i, t) for i, t in enumerate(raw) if isinstance(t, dict)]

    @cached_property
    def removed_fields(self) -> frozenset[str]:
        version = self.catalogue.api_versions.get(self.api_version)
        return version.removed_fields if version is not None else frozenset()
