"""Raw `configuration:` keys pass through, and may not silently replace a typed key's value."""

from __future__ import annotations

import json

from conftest import run_cli
from helpers import GITHUB_BUILD

SPEC = GITHUB_BUILD + "        configuration: {CONFIG}\n"


def test_raw_keys_reach_the_action(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC.replace("{CONFIG}", '{BatchEnabled: "true"}'))
    proc = run_cli("compile", "spec.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    action = json.loads(proc.stdout)["Resources"]["Pipeline"]["Properties"]["Stages"][1][
        "Actions"][0]
    assert action["Configuration"] == {"BatchEnabled": "true", "ProjectName": "demo-build"}


def test_raw_key_clashing_with_a_typed_key_is_an_error(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC.replace("{CONFIG}", "{ProjectName: other}"))
    proc = run_cli("compile", "spec.yaml", "--no-lint", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[:2] == [
        "spec.yaml:14:25: error PG352 configuration key 'ProjectName' is already set by the "
        "action's typed keys",
        "  (stages[0].actions[0].configuration.ProjectName)"]
