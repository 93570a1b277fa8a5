"""The release check of docs/catalogue-release.md: every fact has a source, every rule a good and a bad example."""

from __future__ import annotations

from claude_preflight.catalogue.loader import MAP_SECTIONS, read_and_merge

# Rules about files, configuration or the checker itself: no request can show them, so their
# examples live in the tests of the front ends (tests/test_hostile_files.py, test_config.py...).
NOT_REQUEST_RULES = {
    "CF001": "unused configuration override (configuration, not a request)",
    "CF002": "unused inline suppression (a fixture file comment)",
    "CF003": "catalogue older than the request date (reported once per run by the engine, not by a request)",
    "IN001": "duplicate key in a JSON file (the file reader, not the parsed request)",
    "IN002": "NaN/Infinity in a JSON file (the file reader)",
    "IN004": "a Python value JSON cannot hold (the engine's door; tests/test_hostile_round2.py)",
    "PF900": "a check that raised (the engine)",
}
# Request rules whose bad examples YAML cannot hold; they have a good example, and bad ones in a test.
BAD_EXAMPLES_IN_TESTS = {
    "IN003": "a lone UTF-16 surrogate (libyaml refuses the escape): tests/test_input_rules.py",
}
# Sections whose entries are facts and must cite a source; request_fields and sources are excluded
# (field specs cite theirs per field where needed; a source is the citation itself).
FACT_SECTIONS = [s for s in MAP_SECTIONS if s not in ("sources", "request_fields")]


def test_every_fact_cites_a_known_source() -> None:
    merged = read_and_merge()
    known = set(merged.sections["sources"])
    missing = []
    for section in FACT_SECTIONS:
        for key, data in merged.sections[section].items():
            cited = data.get("sources") if isinstance(data, dict) else None
            if not cited or not set(cited) <= known:
                raw, where = merged.origin[(section, key)]
                missing.append(f"{raw.where(where)}: {section} {key!r} cites {cited!r}")
    for code, rule in merged.rules.items():
        if not rule.get("sources"):
            missing.append(f"rule {code} has no source")
    assert not missing, "facts without a (known) source:\n" + "\n".join(missing)


def test_every_rule_has_a_good_and_a_bad_example() -> None:
    from claude_preflight.catalogue import load_catalogue

    lacking = []
    for rule in load_catalogue().rules:
        examples = rule.examples or {}
        if rule.code not in NOT_REQUEST_RULES and not (examples.get("good") and (examples.get("bad") or rule.code in BAD_EXAMPLES_IN_TESTS)):
            lacking.append(rule.code)
    assert not lacking, f"rules without both a good and a bad example: {lacking}"


def test_exemptions_are_still_rules() -> None:
    from claude_preflight.catalogue import load_catalogue

    assert set(NOT_REQUEST_RULES) | set(BAD_EXAMPLES_IN_TESTS) <= set(load_catalogue().rule_by_code)
