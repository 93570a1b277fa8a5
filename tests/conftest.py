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
