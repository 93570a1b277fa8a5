"""Checking and fixing source files: the certain findings of each call site, on the right surface."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_preflight.files.documents import Document, FileProblem
from claude_preflight.report import Finding
from claude_preflight.source import read_source
from claude_preflight.source.comments import inline_suppressions
from claude_preflight.source.model import UNSENDABLE, Call, SourceDocument, certain, to_document

if TYPE_CHECKING:
    from claude_preflight.files.checking import Checker, FileResult, Options
    from claude_preflight.source.fix import SourceFixResult


class SourceProblem(ValueError):
    """A source text that cannot be read (raised by :func:`check_source` only)."""

    def __init__(self, problem: FileProblem) -> None:
        super().__init__(f"{problem.file}:{problem.line}:{problem.column}: {problem.message}")
        self.problem = problem


def _options(catalogue: Any, as_of: Any, surface: str | None, api_version: str | None) -> Options:
    from claude_preflight.api import resolve_catalogue, check_api_version
    from claude_preflight.dates import now_utc, parse_moment
    from claude_preflight.files.checking import Options

    cat = resolve_catalogue(catalogue)
    check_api_version(cat, api_version)
    return Options(catalogue=cat, as_of=now_utc() if as_of is None else parse_moment(as_of), surface=surface,
                   api_version=api_version)


# Surfaces an SDK client class can send to (the ones ``to_document`` can rebuild a request for).
CLIENT_SURFACES = ("anthropic", "bedrock-invoke", "bedrock", "vertex", "foundry", "aws-platform", "google-cloud")


def candidate_surfaces(doc: SourceDocument, catalogue: Any) -> list[str]:
    """The surfaces a call whose client class is not known goes to: the default surface when
    the written model has its ID form (or is not known), else every client surface whose
    model ID form it has (a Bedrock ID: both Bedrock clients; a Vertex ID: Vertex)."""
    call = doc.call
    model = call.body.get("model") if call is not None else None
    default = str(catalogue.settings.get("default_surface", "anthropic"))
    found = catalogue.lookup_any_surface(model) if isinstance(model, str) else None
    surface = catalogue.surfaces.get(default)
    if found is None or surface is None or found[0] == surface.model_ids:
        return [default]
    return [n for n in CLIENT_SURFACES if n in catalogue.surfaces and catalogue.surfaces[n].model_ids == found[0]]


def certain_on_surfaces(doc: Document, options: Options) -> list[Finding] | FileProblem:
    """:func:`certain` findings of a document; when its client's class is not known (and no
    surface was configured), those that hold on every :func:`candidate_surfaces`."""
    from claude_preflight.files.checking import check_document

    def run(item: Document) -> list[Finding] | FileProblem:
        return check_document(item, options)

    if not isinstance(doc, SourceDocument) or doc.surface_known or options.surface or doc.call is None:
        return certain(doc, run)
    surfaces = [s for s in candidate_surfaces(doc, options.catalogue) if (s, doc.call.kind) not in UNSENDABLE]
    kept: list[Finding] | None = None
    for surface in surfaces:
        outcome = certain(to_document(doc.file, doc.call, surface), run)
        if isinstance(outcome, FileProblem):
            return outcome
        if kept is None:
            kept = outcome
        else:
            keys = {(f.code, f.path) for f in outcome}
            kept = [f for f in kept if (f.code, f.path) in keys]
    return kept or []


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.line or 0, f.column or 0, f.code, f.path))


def check_source(path: str, text: str, *, as_of: Any = None, surface: str | None = None, api_version: str | None = None,
                 catalogue: Any = None, suppress: bool = True) -> list[Finding]:
    """The certain findings of every SDK call site in ``text`` (positions in ``path``).

    The keyword arguments are those of ``validate()``; ``surface`` applies where the
    client's class is not known. Inline ``claude-preflight: ignore`` comments apply unless
    ``suppress`` is false. A text that cannot be parsed raises :class:`SourceProblem`.
    """

    options = _options(catalogue, as_of, surface, api_version)
    found: list[Finding] = []
    for item in read_source(path, text, surface=surface):
        if isinstance(item, FileProblem):
            raise SourceProblem(item)
        outcome = certain_on_surfaces(item, options)
        if isinstance(outcome, FileProblem):
            raise SourceProblem(outcome)
        found.extend(outcome)
    if suppress:
        found = inline_suppressions(path, text).filter(found)
    return _ordered(found)


def check_source_file(checker: Checker, path: Path) -> FileResult:
    """The CLI's per-file step for a source file (what ``Checker.check_whole_file`` does for
    fixtures): read, check each call site, apply the configuration and inline comments."""
    from claude_preflight.files.checking import FileResult
    from claude_preflight.files.documents import read_text

    checker.checked.append(str(path))
    text, problem = read_text(path)
    if problem is not None or text is None:
        return FileResult(str(path), problems=[problem or FileProblem(str(path), 1, 1, "cannot read file")])
    return check_source_text(checker, str(path), text)


def check_source_text(checker: Checker, name: str, text: str) -> FileResult:
    """:func:`check_source_file` on a text already read (``name`` places the findings)."""
    from claude_preflight.files.checking import FileResult

    options = checker.options
    result = FileResult(name)
    for item in read_source(name, text, surface=options.surface):
        if isinstance(item, FileProblem):
            result.problems.append(item)
            continue
        result.requests += 1
        outcome = certain_on_surfaces(item, options)
        if isinstance(outcome, FileProblem):
            result.problems.append(outcome)
        else:
            result.findings.extend(outcome)
    findings = options.config.apply(_ordered(result.findings), name, checker.used_overrides)
    inline = inline_suppressions(name, text)
    findings = inline.filter(findings)
    for directive in inline.unused():
        selectors = "[" + ", ".join(directive.selectors) + "]" if directive.selectors else "(all)"
        meta = checker.meta("CF002", {"selectors": selectors}, file=name, line=directive.line, column=directive.column)
        findings.extend(options.config.apply(meta, name))
    result.findings = findings
    return result


def fix_source(path: str, text: str, options: Options | None = None, *, unsafe: bool = False,
               **validate_kwargs: Any) -> SourceFixResult:
    """Apply the safe literal fixes to a source text (idempotent, format-preserving).

    ``options`` are the CLI's (else built from ``validate()``-style keyword arguments).
    Findings that the configuration or an inline comment suppresses are not fixed.
    """
    from claude_preflight.source.fix import fix_text

    opts = options or _options(validate_kwargs.get("catalogue"), validate_kwargs.get("as_of"),
                               validate_kwargs.get("surface"), validate_kwargs.get("api_version"))

    def check(current: str) -> list[tuple[Call, list[Finding]]] | FileProblem:
        inline = inline_suppressions(path, current)
        found: list[tuple[Call, list[Finding]]] = []
        for item in read_source(path, current, surface=opts.surface):
            if isinstance(item, FileProblem):
                return item
            outcome = certain_on_surfaces(item, opts)
            if isinstance(outcome, FileProblem):
                return outcome
            if isinstance(item, SourceDocument) and item.call is not None:
                kept = inline.filter(opts.config.apply(outcome, path))
                found.append((item.call, kept))
        return found

    return fix_text(text, check, unsafe=unsafe)


def fix_source_file(path: str | Path, options: Options, *, unsafe: bool = False, diff: bool = False,
                    used: set[int] | None = None) -> Any:
    """``--fix`` for a source file: like ``fixing.files.fix_file`` (same result type, atomic
    write that keeps the encoding, ``diff=True`` writes nothing), with :func:`fix_source`."""
    from claude_preflight.source.fix import fix_file

    return fix_file(Path(path), options, unsafe=unsafe, diff=diff, used=used)
