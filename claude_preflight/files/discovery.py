"""Which files ``check`` looks at: safe discovery, as ruff does it.

A file is checked when it was named explicitly, matched the configured ``paths``, or was
found in a directory walk *and looks like a request* (:func:`looks_like_request`): an
envelope, a Messages / count_tokens body, a Message Batches body or entry, or a JSONL
file of those. Any other JSON or YAML file found in a walk (``package.json``, CI workflows,
``tsconfig.json``) is skipped and listed as skipped with ``--verbose``; it can never be
rewritten by ``--fix``.

Walks skip hidden folders, ``node_modules``, virtual environments (any folder holding a
``pyvenv.cfg`` or ``conda-meta``), build folders and the configured exclusions, and respect
``.gitignore`` files (gitignore matching by ``pathspec``), from the repository root down.

Each found file has a *kind* (:class:`FileKind`): by default only ``request``. Other kinds are
passed in ``kinds=`` (e.g. ``FileKind("source", SOURCE_SUFFIXES, sniff)`` for the Python and
TypeScript files ``claude_preflight.source`` scans for SDK calls);
``files.checking.Checker.check_candidate`` dispatches on the kind.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from claude_preflight.files.documents import (
    JSONL_SUFFIXES,
    SUFFIXES,
    Document,
    FileProblem,
    decode,
    read_bytes,
    read_data,
)

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec as PathSpec

# Folders never walked into (names), besides every hidden folder. Named explicitly they are checked.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "node_modules", "__pycache__", "__pypackages__", "site-packages", "venv", "_build", "build", "dist",
    "buck-out", "bower_components", "jspm_packages", ".tox", ".nox", ".venv", ".git", ".hg", ".svn",
)
# A folder holding one of these is a virtual environment, whatever its name.
VENV_MARKERS = ("pyvenv.cfg", "conda-meta")

SNIFF_BYTES = 32 * 1024 * 1024  # larger files are judged by their first bytes only
_PREFIX_BYTES = 256 * 1024
_JSONL_RECORDS = 5


@dataclass(frozen=True)
class FileKind:
    """A kind of file ``check`` knows: its suffixes and how to tell one found in a walk."""

    name: str
    suffixes: tuple[str, ...]
    sniff: Callable[[Path], bool]


@dataclass(frozen=True)
class Candidate:
    """A file to check."""

    path: Path
    kind: str = "request"
    explicit: bool = False  # named on the command line or matched the configured paths

    @property
    def name(self) -> str:
        return display(self.path)


@dataclass(frozen=True)
class Skipped:
    """A file found in a walk and not checked, with the reason (shown with ``--verbose``)."""

    path: str
    reason: str


@dataclass
class Discovery:
    """Everything discovery found, in check order (sorted by displayed path)."""

    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def display(path: str | Path) -> str:
    """``path`` as shown: relative to the working directory when under it, else absolute."""
    text = os.fspath(path)
    try:
        absolute = os.path.abspath(text)
        here = os.getcwd()
    except (OSError, ValueError):
        return text
    if absolute == here:
        return "."
    if absolute.startswith(here.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, here)
    return absolute


# ----------------------------------------------------------------------------- sniffing

# Keys that mark a request in text that could not be parsed (truncated or too large):
# a Messages body's "messages", an envelope's "body" next to "endpoint"/"headers", a batch "params".
def _key(name: str) -> re.Pattern[str]:
    return re.compile(r"""(?:^|[\s{,])["']?""" + name + r"""["']?\s*:""", re.M)


_MESSAGES = _key("messages")
_MODEL = _key("(?:model|max_tokens)")
_BODY = _key("body")
_ENVELOPE = _key("(?:endpoint|headers|surface|api_version)")
_PARAMS = _key("params")
_CUSTOM_ID = _key("custom_id")


def is_request_document(doc: Document) -> bool:
    """Whether one document read from a file is a request (see :func:`looks_like_request`)."""
    if doc.base:  # an envelope (/body) or a Message Batches entry (/params)
        return True
    return looks_like_request(doc.body)


def looks_like_request(data: Any) -> bool:
    """Whether a parsed document is a request body: a Messages or count_tokens body
    (``messages`` list with ``model`` or ``max_tokens``), a Message Batches body
    (``requests`` of ``{custom_id, params}``), a batch entry, or an envelope."""
    if not isinstance(data, dict):
        return False
    from claude_preflight.files.documents import BATCH_ENTRY_KEYS, ENVELOPE_KEYS

    keys = set(data)
    if "body" in keys and keys <= ENVELOPE_KEYS:
        return True
    if "params" in keys and keys <= BATCH_ENTRY_KEYS:
        return True
    if isinstance(data.get("messages"), list) and ("model" in keys or "max_tokens" in keys):
        return True
    requests = data.get("requests")
    if isinstance(requests, list) and requests:
        first = requests[0]
        return isinstance(first, dict) and "params" in first
    return False


def text_looks_like_request(text: str, *, broken: bool = False) -> bool:
    """The fallback for text that could not be parsed (or is too large to): request keys appear
    in it. ``broken`` (the text does not parse): a ``model`` or ``messages`` key is enough, so a
    damaged fixture is reported rather than skipped."""
    if broken and (_MESSAGES.search(text) or _MODEL.search(text)):
        return True
    if _MESSAGES.search(text) and _MODEL.search(text):
        return True
    if _BODY.search(text) and _ENVELOPE.search(text):
        return True
    return bool(_PARAMS.search(text) and _CUSTOM_ID.search(text))


def sniff_request_file(path: Path) -> bool:
    """Whether a JSON/YAML/JSONL file found in a walk holds requests.

    The file is read with the hardened readers of ``files.documents``; a file that cannot be
    parsed counts as a request when request keys appear in its text (a broken fixture is
    reported rather than silently skipped), and a JSONL file is judged by its first records.
    """
    jsonl = path.suffix.lower() in JSONL_SUFFIXES
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return True  # reading it reports why
    if not stat.S_ISREG(info.st_mode):
        return True  # a pipe or device: the reader says what it is, without blocking
    if jsonl or info.st_size > SNIFF_BYTES:
        return _sniff_prefix(path, jsonl)
    data, problem = read_bytes(path)
    if data is None or problem is not None:
        return True
    parsed = False
    for item in read_data(str(path), data, path.suffix):
        if isinstance(item, Document):
            parsed = True
            if is_request_document(item):
                return True
    if parsed:
        return False
    text, _ = decode(data, str(path))
    if text is None:  # binary or a wrong encoding: look for the keys in what can be read
        text = data[:_PREFIX_BYTES].replace(b"\x00", b"").decode("utf-8", errors="replace")
    return text_looks_like_request(text, broken=True)


def _sniff_prefix(path: Path, jsonl: bool) -> bool:
    """Judge a JSONL file by its first records, a very large file by its first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES // 8 if jsonl else _PREFIX_BYTES)
    except OSError:
        return True  # reading it reports why
    if jsonl:
        complete = head[: head.rfind(b"\n") + 1] if len(head) == SNIFF_BYTES // 8 else head
        seen = 0
        for item in read_data(str(path), complete, ".jsonl"):
            if isinstance(item, Document):
                if is_request_document(item):
                    return True
                seen += 1
                if seen >= _JSONL_RECORDS:
                    return False
        if seen:
            return False
    return text_looks_like_request(head.replace(b"\x00", b"").decode("utf-8", errors="replace"), broken=jsonl)


def _sniff_request(path: Path) -> bool:
    return sniff_request_file(path)


KINDS: tuple[FileKind, ...] = (FileKind("request", SUFFIXES, _sniff_request),)


def kind_of(path: Path, kinds: Sequence[FileKind] = KINDS) -> FileKind | None:
    suffix = path.suffix.lower()
    return next((k for k in kinds if suffix in k.suffixes), None)


# ----------------------------------------------------------------------------- exclusion


def _spec(patterns: Iterable[str]) -> PathSpec | None:
    try:
        from pathspec import GitIgnoreSpec
    except ImportError:  # a dependency of the package; only a broken installation lacks it
        raise OSError("gitignore-style matching needs the 'pathspec' package: pip install pathspec") from None
    lines = [p for p in patterns if p.strip()]
    return GitIgnoreSpec.from_lines(lines) if lines else None


@dataclass
class Exclusions:
    """Exclusion patterns (gitignore syntax, relative to ``root``) and the walk rules."""

    root: Path
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    _compiled: list[PathSpec | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = Path(os.path.abspath(self.root))

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` matches an exclusion pattern (by name, or by path under ``root``)."""
        if not self._compiled:  # compiled on first use: checking named files needs no pathspec
            self._compiled.append(_spec([*self.exclude, *self.extend_exclude]))
        spec = self._compiled[0]
        if spec is None:
            return False
        absolute = Path(os.path.abspath(path))
        try:
            rel = PurePosixPath(absolute.relative_to(self.root)).as_posix()
        except ValueError:
            rel = absolute.name
        if rel in ("", "."):
            return False
        return bool(spec.match_file(rel + ("/" if is_dir else "")))


class _GitIgnores:
    """The ``.gitignore`` files that apply below a folder, from the repository root down
    (the folder itself is the top when it is not inside a Git repository)."""

    def __init__(self, start: Path) -> None:
        self.cache: dict[Path, PathSpec | None] = {}
        start = Path(os.path.abspath(start))
        self.top = next((f for f in (start, *start.parents) if (f / ".git").exists()), start)

    def _load(self, folder: Path) -> PathSpec | None:
        if folder not in self.cache:
            lines: list[str] = []
            names = (".gitignore", ".git/info/exclude") if folder == self.top else (".gitignore",)
            for name in names:
                if not os.path.isfile(folder / name):
                    continue
                data, _ = read_bytes(folder / name)  # never blocks on a pipe, never reads a device
                if data is not None:
                    lines.extend(data[: 1 << 20].decode("utf-8", errors="replace").splitlines())
            self.cache[folder] = _spec(lines)
        return self.cache[folder]

    def covers(self, path: Path) -> bool:
        return _is_within(Path(os.path.abspath(path)).parent, self.top)

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` is ignored; the deepest ``.gitignore`` with a say decides."""
        absolute = Path(os.path.abspath(path))
        folders = [f for f in (absolute.parent, *absolute.parent.parents) if _is_within(f, self.top)]
        result = False
        for folder in reversed(folders):
            spec = self._load(folder)
            if spec is None:
                continue
            rel = PurePosixPath(absolute.relative_to(folder)).as_posix() + ("/" if is_dir else "")
            include = spec.check_file(rel).include
            if include is not None:
                result = bool(include)
        return result


def _is_within(path: Path, top: Path) -> bool:
    return path == top or top in path.parents


# ----------------------------------------------------------------------------- discovery


@dataclass
class Discoverer:
    """Finds the files to check under the given paths."""

    exclusions: Exclusions
    forced: Callable[[Path], bool] = lambda path: False  # configured paths: checked without sniffing
    force_exclude: bool = False  # apply exclusions (and sniffing) to named files too
    kinds: Sequence[FileKind] = KINDS
    _result: Discovery = field(default_factory=Discovery)
    _seen: set[str] = field(default_factory=set)
    _named_ignores: _GitIgnores | None = None

    def run(self, paths: Iterable[str]) -> Discovery:
        for item in paths:
            self._named(item)
        self._result.candidates.sort(key=lambda c: _sort_key(c.name))
        self._result.skipped.sort(key=lambda s: _sort_key(s.path))
        return self._result

    def _named(self, item: str) -> None:
        path = Path(item)
        try:
            info = os.stat(path)
        except OSError as exc:
            if os.path.islink(path):
                self._add(Candidate(path, "request", True))  # a broken or looping link: reading it says why
            elif isinstance(exc, (FileNotFoundError, NotADirectoryError)):
                self._result.problems.append(FileProblem(display(item), 1, 1, "no such file or directory"))
            else:
                self._result.problems.append(FileProblem(display(item), 1, 1, f"cannot read: {exc.strerror or exc}"))
            return
        except ValueError as exc:
            self._result.problems.append(FileProblem(item, 1, 1, f"cannot read: {exc}"))
            return
        if stat.S_ISDIR(info.st_mode):
            self._walk(path)
            return
        if self.force_exclude:
            if self._excluded(path, False):
                self._skip(path, "excluded")
                return
            self._consider(path)
            return
        kind = kind_of(path, self.kinds)
        self._add(Candidate(path, kind.name if kind else "request", True))

    def _excluded(self, path: Path, is_dir: bool) -> bool:
        if self.exclusions.excluded(path, is_dir):
            return True
        return self.exclusions.respect_gitignore and self._gitignores(path).ignored(path, is_dir)

    def _gitignores(self, path: Path) -> _GitIgnores:
        cached = self._named_ignores
        if cached is None or not cached.covers(path):
            cached = self._named_ignores = _GitIgnores(Path(os.path.abspath(path)).parent)
        return cached

    def _walk(self, root: Path) -> None:
        ignores = _GitIgnores(root) if self.exclusions.respect_gitignore else None
        stack = [root]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as exc:
                self._result.problems.append(FileProblem(display(directory), 1, 1, f"cannot list directory: {exc.strerror or exc}"))
                continue
            for entry in entries:
                path = directory / entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not self._skip_dir(path, entry.name, ignores):
                            stack.append(path)
                        continue
                    if kind_of(path, self.kinds) is None:
                        continue
                    if self.exclusions.excluded(path, False) or (ignores is not None and ignores.ignored(path, False)):
                        self._skip(path, "excluded")
                        continue
                    if entry.is_file() or (entry.is_symlink() and not os.path.exists(path)):
                        self._consider(path)
                except OSError as exc:
                    self._result.problems.append(FileProblem(display(path), 1, 1, f"cannot read: {exc.strerror or exc}"))

    def _skip_dir(self, path: Path, name: str, ignores: _GitIgnores | None) -> bool:
        if name.startswith("."):
            return True
        if self.exclusions.excluded(path, True) or (ignores is not None and ignores.ignored(path, True)):
            return True
        return any(os.path.exists(path / marker) for marker in VENV_MARKERS)

    def _consider(self, path: Path) -> None:
        """A file found in a walk: checked when forced by the configuration or it looks like its kind."""
        kind = kind_of(path, self.kinds)
        if kind is None:
            self._skip(path, "not a request file type")
            return
        if self.forced(path):
            self._add(Candidate(path, kind.name, True))
        elif kind.sniff(path):
            self._add(Candidate(path, kind.name, False))
        else:
            self._skip(path, f"does not look like a {kind.name}")

    def _add(self, candidate: Candidate) -> None:
        key = os.path.abspath(candidate.path)
        if key not in self._seen:
            self._seen.add(key)
            self._result.candidates.append(candidate)

    def _skip(self, path: Path, reason: str) -> None:
        self._result.skipped.append(Skipped(display(path), reason))


def _sort_key(name: str) -> tuple[str, ...]:
    return tuple(PurePosixPath(name.replace(os.sep, "/")).parts)


def discover(
    paths: Iterable[str],
    *,
    root: Path | None = None,
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    forced: Callable[[Path], bool] | None = None,
    force_exclude: bool = False,
    kinds: Sequence[FileKind] | None = None,
) -> Discovery:
    """The files to check under ``paths`` (see the module docstring); never raises on the file system."""
    exclusions = Exclusions(
        root or Path.cwd(),
        tuple(DEFAULT_EXCLUDE if exclude is None else exclude),
        tuple(extend_exclude),
        respect_gitignore,
    )
    finder = Discoverer(exclusions, forced or (lambda path: False), force_exclude, kinds or KINDS)
    return finder.run(paths)


__all__ = [
    "DEFAULT_EXCLUDE", "KINDS", "Candidate", "Discovery", "Exclusions", "FileKind", "Skipped",
    "discover", "display", "looks_like_request", "sniff_request_file", "text_looks_like_request",
]
