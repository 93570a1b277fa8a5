"""The catalogue: shipped files are valid and cited; user files add, override and fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from claude_preflight import validate
from claude_preflight.catalogue import Catalogue, load_catalogue
from claude_preflight.errors import CatalogueError
from conftest import minimal


def test_shipped_catalogue_loads(catalogue: Catalogue) -> None:
    assert len(catalogue.models) > 30
    assert {"anthropic", "aws-platform", "bedrock", "vertex", "google-cloud", "foundry"} <= set(catalogue.surfaces)
    assert {"2023-06-01", "2026-10-21"} <= set(catalogue.api_versions)
    assert catalogue.api_versions["2026-10-21"].removed_fields >= {"temperature", "top_p", "top_k"}


def test_every_rule_is_complete(catalogue: Catalogue) -> None:
    for rule in catalogue.rules:
        assert re.fullmatch(r"[A-Z]{2}\d{3}", rule.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
        assert rule.sources and all(s in catalogue.sources for s in rule.sources)
        assert len(rule.explanation) > 60, rule.code
        assert rule.fn is not None


def test_every_model_cites_sources(catalogue: Catalogue) -> None:
    for model in catalogue.models.values():
        assert model.sources
        for event in model.lifecycle:
            assert event.sources and all(s in catalogue.sources for s in event.sources)


SHIPPED_RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.mark.parametrize(
    "path", sorted(SHIPPED_RULES.rglob("*.yaml")), ids=lambda p: str(p.relative_to(SHIPPED_RULES))
)
def test_shipped_file_loads_with_plain_safe_load(path: Path) -> None:
    """Every shipped catalogue file is plain YAML: ``yaml.safe_load`` reads it as the loader does."""
    from claude_preflight.files import yaml_source

    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == yaml_source.load(text)


def test_sources_are_https(catalogue: Catalogue) -> None:
    assert all(s.url.startswith("https://") for s in catalogue.sources.values())


def test_key_models_facts(catalogue: Catalogue) -> None:
    opus48 = catalogue.models["claude-opus-4-8"]
    assert opus48.sampling == "rejected"
    assert "enabled" not in opus48.thinking_modes and "adaptive" in opus48.thinking_modes
    assert opus48.mid_conversation_system is True
    assert catalogue.models["claude-sonnet-4-6"].mid_conversation_system is False
    assert catalogue.lookup_model("claude-opus-4-0", None).model.id == "claude-opus-4-20250514"  # type: ignore[union-attr]
    assert catalogue.lookup_model("claude-3-5-sonnet-latest", None) is not None


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_overrides_a_model(tmp_path: Path) -> None:
    # An organisation restores a model before the package is updated.
    path = write(
        tmp_path,
        "org.yaml",
        'models:\n  claude-fable-5:\n    lifecycle:\n      - {event: launched, at: "2026-06-09", sources: [org-note]}\n'
        'sources:\n  org-note: {title: Internal note, url: "https://example.com/note"}\n',
    )
    custom = load_catalogue([path])
    report = validate(minimal("claude-fable-5"), as_of="2026-06-20", catalogue=custom)
    assert "LC004" not in report.codes()
    assert "LC004" in validate(minimal("claude-fable-5"), as_of="2026-06-20").codes()


def test_user_file_adds_a_model(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "new.yaml",
        "models:\n  claude-opus-6:\n    display_name: Claude Opus 6\n    sampling: rejected\n"
        '    lifecycle: [{event: launched, at: "2026-12-01", sources: [org]}]\n    sources: [org]\n'
        'sources:\n  org: {title: Launch post, url: "https://example.com/opus-6"}\n',
    )
    custom = load_catalogue([path])
    assert "LC001" not in validate(minimal("claude-opus-6"), as_of="2026-12-02", catalogue=custom).codes()
    assert "SP002" in validate(minimal("claude-opus-6", temperature=1), as_of="2026-12-02", catalogue=custom).codes()
    assert "LC005" in validate(minimal("claude-opus-6"), as_of="2026-11-24", catalogue=custom).codes()


def test_user_file_changes_rule_severity(tmp_path: Path) -> None:
    path = write(tmp_path, "sev.yaml", "rules:\n  - code: LC001\n    severity: error\n")
    custom = load_catalogue([path])
    finding = next(f for f in validate(minimal("nonsense-model"), as_of="2026-11-24", catalogue=custom).findings if f.code == "LC001")
    assert finding.severity == "error"


def test_schema_error_reported_at_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "models:\n  claude-x:\n    display_name: X\n    sampling: sometimes\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path])
    text = str(info.value)
    assert f"{path}:4:15" in text and "sometimes" in text


def test_new_entry_must_be_complete(tmp_path: Path) -> None:
    path = write(tmp_path, "partial.yaml", "models:\n  claude-y:\n    display_name: Y\n")
    with pytest.raises(CatalogueError, match="after merging.*required"):
        load_catalogue([path])


def test_conflicting_overrides(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", "rules:\n  - code: LC001\n    severity: error\n")
    two = write(tmp_path, "two.yaml", "rules:\n  - code: LC001\n    severity: info\n")
    with pytest.raises(CatalogueError, match="conflicting override"):
        load_catalogue([one, two])


def test_unknown_check_and_source_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rule.yaml",
        "rules:\n  - {code: ZZ001, name: zz, severity: error, summary: s, message: m, explanation: e, sources: [nope], check: os.system}\n",
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path])
    assert "unknown check 'os.system'" in str(info.value)
    assert "unknown source 'nope'" in str(info.value)


def test_yaml_tags_never_construct(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, "evil.yaml", f"models: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CatalogueError, match="invalid YAML"):
        load_catalogue([path])
    assert not marker.exists()


def test_invalid_yaml_reported_with_position(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "models:\n  a: [1, 2\n")
    with pytest.raises(CatalogueError) as info:
        load_catalogue([path])
    assert f"{path}:" in str(info.value)


def test_load_is_cached(catalogue: Catalogue) -> None:
    assert load_catalogue() is catalogue


# Every recorded conflict between sources, by rule and topic: a new one must be added here, so it
# is visible in review (issue 17 item 3).
RECORDED_CONFLICTS = {
    ("SP002", "temperature 1 on Opus 4.8"),
    ("CA005", "the minimum cacheable prefix of Opus 4.8, Opus 4.7, Sonnet 4.6 and Fable 5"),
    ("HD006", "whether the Claude API still accepts effort-2025-11-24 now that effort is GA"),
    ("SM002", "mid-conversation system messages on Bedrock, Google Cloud and Foundry"),
    ("SF010", "structured outputs (output_config.format) for Claude Haiku 4.5 on Vertex AI and Bedrock"),
    ("HD006", "which anthropic_beta values Bedrock refused for Claude Opus 4.7"),
    ("TH001", "budget thinking in the official SDK examples for Claude Sonnet 5"),
    ("TH006", "forced tool use with adaptive thinking"),
    ("TL021", "a tool_use id repeated in a later turn"),
    ("SM006", "consecutive mid-conversation system messages"),
    ("MD004", "an image whose declared type names another known format"),
}


def test_every_recorded_conflict_is_listed(catalogue: Catalogue) -> None:
    found = {(rule.code, conflict.topic) for rule, conflict in catalogue.conflicts()}
    assert found == RECORDED_CONFLICTS


def test_conflicts_cite_known_sources_and_declare_a_policy(catalogue: Catalogue) -> None:
    for rule, conflict in catalogue.conflicts():
        assert len(conflict.claims) >= 2 and conflict.policy
        for claim in conflict.claims:
            assert claim.sources and all(s in catalogue.sources for s in claim.sources), (rule.code, claim)
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", claim.date), (rule.code, claim)
        text = conflict.describe(catalogue.sources)
        assert text.startswith(f"Conflict: {conflict.topic}") and "Policy: " in text
        assert all(catalogue.sources[s].url in text for claim in conflict.claims for s in claim.sources)
        assert all(f"- {claim.date}: " in text for claim in conflict.claims), text


def test_a_conflict_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    text = (
        "rules:\n  - code: SM002\n    conflicts:\n      - topic: t\n        claims:\n"
        "          - {says: a, sources: [d-midconv], date: '2026-01-02'}\n"
        "          - {says: b, sources: [no-such-source], date: '2026-01-03'}\n"
        "        policy: p\n"
    )
    path = tmp_path / "conflict.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="no-such-source"):
        load_catalogue([path])


def test_a_conflict_claim_without_a_date_is_refused(tmp_path: Path) -> None:
    """Each claim carries its date (issue 17 item 3), so a reader can tell which is newer."""
    text = (
        "rules:\n  - code: SM002\n    conflicts:\n      - topic: t\n        claims:\n"
        "          - {says: a, sources: [d-midconv], date: '2026-01-02'}\n"
        "          - {says: b, sources: [aws-bedrock-mcsm]}\n"
        "        policy: p\n"
    )
    path = tmp_path / "undated.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="date"):
        load_catalogue([path])


def test_feature_betas_are_known_and_one_entry_per_feature(catalogue: Catalogue) -> None:
    """A feature, its beta header, its surfaces and its dates are one entry (issue 17 item 4)."""
    from claude_preflight.checks.headers import feature_detectors

    with_beta = {key: f["beta"] for key, f in catalogue.features.items() if "beta" in f}
    assert {"task-budgets", "mcp-connector", "skills", "context-editing", "tool-input-examples"} <= set(with_beta)
    for key, beta in with_beta.items():
        assert set(beta["names"]) <= set(catalogue.betas), key
    detectors = feature_detectors(catalogue)
    assert {d["name"] for d in detectors} == {b["label"] for b in with_beta.values()}
    assert not catalogue.rule("HD009").params.get("detectors")  # nothing described twice
