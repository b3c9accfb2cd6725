"""The pre-commit hook, run by the real pre-commit in a throwaway git repository.

CI has no network for pre-commit to build the hook's own environment from this repository
(`language: python` pip-installs pipegen and its dependencies), so the test turns the hook
definition from .pre-commit-hooks.yaml into a `repo: local` hook with `language: system`,
which runs the pipegen installed beside the tests. Everything else (entry, args, file
patterns, pass_filenames) is the published definition, and pre-commit decides pass or fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_pipegen
from helpers import DEMO_SPEC

SPEC = DEMO_SPEC


def published_hook() -> dict:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    return hook


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert run(repo, "git", "init", "-q").returncode == 0
    hook = {k: v for k, v in published_hook().items() if k != "language"}
    hook["language"] = "system"
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (repo / "pipelines").mkdir()
    (repo / "pipelines" / "demo.yaml").write_text(SPEC, encoding="utf-8")
    proc = run_pipegen("compile", "pipelines", "-o", "templates", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    return repo


def test_the_published_hook():
    hook = published_hook()
    assert hook["id"] == "pipegen-check"
    assert hook["entry"] == "pipegen check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["args"] == [".", "--templates", "templates"]


def test_the_hook_passes_on_a_fresh_template_and_fails_on_a_stale_one(repo):
    assert run(repo, "git", "add", "-A").returncode == 0
    proc = run(repo, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pipegen check (templates match their specs)" in proc.stdout
    assert "Passed" in proc.stdout
    commit = run(repo, "git", "commit", "-q", "-m", "pipeline and template")
    assert commit.returncode == 0, commit.stderr

    # Edit the spec without recompiling: the committed template is now stale.
    spec = repo / "pipelines" / "demo.yaml"
    spec.write_text(SPEC.replace("branch: main", "branch: release"), encoding="utf-8")
    assert run(repo, "git", "add", "-A").returncode == 0
    proc = run(repo, sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert ("error PG601 templates/demo.json is stale: it differs from a fresh compile of "
            "pipelines/demo.yaml") in proc.stdout
    assert re.search(r'^- +"BranchName": "main",$', proc.stdout, re.MULTILINE)
    assert re.search(r'^\+ +"BranchName": "release",$', proc.stdout, re.MULTILINE)
    # and pre-commit as a git hook refuses the commit
    assert run(repo, sys.executable, "-m", "pre_commit", "install").returncode == 0
    commit = run(repo, "git", "commit", "-q", "-m", "stale")
    assert commit.returncode == 1
    assert "PG601" in commit.stdout + commit.stderr
