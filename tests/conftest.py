"""Shared fixtures: paths, one cfn-lint runner for the session, a CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TEMPLATES = ROOT / "templates"


@pytest.fixture(scope="session")
def linter():
    from pipegen.lint import Linter

    return Linter()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None):
    """Run the real entry point in a subprocess; returns CompletedProcess with text output."""
    return subprocess.run([sys.executable, "-m", "pipegen", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env)


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec file from text and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_pipegen(*args: str, cwd: Path | None = None, env: dict | None = None):
    """Run the installed `pipegen` console script (the command users type) in a subprocess."""
    script = Path(sys.executable).parent / "pipegen"
    return subprocess.run([str(script), *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env)
