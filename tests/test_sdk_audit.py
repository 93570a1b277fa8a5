"""The SDK audit: no gap between the catalogue and the pinned SDK outside the reviewed allow-list."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("anthropic")

from claude_preflight import sdk_audit  # noqa: E402
from claude_preflight.dates import parse_moment  # noqa: E402
from claude_preflight.sdk_audit import Gap, SdkFacts, audit, load_known, read_sdk, sdk_date, split  # noqa: E402

KNOWN = Path(__file__).parent / "data" / "sdk-audit-known.yaml"


@pytest.fixture(scope="module")
def facts() -> SdkFacts:
    return read_sdk()


def test_the_sdk_is_read(facts: SdkFacts) -> None:
    assert not facts.unreadable, facts.unreadable
    assert facts.models and facts.betas and facts.tool_types and facts.paths and facts.deprecated
    assert {"messages", "count_tokens", "batch"} <= set(facts.fields) and "max_tokens" in facts.fields["messages"]
    assert "/v1/messages" in facts.paths and facts.surface_paths.get("bedrock")


def test_no_gap_outside_the_reviewed_allow_list(catalogue, facts: SdkFacts) -> None:  # type: ignore[no-untyped-def]
    new, _, fixed = split(audit(catalogue, facts), load_known(KNOWN))
    assert not new, "gaps not in tests/data/sdk-audit-known.yaml (fix the catalogue or review them in):\n" + "\n".join(
        f"{g.key}: {g.detail}" for g in new
    )
    if fixed:  # not a failure: the catalogue caught up (another change may be doing it right now)
        import warnings

        warnings.warn(f"allow-list entries no longer found, remove them: {fixed}", stacklevel=1)


def test_the_audit_sees_each_kind_of_gap(catalogue, facts: SdkFacts) -> None:  # type: ignore[no-untyped-def]
    dropped_model = "claude-opus-5-5"
    dropped_beta = sorted(facts.betas & set(catalogue.betas))[0]
    elsewhere = next(e for e in catalogue.endpoints if e.surfaces and "bedrock" not in e.surfaces and "{" not in e.path)
    lagging = SdkFacts(
        version="test",
        models=(facts.models - {dropped_model}) | {"claude-opus-9-9"},
        deprecated={**facts.deprecated, "claude-sonnet-5-5": "March 1st, 2030", "claude-ghost-1": "someday",
                    "claude-opus-4-5": "March 2nd, 2030"},
        betas=(facts.betas - {dropped_beta}) | {"teleport-2099-01-01"},
        tool_types=facts.tool_types | {"teleport_20990101"},
        fields={**facts.fields, "messages": facts.fields["messages"] | {"teleport"}},
        paths=facts.paths | {"/v1/teleports/{teleport_id}"},
        surface_paths={**facts.surface_paths, "bedrock": facts.surface_paths.get("bedrock", set()) | {elsewhere.path}},
    )
    moment = parse_moment("2026-12-04")
    keys = {g.key for g in audit(catalogue, lagging, moment)} - {g.key for g in audit(catalogue, facts, moment)}
    assert keys == {
        "model-missing:claude-opus-9-9",
        f"model-not-in-sdk:{dropped_model}",
        "model-deprecation-missing:claude-sonnet-5-5",
        "model-retirement-missing:claude-sonnet-5-5",
        "model-retirement-differs:claude-opus-4-5",
        "deprecated-model-missing:claude-ghost-1",
        "beta-missing:teleport-2099-01-01",
        f"beta-not-in-sdk:{dropped_beta}",
        "tool-type-missing:teleport_20990101",
        "field-missing:messages.teleport",
        "path-unknown:/v1/teleports/{teleport_id}",
        f"path-not-on-surface:bedrock:{elsewhere.path}",
    }


def test_sdk_date() -> None:
    assert str(sdk_date("June 30th, 2026")) == "2026-06-30" and str(sdk_date("January 2, 2027")) == "2027-01-02"
    assert sdk_date("Febtember 1st, 2026") is None and sdk_date("February 30th, 2026") is None and sdk_date("") is None


def test_split() -> None:
    gaps = [Gap("a", "1"), Gap("b", "2")]
    assert split(gaps, {"a:1": "ok", "c:3": "gone"}) == ([Gap("b", "2")], [Gap("a", "1")], ["c:3"])


def test_main_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert sdk_audit.main(["--known", str(KNOWN)]) == 0
    assert "anthropic" in capsys.readouterr().out
