"""A wheel built from the repository works from an unrelated directory (catalogue included)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(work / "dist"), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((work / "dist").glob("claude_preflight-*.whl"))
    env_dir = work / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    return env_dir


def test_wheel_checks_fixtures_outside_the_repo(installed: Path, tmp_path: Path) -> None:
    shutil.copy(REPO / "examples" / "bad" / "opus-4-8-sampling.yaml", tmp_path / "request.yaml")
    shutil.copy(REPO / "examples" / "good" / "small-request.json", tmp_path / "good.json")
    python = installed / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import claude_preflight.catalogue.loader as l; print(l.builtin_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert "site-packages" in where and str(REPO) not in where
    bad = subprocess.run([str(python), "-m", "claude_preflight.cli.main", "check", "--as-of", "2026-11-24", "request.yaml"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 1 and "SP002" in bad.stdout, bad.stdout + bad.stderr
    good = subprocess.run([str(python), "-m", "claude_preflight.cli.main", "check", "--as-of", "2026-11-24", "good.json"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
