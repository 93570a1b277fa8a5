"""Typed, immutable views of catalogue entries, built from validated YAML data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator, Literal, Mapping

from claude_preflight.dates import parse_moment

EFFORT_ORDER = ("low", "medium", "high", "xhigh", "max")

State = Literal["unreleased", "active", "deprecated", "retired", "disabled"]


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    kind: str = "primary"


@dataclass(frozen=True)
class LifecycleEvent:
    event: str
    at: datetime
    surfaces: frozenset[str] | None
    note: str | None
    sources: tuple[str, ...]
    date_only: bool

    @classmethod
    def build(cls, data: Mapping[str, Any]) -> LifecycleEvent:
        raw = str(data["at"])
        surfaces = data.get("surfaces")
        return cls(
            event=data["event"],
            at=parse_moment(raw, what="lifecycle date"),
            surfaces=frozenset(surfaces) if surfaces else None,
            note=data.get("note"),
            sources=tuple(data["sources"]),
            date_only="T" not in raw,
        )


@dataclass(frozen=True)
class Status:
    """A model's lifecycle state at one moment on one surface."""

    state: State
    since: LifecycleEvent | None = None
    retires: LifecycleEvent | None = None
    launches: LifecycleEvent | None = None
    authoritative: bool = True


@dataclass(frozen=True)
class FastMode:
    beta: str | None
    start: datetime | None
    until: datetime | None
    surfaces: frozenset[str] | None

    def available(self, moment: datetime, surface: str) -> bool:
        if self.start is not None and moment < self.start:
            return False
        if self.until is not None and moment >= self.until:
            return False
        return self.surfaces is None or surface in self.surfaces


@dataclass(frozen=True)
class Model:
    id: str
    display_name: str
    family: str | None
    aliases: tuple[str, ...]
    dated: bool
    surface_ids: Mapping[str, tuple[str, ...]]
    access: str
    lifecycle: tuple[LifecycleEvent, ...]
    replacement: str | None
    context_window: int | None
    max_output_tokens: int | None
    thinking_modes: frozenset[str]
    thinking_default: str
    thinking_deprecated: frozenset[str]
    disabled_max_effort: str | None
    effort: tuple[str, ...]
    effort_default: str | None
    sampling: str
    prefill: bool
    mid_conversation_system: bool
    forced_tool_choice: bool
    cache_min_tokens: int | None
    vision: bool
    pdf: bool
    max_media_items: int | None
    fast_mode: FastMode | None
    inference_geo: bool
    notes: str | None
    sources: tuple[str, ...]

    @classmethod
    def build(cls, model_id: str, data: Mapping[str, Any]) -> Model:
        thinking = data.get("thinking") or {}
        fast = data.get("fast_mode")
        return cls(
            id=model_id,
            display_name=data["display_name"],
            family=data.get("family"),
            aliases=tuple(data.get("aliases") or ()),
            dated=bool(data.get("dated", False)),
            surface_ids={k: tuple(v) for k, v in (data.get("surface_ids") or {}).items()},
            access=data.get("access", "public"),
            lifecycle=tuple(
                sorted((LifecycleEvent.build(e) for e in data.get("lifecycle") or ()), key=lambda e: e.at)
            ),
            replacement=data.get("replacement"),
            context_window=data.get("context_window"),
            max_output_tokens=data.get("max_output_tokens"),
            thinking_modes=frozenset(thinking.get("modes") or ()),
            thinking_default=thinking.get("default", "off"),
            thinking_deprecated=frozenset(thinking.get("deprecated_modes") or ()),
            disabled_max_effort=thinking.get("disabled_max_effort"),
            effort=tuple(data.get("effort") or ()),
            effort_default=data.get("effort_default"),
            sampling=data.get("sampling", "accepted"),
            prefill=bool(data.get("prefill", True)),
            mid_conversation_system=bool(data.get("mid_conversation_system", False)),
            forced_tool_choice=bool(data.get("forced_tool_choice", True)),
            cache_min_tokens=data.get("cache_min_tokens"),
            vision=bool(data.get("vision", True)),
            pdf=bool(data.get("pdf", False)),
            max_media_items=data.get("max_media_items"),
            fast_mode=None
            if not fast
            else FastMode(
                beta=fast.get("beta"),
                start=parse_moment(fast["from"], what="fast_mode.from") if fast.get("from") else None,
                until=parse_moment(fast["until"], what="fast_mode.until") if fast.get("until") else None,
                surfaces=frozenset(fast["surfaces"]) if fast.get("surfaces") else None,
            ),
            inference_geo=bool(data.get("inference_geo", False)),
            notes=data.get("notes"),
            sources=tuple(data["sources"]),
        )

    @property
    def launched(self) -> datetime | None:
        """The first launch (the lifecycle is sorted by date); None when unknown."""
        return next((event.at for event in self.lifecycle if event.event == "launched"), None)

    def attribute(self, name: str) -> Any:
        """Value used by rule predicates (``applies.models``)."""
        if name == "thinking_default":
            return self.thinking_default
        if name == "has_effort":
            return bool(self.effort)
        return getattr(self, name)

    def status(self, moment: datetime, surface: str, authority: str) -> Status:
        """Lifecycle state at ``moment`` on ``surface``.

        Events without ``surfaces`` are Anthropic's schedule: binding on
        Anthropic-operated surfaces, only indicative (``authoritative=False``)
        on surfaces that set their own schedule, unless they have events of
        their own.
        """
        schedules = self.__dict__.get("_schedules")
        if schedules is None:  # a cache outside the dataclass fields (not compared, hashed or shown)
            schedules = {}
            object.__setattr__(self, "_schedules", schedules)
        found = schedules.get((surface, authority))
        if found is None:
            found = schedules[(surface, authority)] = self._schedule(surface, authority)
        return _fold(found[0], moment, found[1])

    def _schedule(self, surface: str, authority: str) -> tuple[list[LifecycleEvent], bool]:
        """The events that apply on ``surface``, in time order, and whether they bind there."""
        own = [e for e in self.lifecycle if e.surfaces is not None and surface in e.surfaces]
        general = [e for e in self.lifecycle if e.surfaces is None]
        if authority == "anthropic":
            events, authoritative = own + general, True
        elif own:
            # The surface's own schedule replaces Anthropic's; launches still come from both.
            events, authoritative = own + [e for e in general if e.event == "launched"], True
        else:
            events, authoritative = general, False
        events.sort(key=lambda e: e.at)
        return events, authoritative


def _fold(events: list[LifecycleEvent], moment: datetime, authoritative: bool) -> Status:
    launch = next((e for e in events if e.event == "launched"), None)
    if launch is not None and moment < launch.at:
        return Status("unreleased", launches=launch, authoritative=authoritative)
    state: State = "active"
    since: LifecycleEvent | None = None
    before_disable: tuple[State, LifecycleEvent | None] = ("active", None)
    for event in events:
        if event.at > moment:
            break
        if event.event == "deprecated" and state in ("active",):
            state, since = "deprecated", event
        elif event.event == "retired":
            state, since = "retired", event
        elif event.event == "disabled" and state != "retired":
            before_disable = (state, since)
            state, since = "disabled", event
        elif event.event == "enabled" and state == "disabled":
            state, since = before_disable
    retires = next((e for e in events if e.event == "retired" and e.at > moment), None)
    return Status(state, since=since, retires=retires, authoritative=authoritative)


@dataclass(frozen=True)
class Surface:
    key: str
    display_name: str
    operator: str | None
    lifecycle_authority: str
    model_ids: str
    model_in: str
    version_in: str
    body_versions: tuple[str, ...]
    profile_prefixes: tuple[str, ...]
    required_headers: tuple[str, ...]
    lacks: frozenset[str]
    sources: tuple[str, ...]
    platform: str = ""
    hosts: tuple[str, ...] = ()
    path_prefixes: tuple[str, ...] = ()
    # beta name -> {"seen": date, "sources": [...], "note": ...}
    betas_rejected: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False, compare=False)
    disputed: frozenset[str] = frozenset()
    # feature -> the moment the surface started offering it (lacked before)
    lacks_before: Mapping[str, datetime] = field(default_factory=dict, hash=False, compare=False)
    # models whose body on this surface may be a Text Completions one (prompt, max_tokens_to_sample)
    text_completion_models: frozenset[str] = frozenset()
    # provider prefixes of model IDs that are not Claude (requests to them are not judged)
    foreign_model_prefixes: tuple[str, ...] = ()

    def lacks_at(self, moment: datetime) -> frozenset[str]:
        """The features this surface lacks at ``moment``."""
        if not self.lacks_before:
            return self.lacks
        return self.lacks | {key for key, since in self.lacks_before.items() if moment < since}

    @classmethod
    def build(cls, key: str, data: Mapping[str, Any]) -> Surface:
        return cls(
            key=key,
            display_name=data["display_name"],
            operator=data.get("operator"),
            lifecycle_authority=data.get("lifecycle_authority", "anthropic"),
            model_ids=data["model_ids"],
            model_in=data.get("model_in", "body"),
            version_in=data.get("version_in", "header"),
            body_versions=tuple(data.get("body_versions") or ()),
            profile_prefixes=tuple(data.get("inference_profile_prefixes") or ()),
            required_headers=tuple(data.get("required_headers") or ()),
            lacks=frozenset(data.get("lacks") or ()),
            sources=tuple(data["sources"]),
            platform=data.get("platform") or key,
            hosts=tuple(data.get("hosts") or ()),
            path_prefixes=tuple(data.get("path_prefixes") or ()),
            betas_rejected=dict(data.get("betas_rejected") or {}),
            disputed=frozenset(data.get("disputed") or ()),
            lacks_before={k: parse_moment(str(v), what="lacks_before date") for k, v in (data.get("lacks_before") or {}).items()},
            text_completion_models=frozenset(data.get("text_completion_models") or ()),
            foreign_model_prefixes=tuple(data.get("foreign_model_prefixes") or ()),
        )


@dataclass(frozen=True)
class ApiVersion:
    key: str
    released: datetime
    removed_fields: frozenset[str]
    rejects: frozenset[str]
    surfaces: frozenset[str] | None
    sources: tuple[str, ...]

    @classmethod
    def build(cls, key: str, data: Mapping[str, Any]) -> ApiVersion:
        surfaces = data.get("surfaces")
        return cls(
            key=key,
            released=parse_moment(data["released"], what="api version release"),
            removed_fields=frozenset(data.get("removed_fields") or ()),
            rejects=frozenset(data.get("rejects") or ()),
            surfaces=frozenset(surfaces) if surfaces else None,
            sources=tuple(data["sources"]),
        )


@dataclass(frozen=True)
class Applies:
    bodies: frozenset[str]
    surfaces: frozenset[str] | None
    api_versions: frozenset[str] | None
    models: Mapping[str, tuple[Any, ...]] | None

    @classmethod
    def build(cls, data: Mapping[str, Any] | None) -> Applies:
        data = data or {}
        surfaces = data.get("surfaces")
        versions = data.get("api_versions")
        models = data.get("models")
        return cls(
            bodies=frozenset(data["bodies"] if "bodies" in data else ("messages", "count_tokens")),
            surfaces=frozenset(surfaces) if surfaces else None,
            api_versions=frozenset(versions) if versions else None,
            models={k: tuple(v) for k, v in models.items()} if models else None,
        )

    def model_matches(self, model: Model | None) -> bool:
        if self.models is None:
            return True
        if model is None:
            return False
        return all(model.attribute(key) in allowed for key, allowed in self.models.items())


CheckFn = Callable[..., Iterator[Any]]


@dataclass(frozen=True)
class Claim:
    """One source's side of a conflict: what it says, where, and when (ISO date)."""

    says: str
    sources: tuple[str, ...]
    date: str


@dataclass(frozen=True)
class Conflict:
    """Sources that disagree about a fact a rule rests on, and the policy that decides."""

    topic: str
    claims: tuple[Claim, ...]
    policy: str

    @classmethod
    def build(cls, data: Mapping[str, Any]) -> Conflict:
        claims = tuple(
            Claim(" ".join(str(c["says"]).split()), tuple(c["sources"]), str(c["date"])) for c in data["claims"]
        )
        return cls(" ".join(str(data["topic"]).split()), claims, " ".join(str(data["policy"]).split()))

    def describe(self, sources: Mapping[str, Source]) -> str:
        """The conflict as ``explain`` prints it: the topic, each claim with its sources, the policy."""
        lines = [f"Conflict: {self.topic}"]
        for claim in self.claims:
            cited = ", ".join(sources[s].url if s in sources else s for s in claim.sources)
            lines.append(f"  - {claim.date}: {claim.says} [{cited}]")
        lines.append(f"  Policy: {self.policy}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: str
    severity: str
    summary: str
    message: str
    explanation: str
    sources: tuple[str, ...]
    applies: Applies
    check: str
    params: Mapping[str, Any]
    fix: Mapping[str, str] | None
    examples: Mapping[str, tuple[Mapping[str, Any], ...]]
    origin: str = ""
    fn: CheckFn | None = field(default=None, compare=False, repr=False)
    conflicts: tuple[Conflict, ...] = ()

    @classmethod
    def build(cls, data: Mapping[str, Any], family: str, origin: str) -> Rule:
        examples = data.get("examples") or {}
        return cls(
            code=data["code"],
            name=data["name"],
            family=data.get("family", family),
            severity=data["severity"],
            summary=data["summary"],
            message=data["message"],
            explanation=" ".join(str(data["explanation"]).split()),
            sources=tuple(data["sources"]),
            applies=Applies.build(data.get("applies")),
            check=data["check"],
            params=dict(data.get("params") or {}),
            fix=data.get("fix"),
            examples={k: tuple(v) for k, v in examples.items()},
            origin=origin,
            conflicts=tuple(Conflict.build(c) for c in data.get("conflicts") or ()),
        )
