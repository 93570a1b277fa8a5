from __future__ import annotations

from pathlib import Path

import pytest

from claude_preflight.catalogue import Catalogue, load_catalogue

REPO = Path(__file__).resolve().parent.parent
# Examples and fixtures are evaluated on a fixed date so results do not drift with the calendar.
CATALOGUE_DATE = "2026-11-24"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


def minimal(model: str = "claude-sonnet-4-6", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}
    body.update(extra)
    return body
