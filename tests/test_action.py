"""action.yml, the composite GitHub Action: its shell steps run here as GitHub would run them.

GitHub's runner is not available in tests, so each `run:` script is executed with bash and the
environment the runner would give it (inputs via `env:`, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY),
in a throwaway git repository whose second commit leaves a template stale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_pipegen
from helpers import DEMO_SPEC

ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEPS = {s["name"]: s for s in ACTION["runs"]["steps"]}
SPEC = DEMO_SPEC


def test_the_action_declares_what_it_uses():
    assert ACTION["runs"]["using"] == "composite"
    text = (ROOT / "action.yml").read_text("utf-8")
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used <= set(ACTION["inputs"]), used - set(ACTION["inputs"])
    assert "pipegen check $SPECS --templates \"$TEMPLATES\" --output github" in \
        STEPS["pipegen check"]["run"]
    assert "--output markdown" in STEPS["pipegen diff"]["run"]
    assert all(s.get("shell") == "bash" for s in ACTION["runs"]["steps"] if "run" in s)


def git(cwd, *args):
    proc = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def step(name: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    full = {**os.environ, **env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-e", "-c", STEPS[name]["run"]], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_check_annotates_diff_reports_and_the_job_fails_on_a_stale_template(tmp_path):
    repo = tmp_path / "repo"
    (repo / "pipelines").mkdir(parents=True)
    git(repo, "init", "-q")
    spec = repo / "pipelines" / "demo.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert run_pipegen("compile", "pipelines", "-o", "templates", "--no-lint",
                       cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    # The pull request edits the spec but forgets to recompile.
    spec.write_text(SPEC.replace("branch: main", "branch: release"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "change the branch")

    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {"SPECS": "pipelines", "TEMPLATES": "templates", "STRICT": "false", "BASE": "HEAD~1",
           "COMMENT": "false", "PR": "", "GH_TOKEN": "", "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path)}
    check = step("pipegen check", repo, env)
    assert check.returncode == 0, check.stderr  # recorded, not raised: the diff still runs
    assert output.read_text("utf-8") == "status=1\n"
    assert check.stdout.startswith("::error title=PG601::templates/demo.json is stale: it "
                                   "differs from a fresh compile of pipelines/demo.yaml")

    diff = step("pipegen diff", repo, env)
    assert diff.returncode == 0, diff.stderr
    report = summary.read_text("utf-8")
    assert report.startswith("## pipegen diff\n\n1 of 1 pipeline(s) change.\n\n"
                             "### `pipelines/demo.yaml`: pipeline "
                             "`Pipeline`\n\nCompared with `templates/demo.json at HEAD~1`.")
    # the base commit's template is the one committed: the diff shows nothing changed in it,
    # and the spec's fresh compile shows the branch change
    assert "`Configuration.BranchName`: `main` → `release`" in report
    assert diff.stdout == report  # COMMENT false: printed to the log as well

    final = step("Fail when the check failed", repo, {"STATUS": "1"})
    assert final.returncode == 1
    assert step("Fail when the check failed", repo, {"STATUS": "0"}).returncode == 0


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_diff_is_posted_as_a_comment_with_gh(tmp_path):
    repo = tmp_path / "repo"
    (repo / "pipelines").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "pipelines" / "demo.yaml").write_text(SPEC, encoding="utf-8")
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "gh.log"
    # A stand-in for the GitHub CLI: no earlier comment to edit, then a new one is posted.
    (fake / "gh").write_text(
        "#!/bin/sh\necho \"$*\" >> \"$GH_LOG\"\n"
        "case \"$*\" in *--edit-last*) exit 1;; esac\ncp \"$5\" \"$GH_LOG.body\"\n",
        encoding="utf-8")
    (fake / "gh").chmod(0o755)
    env = {"SPECS": "pipelines", "TEMPLATES": "templates", "BASE": "", "COMMENT": "true",
           "PR": "7", "GH_TOKEN": "t", "GH_LOG": str(log), "RUNNER_TEMP": str(tmp_path),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
           "PATH": f"{fake}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
                   f"{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-e", "-c", STEPS["pipegen diff"]["run"]], cwd=repo,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "pipegen-diff.md"
    assert log.read_text("utf-8") == (f"pr comment 7 --body-file {report} --edit-last\n"
                                      f"pr comment 7 --body-file {report}\n")
    body = Path(str(log) + ".body").read_text("utf-8")
    assert body.startswith("## pipegen diff\n\n1 of 1 pipeline(s) change.\n")
    assert "(new: nothing to compare with)" in body
    assert proc.stdout == ""  # posted, not printed
