"""The walking skeleton's user mistakes: exit 1, file:line:col, the spec path, nothing written."""

from __future__ import annotations

import pytest
from conftest import run_cli
from helpers import GITHUB_BUILD_DEPLOY

GOOD = GITHUB_BUILD_DEPLOY

CASES = {
    "typo-key": (
        GOOD.replace("        outputs: [Built]", "        outptus: [Built]"),
        "spec.yaml:14:9: error PG201 unknown key 'outptus'\n"
        "  (stages[0].actions[0].outptus)\n"
        "             outptus: [Built]\n"
        "             ^^^^^^^\n"
        "  hint: did you mean 'outputs'?\n",
    ),
    "wrong-type": (
        GOOD.replace("name: demo\n", "name: demo\ndescription: [a, b]\n"),
        "spec.yaml:3:14: error PG203 expected a string, got a list\n"
        "  (description)\n"
        "     description: [a, b]\n"
        "                  ^^^^^^\n",
    ),
    "missing-branch": (
        GOOD.replace("    branch: main\n", ""),
        "spec.yaml:4:5: error PG304 source 'GitHub' needs a branch\n"
        "  (sources[0])\n"
        "       - provider: github\n"
        "         ^^^^^^^^^^^^^^^^\n"
        "  hint: add `branch: main`: one branch per pipeline; compile one spec per branch\n",
    ),
    "input-not-produced": (
        GOOD.replace("inputs: [Built]", "inputs: [Bulit]"),
        "spec.yaml:22:18: error PG302 input 'Bulit' is not produced by any earlier action\n"
        "  (stages[1].actions[0].inputs[0])\n"
        "             inputs: [Bulit]\n"
        "                      ^^^^^\n"
        "  hint: outputs produced before this action: GitHubSource, Built\n",
    ),
    "duplicate-key": (
        GOOD.replace("name: demo\n", "name: demo\nname: other\n"),
        "spec.yaml:3:1: error PG103 duplicate key 'name' (first defined at line 2)\n"
        "  (name)\n"
        "     name: other\n"
        "     ^^^^\n"
        "  hint: YAML would keep only the last value; remove one of the two keys\n",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mistake_is_located_and_nothing_is_written(case, tmp_path):
    text, expected = CASES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("compile", "spec.yaml", "-o", str(out), "--no-lint", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr == expected
    assert not out.exists()


def test_good_spec_compiles(tmp_path):
    (tmp_path / "spec.yaml").write_text(GOOD, encoding="utf-8")
    proc = run_cli("compile", "spec.yaml", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "spec.json").exists()
