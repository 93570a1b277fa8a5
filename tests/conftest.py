from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_preflight.catalogue import Catalogue, load_catalogue

REPO = Path(__file__).resolve().parent.parent
# Examples and fixtures are evaluated on a fixed date so results do not drift with the calendar.
CATALOGUE_DATE = "2026-11-24"


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI picks GitHub annotations under GITHUB_ACTIONS; tests choose formats explicitly."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never write the compiled-catalogue cache into the user's ~/.cache."""
    os.environ["CLAUDE_PREFLIGHT_CACHE_DIR"] = str(tmp_path_factory.mktemp("catalogue-cache"))


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


def minimal(model: str = "claude-sonnet-4-6", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}
    body.update(extra)
    return body


# ------------------------------------------------------------------ plan-vs-reference audit
#
# Two fast paths must never change an answer, so throughout the test suite every request is
# also run through the plain reference path and the results must be identical:
# * the check index (claude_preflight.engine.index): checks may declare the top-level fields
#   and block types they inspect and the runner skips them for requests that have none; every
#   run is repeated with the index off;
# * the acceptor (claude_preflight.engine.acceptor), which returns the empty report without
#   running the checks when it can prove that none fires: every report it gives is compared
#   with the reference path (acceptor off, index off). Until api.run_request calls the
#   acceptor itself, the audit installs that hook for the suite.
# Tests that count check calls opt out with @pytest.mark.no_index_audit.


def _finding_keys(findings: list) -> list[tuple]:
    return [(f.code, f.path, f.severity, f.message, f.fix, f.edits) for f in findings]


def _report_keys(report) -> tuple:  # type: ignore[no-untyped-def]
    return (_finding_keys(list(report.findings)), report.model, report.surface, report.api_version, report.as_of,
            report.endpoint)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_index_audit: do not also run each request with the check index off")


@pytest.fixture(autouse=True)
def _index_audit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("no_index_audit"):
        return
    from claude_preflight import api
    from claude_preflight.engine import acceptor, runner

    original = runner.run

    def run_both_ways(ctx, base="", *, use_index=None):  # type: ignore[no-untyped-def]
        indexed = original(ctx, base, use_index=use_index)
        if use_index is False:
            return indexed
        full = original(ctx, base, use_index=False)
        got, expected = _finding_keys(indexed), _finding_keys(full)
        if got != expected:
            seen = set(got)
            missing = [k for k in expected if k not in seen]
            raise AssertionError("a check's @inspects declaration hides findings: " + repr(missing[:3]))
        return indexed

    monkeypatch.setattr(runner, "run", run_both_ways)

    original_accept = acceptor.accept
    hooked = "acceptor" in api.run_request.__code__.co_names
    plain_run_request = api.run_request

    def audited_accept(cat, body, **kwargs):  # type: ignore[no-untyped-def]
        fast = original_accept(cat, body, **kwargs)
        if fast is not None:
            reference = acceptor.reference_report(plain_run_request, cat, body, **kwargs)
            if fast != reference or _report_keys(fast) != _report_keys(reference):
                raise AssertionError("the acceptor accepted a request the reference path reports on: "
                                     + repr(_report_keys(reference))[:600])
        return fast

    monkeypatch.setattr(acceptor, "accept", audited_accept)
    if not hooked:
        def run_request_with_acceptor(cat, body, **kwargs):  # type: ignore[no-untyped-def]
            fast = acceptor.accept(cat, body, **kwargs, sort=api.sort_findings)
            return fast if fast is not None else plain_run_request(cat, body, **kwargs)

        monkeypatch.setattr(api, "run_request", run_request_with_acceptor)
        import importlib

        for name in ("claude_preflight.files.document_check", "claude_preflight.files.checking"):
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            if getattr(module, "run_request", None) is plain_run_request:  # imported by name
                monkeypatch.setattr(module, "run_request", run_request_with_acceptor)
