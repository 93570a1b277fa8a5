"""pytest plugin (registered by the ``pytest11`` entry point).

Two things, both off until asked for:

* **Request fixture files as tests.** Files matched by the ``preflight_paths`` ini
  option (globs relative to the rootdir; with ``--preflight`` also the ``paths`` of
  ``[tool.claude-preflight]``) are collected as test items: one per JSON or YAML
  file, one per line of a JSONL batch file. An item fails with its findings
  (``file:line:col: CODE severity name: message``) when one is at or above the
  failing severity, or with the problem when the file cannot be read.
* **Checks inside your tests.** The ``preflight`` fixture (``preflight.check(body)``)
  and :func:`assert_preflight` check the request your code builds.

Ini options ``preflight_surface``, ``preflight_as_of``, ``preflight_api_version`` and
``preflight_fail_on`` give defaults (a fixture file's envelope wins over them; they win
over ``[tool.claude-preflight]``, whose select/ignore/severity/per-file-ignores and
overrides apply as in the CLI). Loading the plugin imports nothing heavy: the
catalogue is read only when a fixture file is collected or the fixture is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from claude_preflight.dates import now_utc

from claude_preflight.report import SEVERITY_RANK
from claude_preflight.testing import assert_preflight, check_with, format_failure, render_finding

if TYPE_CHECKING:
    from claude_preflight.catalogue import Catalogue
    from claude_preflight.config import Config
    from claude_preflight.files.checking import Checker, FileResult
    from claude_preflight.files.documents import FileProblem
    from claude_preflight.report import Finding, Report

__all__ = ["Preflight", "PreflightFile", "PreflightItem", "assert_preflight"]

_SUFFIXES = (".json", ".yaml", ".yml", ".jsonl", ".ndjson")
_JSONL = (".jsonl", ".ndjson")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "preflight_paths",
        "claude-preflight: globs (relative to the rootdir) of request fixture files to check as tests",
        type="linelist",
        default=[],
    )
    parser.addini("preflight_surface", "claude-preflight: default surface of requests (anthropic, bedrock, vertex, ...)", default="")
    parser.addini("preflight_as_of", "claude-preflight: check requests as if sent at this date (default: now)", default="")
    parser.addini("preflight_api_version", "claude-preflight: API version when a request does not say", default="")
    parser.addini("preflight_fail_on", "claude-preflight: lowest severity that fails (error, warning, info)", default="")
    group = parser.getgroup("claude-preflight")
    group.addoption(
        "--preflight",
        action="store_true",
        default=False,
        help="check request fixture files from preflight_paths and from 'paths' in [tool.claude-preflight]",
    )


# ----------------------------------------------------------------------------- settings


class Settings:
    """The plugin's defaults, resolved on first use (reading the catalogue is not free)."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        self.root = Path(config.rootpath)
        self._ready = False

    def _ini(self, name: str) -> str:
        value = self.pytest_config.getini(name)
        return str(value).strip() if value else ""

    def resolve(self) -> Settings:
        if self._ready:
            return self
        from claude_preflight.catalogue import load_catalogue
        from claude_preflight.config import ConfigError, load_config
        from claude_preflight.dates import parse_moment
        from claude_preflight.errors import CatalogueError

        try:
            self.config: Config = load_config(self.root)
            self.catalogue: Catalogue = load_catalogue(self.config.catalogue)
            self.config.check_selectors(self.catalogue)  # a typo must not switch checks off
        except (ConfigError, CatalogueError) as exc:
            raise pytest.UsageError(f"claude-preflight: {exc}") from None
        self.fail_on = self._ini("preflight_fail_on") or self.config.fail_on
        if self.fail_on not in SEVERITY_RANK:
            raise pytest.UsageError(f"claude-preflight: preflight_fail_on must be error, warning or info, not {self.fail_on!r}")
        self.surface = self._ini("preflight_surface") or self.config.surface
        if self.surface and self.surface not in self.catalogue.surfaces:
            known = ", ".join(sorted(self.catalogue.surfaces))
            raise pytest.UsageError(f"claude-preflight: unknown surface {self.surface!r} (known: {known})")
        self.api_version = self._ini("preflight_api_version") or self.config.api_version
        if self.api_version and self.api_version not in self.catalogue.api_versions:
            known = ", ".join(sorted(self.catalogue.api_versions))
            raise pytest.UsageError(f"claude-preflight: unknown API version {self.api_version!r} (known: {known})")
        as_of = self._ini("preflight_as_of")
        try:
            self.as_of = parse_moment(as_of, what="preflight_as_of") if as_of else None
        except (TypeError, ValueError) as exc:
            raise pytest.UsageError(f"claude-preflight: {exc}") from None
        self._ready = True
        return self

    def options(self) -> Any:
        from claude_preflight.files.checking import Options

        return Options(catalogue=self.catalogue, as_of=self.as_of, surface=self.surface, api_version=self.api_version, config=self.config)


class Collection:
    """Which files are request fixtures in this run, and the checker shared by their items."""

    def __init__(self, settings: Settings, patterns: list[str], with_config_paths: bool) -> None:
        self.settings = settings
        self.files: set[Path] = set()
        self._checker: Checker | None = None
        globs = [(settings.root, p) for p in patterns]
        if with_config_paths:
            settings.resolve()
            base = settings.config.root or settings.root
            globs.extend((base, p) for p in settings.config.paths)
        for base, pattern in globs:
            try:
                found = base.glob(pattern)
                self.files.update(p.resolve() for p in found if p.suffix.lower() in _SUFFIXES and p.is_file())
            except (OSError, ValueError, NotImplementedError) as exc:
                raise pytest.UsageError(f"claude-preflight: bad glob {pattern!r}: {exc}") from None

    def matches(self, path: Path) -> bool:
        try:
            return path.resolve() in self.files
        except OSError:
            return False

    @property
    def checker(self) -> Checker:
        if self._checker is None:
            from claude_preflight.files.checking import Checker

            self._checker = Checker(self.settings.resolve().options())
        return self._checker


_SETTINGS = pytest.StashKey[Settings]()
_COLLECTION = pytest.StashKey[Collection]()


def settings_of(config: pytest.Config) -> Settings:
    found = config.stash.get(_SETTINGS, None)
    if found is None:
        found = config.stash[_SETTINGS] = Settings(config)
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "preflight: a request fixture file checked by claude-preflight")
    patterns = [p for p in (config.getini("preflight_paths") or []) if p.strip()]
    flag = bool(config.getoption("preflight", False))
    if not patterns and not flag:
        return
    settings = settings_of(config)
    settings.resolve()  # bad options are usage errors now, not failures of every item
    collection = Collection(settings, patterns, flag)
    config.stash[_COLLECTION] = collection
    _add_outside_files(config, collection)


def _add_outside_files(config: pytest.Config, collection: Collection) -> None:
    """When pytest runs its ``testpaths`` (no paths on the command line), also collect the
    matched files that lie outside them. Paths given on the command line are respected."""
    if getattr(config, "args_source", None) != pytest.Config.ArgsSource.TESTPATHS:
        return
    bases = []
    for arg in config.args:
        try:
            bases.append(Path(config.invocation_params.dir, arg.split("::", 1)[0]).resolve())
        except OSError:
            continue
    extra = sorted(str(f) for f in collection.files if not any(f == b or b in f.parents for b in bases))
    if extra:
        config.args = [*config.args, *extra]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PreflightFile | None:
    collection = parent.config.stash.get(_COLLECTION, None)
    if collection is None or file_path.suffix.lower() not in _SUFFIXES or not collection.matches(file_path):
        return None
    return PreflightFile.from_parent(parent, path=file_path)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Configured overrides that suppressed nothing in the checked files (rule CF001), and once
    per session whether the catalogue is old for the date checked (rule CF003)."""
    collection = config.stash.get(_COLLECTION, None)
    if collection is None or collection._checker is None:
        return
    checker = collection.checker
    notes = checker.unused_overrides() + checker.staleness(checker.options.as_of or now_utc())
    if notes:
        terminalreporter.section("claude-preflight")
        for finding in notes:
            terminalreporter.line(render_finding(finding, finding.file))


# ----------------------------------------------------------------------------- fixture files


class PreflightFile(pytest.File):
    """A request fixture file; its items share one check of the file."""

    _result: FileResult | None = None

    def collect(self) -> Iterator[PreflightItem]:
        if self.path.suffix.lower() in _JSONL:
            from claude_preflight.files.documents import jsonl_lines, read_text

            text, _ = read_text(self.path)
            lines = [number for number, _line in jsonl_lines(text or "")]
            if lines:
                for number in lines:
                    yield PreflightItem.from_parent(self, name=f"line{number}", record=number)
                return
        yield PreflightItem.from_parent(self, name="preflight", record=None)

    def result(self) -> FileResult:
        if self._result is None:
            self._result = self.config.stash[_COLLECTION].checker.check_file(self.path)
        return self._result


class PreflightFailure(Exception):
    """The findings or problems that fail one item."""

    def __init__(self, where: str, problems: list[FileProblem], findings: list[Finding], failing: int, fail_on: str) -> None:
        super().__init__(where)
        self.where = where
        self.problems = problems
        self.findings = findings
        self.failing = failing
        self.fail_on = fail_on


class PreflightItem(pytest.Item):
    def __init__(self, *, record: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        self.add_marker("preflight")

    def _mine(self, line: int | None) -> bool:
        return self.record is None or line == self.record

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, PreflightFile)
        result = parent.result()
        fail_on = self.config.stash[_COLLECTION].settings.resolve().fail_on
        problems = [p for p in result.problems if self._mine(p.line)]
        findings = [f for f in result.findings if self._mine(f.line)]
        rank = SEVERITY_RANK[fail_on]
        failing = sum(1 for f in findings if SEVERITY_RANK.get(f.severity, 2) >= rank)
        self.user_properties.append(("preflight_findings", len(findings)))
        if problems or failing:
            raise PreflightFailure(self._relative(str(self.path)), problems, findings, failing, fail_on)
        if findings:  # below the failing severity: shown with -rP
            self.add_report_section("call", "claude-preflight", "\n".join(self._line(f) for f in findings))

    def _relative(self, file: str | None) -> str:
        if not file:
            return "?"
        try:
            return Path(file).resolve().relative_to(Path(self.config.rootpath).resolve()).as_posix()
        except (ValueError, OSError):
            return file

    def _line(self, finding: Finding) -> str:
        where = f"{self._relative(finding.file)}:{finding.line}:{finding.column}" if finding.file else None
        return render_finding(finding, where)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        error = excinfo.value
        if not isinstance(error, PreflightFailure):
            return super().repr_failure(excinfo)
        lines = []
        if error.problems:
            lines.append(f"claude-preflight: cannot check {error.where}:")
            lines.extend(f"{self._relative(p.file)}:{p.line}:{p.column}: {p.message}" for p in error.problems)
        if error.failing:
            lines.append(f"claude-preflight: {error.failing} finding(s) at or above {error.fail_on!r} in {error.where}:")
        if error.findings:
            if not error.failing:
                lines.append("findings:")
            lines.extend(self._line(f) for f in error.findings)
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        # shown as the failure headline: "file" or "file:line" (never a suffix of the node id,
        # which pytest would rewrite in verbose output)
        where = self._relative(str(self.path)) + (f":{self.record}" if self.record else "")
        return self.path, (self.record - 1 if self.record else None), where


# ----------------------------------------------------------------------------- in tests


class Preflight:
    """The ``preflight`` fixture: check requests with the run's defaults.

    ``check(request, **kwargs)`` asserts and returns the report; ``validate(request,
    **kwargs)`` only returns it. ``request`` is anything :func:`assert_preflight`
    accepts; ``kwargs`` are those of :func:`claude_preflight.validate` plus ``fail_on``.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def defaults(self) -> dict[str, Any]:
        s = self._settings.resolve()
        found: dict[str, Any] = {"catalogue": s.catalogue}
        if s.surface:
            found["surface"] = s.surface
        if s.as_of is not None:
            found["as_of"] = s.as_of
        if s.api_version:
            found["api_version"] = s.api_version
        return found

    @property
    def fail_on(self) -> str:
        return str(self._settings.resolve().fail_on)

    def validate(self, request: Any, **kwargs: Any) -> Report:
        return check_with(request, config=self._settings.resolve().config, defaults=self.defaults, **kwargs)

    def check(self, request: Any, *, fail_on: str | None = None, **kwargs: Any) -> Report:
        __tracebackhide__ = True
        level = fail_on or self.fail_on
        if level not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be one of error, warning, info, not {level!r}")
        report = self.validate(request, **kwargs)
        failing = report.at_least(level)
        if failing:
            raise AssertionError(format_failure(report, failing, level))
        return report

    __call__ = check


@pytest.fixture
def preflight(request: pytest.FixtureRequest) -> Preflight:
    """Check a request your code builds: ``preflight.check(body)`` fails the test with the findings."""
    return Preflight(settings_of(request.config))
