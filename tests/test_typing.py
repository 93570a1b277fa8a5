"""The package passes its own ``[tool.mypy] strict = true`` (pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

pytest.importorskip("mypy")


def test_package_passes_mypy_strict() -> None:
    # The configuration (strict, packages) is read from pyproject.toml; the cache stays outside the tree.
    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "claude-preflight-mypy-cache")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", cache, "--no-error-summary"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
