"""Check request files: read documents, validate each, place findings at file positions,
then apply the configuration and inline suppressions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from claude_preflight.rendering import render, show
from claude_preflight.config import Config
from claude_preflight.files.document_check import FileResult, Options, at_root, check_document, input_findings
from claude_preflight.files.documents import JSONL_SUFFIXES, YAML_SUFFIXES, Document, FileProblem, read_data, read_file, read_text
from claude_preflight.files.suppress import InlineSuppressions
from claude_preflight.report import Finding

if TYPE_CHECKING:
    from claude_preflight.files.discovery import Candidate, Discovery, FileKind


class Checker:
    """Checks files one by one and remembers which configured overrides were used."""

    def __init__(self, options: Options, jobs: int | None = None) -> None:
        self.options = options
        self.jobs = jobs
        self.used_overrides: set[int] = set()
        self.checked: list[str] = []

    def check_candidate(self, candidate: Candidate) -> FileResult:
        """Check one discovered file according to its kind (``files.discovery.KINDS``)."""
        path = Path(candidate.name)
        if candidate.kind == "source":  # SDK call sites in Python/TypeScript (claude_preflight.source)
            from claude_preflight.source import check_source_file

            return check_source_file(self, path)
        return self.check_file(path)

    def check_file(self, path: Path) -> FileResult:
        if path.suffix.lower() in JSONL_SUFFIXES:
            from claude_preflight.files.batch import check_jsonl

            self.checked.append(str(path))
            result = check_jsonl(path, self.options, self.jobs, used=self.used_overrides, whole_file=self.check_whole_file)
        else:
            result = self.check_whole_file(path)
        result.findings.sort(key=_position)
        return result

    def check_whole_file(self, path: Path) -> FileResult:
        """Read the whole file, then check its documents (JSONL files are usually streamed)."""
        self.checked.append(str(path))
        return self._check_items(str(path), read_file(path), path.suffix.lower(), None)

    def check_data(self, name: str, data: bytes, suffix: str = ".json") -> FileResult:
        """Check a file's content that is not on disk (standard input); ``name`` places it."""
        self.checked.append(name)
        text = None
        if suffix.lower() in YAML_SUFFIXES:
            text = data.decode("utf-8", errors="replace")
        result = self._check_items(name, read_data(name, data, suffix), suffix.lower(), text)
        result.findings.sort(key=_position)
        return result

    def _check_items(self, name: str, items: Iterable[Document | FileProblem], suffix: str, text: str | None) -> FileResult:
        path = Path(name)
        result = FileResult(name)
        batch_entries: list[Document] = []
        for item in items:
            if isinstance(item, FileProblem):
                result.problems.append(item)
                continue
            result.requests += 1
            if item.in_batch:
                batch_entries.append(item)
            outcome = check_document(item, self.options)
            if isinstance(outcome, FileProblem):
                result.problems.append(outcome)
            else:
                result.findings.extend(outcome)
        if batch_entries:
            result.findings.extend(self._custom_ids(batch_entries))
            result.findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.code))
        result.findings = self.options.config.apply(result.findings, name, self.used_overrides)
        if suffix in YAML_SUFFIXES:
            result.findings = self._inline(path, result.findings, text)
        return result

    def _custom_ids(self, entries: list[Document]) -> list[Finding]:
        """Batch-file rules that span lines: each entry's custom_id, and their uniqueness."""
        from claude_preflight.checks import endpoints
        from claude_preflight.checks.base import Hit
        from claude_preflight.engine.runner import to_finding

        catalogue = self.options.catalogue
        invalid, duplicate = catalogue.rule_by_code.get("EP004"), catalogue.rule_by_code.get("EP005")
        found: list[Finding] = []
        for doc in entries:
            reason = endpoints.custom_id_problem(doc.custom_id, invalid.params) if invalid else None
            if invalid is not None and reason is not None:
                hit = Hit("/custom_id", {"value": show(doc.custom_id, 40), "reason": reason})
                found.append(at_root(doc, to_finding(invalid, hit)))
        if duplicate is not None:
            for index, first in endpoints.duplicate_custom_ids(doc.custom_id for doc in entries):
                doc = entries[index]
                hit = Hit("/custom_id", {"value": show(doc.custom_id, 40), "first": f"{first} (line {entries[first].record})"})
                found.append(at_root(doc, to_finding(duplicate, hit)))
        return found

    def _inline(self, path: Path, findings: list[Finding], text: str | None = None) -> list[Finding]:
        if text is None:
            text, _ = read_text(path)
        inline = InlineSuppressions.parse(text or "")
        kept = inline.filter(findings)
        for directive in inline.unused():
            selectors = "[" + ", ".join(directive.selectors) + "]" if directive.selectors else "(all)"
            meta = self.meta("CF002", {"selectors": selectors}, file=str(path), line=directive.line, column=directive.column)
            kept.extend(self.options.config.apply(meta, str(path)))
        return kept

    def meta(self, code: str, args: dict[str, Any], **where: Any) -> list[Finding]:
        rule = self.options.catalogue.rule_by_code.get(code)
        if rule is None:
            return []
        return [Finding(rule.code, rule.name, rule.severity, render(rule.message, args), "", **where)]  # type: ignore[arg-type]

    def staleness(self, moment: datetime) -> list[Finding]:
        """One CF003 finding (for the whole run) when ``moment`` lies more than the configured
        number of days past the date the catalogue was last checked; none otherwise."""
        from claude_preflight.catalogue.staleness import stale_args

        args = stale_args(self.options.catalogue, moment, self.options.config.stale_after_days)
        if args is None:
            return []
        return self.options.config.apply(self.meta("CF003", args))

    def unused_overrides(self) -> list[Finding]:
        config = self.options.config
        found: list[Finding] = []
        for override in config.overrides:
            if override.index in self.used_overrides:
                continue
            relevant = any(any(_matches(config, f, p) for p in override.files) for f in self.checked)
            if relevant:
                args = {"index": override.index, "files": ", ".join(override.files), "pointer": override.pointer or "/"}
                file, line, column = config_position(config, "overrides", override.pointer)
                found.extend(self.meta("CF001", args, file=file, line=line, column=column))
        return config.apply(found)


def config_position(config: Config, key: str, value: str | None = None) -> tuple[str | None, int, int]:
    """The configuration file (as displayed) and the line/column of an entry of it."""
    from claude_preflight.files.discovery import display

    if config.path is None:
        return config.source, 1, 1
    where = config.where(key, value)
    parts = where.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return display(config.path), int(parts[1]), int(parts[2])
    return display(config.path), 1, 1


def _position(finding: Finding) -> tuple[int, int, str]:
    return (finding.line or 0, finding.column or 0, finding.code)


def _matches(config: Config, file: str, pattern: str) -> bool:
    from claude_preflight.config import glob_match

    rel = config.relative(file)
    return rel is not None and glob_match(rel, pattern)


def discover_for(paths: Iterable[str], config: Config, *, force_exclude: bool = False,
                 exclude: Sequence[str] | None = None, extend_exclude: Sequence[str] = (),
                 kinds: Sequence[FileKind] | None = None) -> Discovery:
    """Discover the files under ``paths`` with the configuration's exclusions and ``paths`` globs
    (``exclude``/``extend_exclude`` from the command line replace/extend the configured ones)."""
    from claude_preflight.files.discovery import DEFAULT_EXCLUDE, KINDS, discover
    from claude_preflight.source import source_kind

    root = config.root or Path.cwd()
    base = exclude if exclude is not None else (config.exclude if config.exclude is not None else DEFAULT_EXCLUDE)
    return discover(
        paths,
        root=root,
        exclude=base,
        extend_exclude=(*config.extend_exclude, *extend_exclude),
        respect_gitignore=config.respect_gitignore,
        forced=configured_paths(config),
        force_exclude=force_exclude,
        kinds=kinds if kinds is not None else (*KINDS, source_kind()),  # fixtures, and SDK calls in source
    )


def configured_paths(config: Config) -> Callable[[Path], bool]:
    """Whether a file matches the configuration's ``paths`` globs (relative to its folder)."""
    if not config.paths:
        return lambda path: False

    def forced(path: Path) -> bool:
        from claude_preflight.config import glob_match

        rel = config.relative(str(path))
        return rel is not None and any(glob_match(rel, pattern) for pattern in config.paths)

    return forced


def check_discovered(found: Discovery, options: Options, jobs: int | None = None) -> Iterator[FileResult]:
    """Check discovered files in order (sorted by path), then report unused overrides."""
    checker = Checker(options, jobs)
    problems = sorted(found.problems, key=lambda p: p.file)
    for problem in problems:
        yield FileResult(problem.file, problems=[problem])
    for candidate in found.candidates:
        yield checker.check_candidate(candidate)
    leftovers = checker.unused_overrides()
    if leftovers:
        yield FileResult(leftovers[0].file or "configuration", findings=leftovers)


def check_paths(paths: Iterable[str], options: Options, jobs: int | None = None) -> Iterator[FileResult]:
    """Check every request file under ``paths`` (discovered as ``check`` does);
    ``jobs`` worker processes for large JSONL files."""
    yield from check_discovered(discover_for(list(paths), options.config), options, jobs)


def check_file(path: Path, options: Options) -> FileResult:
    return Checker(options).check_file(path)


# Re-exported: the file front ends import these from here.
__all__ = ["Checker", "FileResult", "Options", "at_root", "check_discovered", "check_document", "check_file", "check_paths",
           "configured_paths", "discover_for", "input_findings"]
