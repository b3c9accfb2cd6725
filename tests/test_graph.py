"""`pipegen graph`: every sample drawn in Mermaid and dot, each checked by the real parser.

The Mermaid parser is the npm `mermaid` package under Node with jsdom (`npm ci --prefix
tests/js`); dot output goes through Graphviz's own `dot`. Both are installed by .ci/run, which
sets PIPEGEN_REQUIRE_TOOLS=1 so that a missing tool fails there instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from conftest import ROOT, SAMPLES, run_cli

from pipegen.graph import graph_spec

JS = ROOT / "tests" / "js"
REQUIRED = os.environ.get("PIPEGEN_REQUIRE_TOOLS") == "1"
SAMPLE_SPECS = sorted(SAMPLES.glob("*.yaml"))


def need(tool_ok: bool, what: str) -> None:
    if not tool_ok:
        if REQUIRED:
            pytest.fail(f"{what} is not installed (.ci/run installs it)")
        pytest.skip(f"{what} is not installed (.ci/run installs it)")


def test_every_samples_mermaid_graph_parses_with_mermaid(tmp_path):
    need(shutil.which("node") is not None and (JS / "node_modules" / "mermaid").is_dir(),
         "node with tests/js/node_modules (npm ci --prefix tests/js)")
    files = []
    for spec in SAMPLE_SPECS:
        path = tmp_path / f"{spec.stem}.mmd"
        path.write_text(graph_spec(spec, "mermaid"), encoding="utf-8")
        files.append(str(path))
    proc = subprocess.run(["node", str(JS / "parse_mermaid.mjs"), *files], capture_output=True,
                          text=True, cwd=JS, timeout=300)
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    failures = [r for r in results if not r["ok"]]
    assert failures == [], failures
    assert len(results) == len(SAMPLE_SPECS) and proc.returncode == 0, proc.stderr
    assert {r["type"] for r in results} == {"flowchart-v2"}


def test_the_mermaid_parser_check_can_fail(tmp_path):
    """The harness itself reports a broken diagram (so the test above can fail)."""
    need(shutil.which("node") is not None and (JS / "node_modules" / "mermaid").is_dir(),
         "node with tests/js/node_modules (npm ci --prefix tests/js)")
    bad = tmp_path / "bad.mmd"
    bad.write_text('flowchart LR\n  s0["unclosed\n', encoding="utf-8")
    proc = subprocess.run(["node", str(JS / "parse_mermaid.mjs"), str(bad)],
                          capture_output=True, text=True, cwd=JS, timeout=120)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["ok"] is False


@pytest.mark.parametrize("spec", SAMPLE_SPECS, ids=lambda p: p.stem)
def test_every_samples_dot_graph_is_accepted_by_graphviz(spec):
    need(shutil.which("dot") is not None, "Graphviz (apt-get install graphviz)")
    proc = subprocess.run(["dot", "-Tsvg"], input=graph_spec(spec, "dot"), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "<svg" in proc.stdout


def test_expansions_regions_and_accounts_are_marked():
    text = graph_spec(SAMPLES / "cross-region.yaml", "mermaid")
    assert ('s2a1["Europe<br/>Deploy: CloudFormation (create or update stack)<br/>'
            'region eu-west-1"]') in text
    assert ('s2a2["Oregon-CreateChangeSet<br/>Deploy: CloudFormation (create change set)<br/>'
            'expanded from Oregon<br/>region us-west-2<br/>cross-account 222222222222"]') in text
    # the approval of a change set is a hexagon; the home-region action has no region mark
    assert 's2a3{{"Oregon-Approve<br/>Approval: Manual<br/>expanded from Oregon' in text
    assert 's2a0["Home<br/>Deploy: CloudFormation (create or update stack)"]' in text
    # run order inside the stage, and artifacts between stages
    assert "s2a2 -.-> s2a3" in text and "s2a3 -.-> s2a4" in text
    assert "s1a0 --> art1" in text and "art1 --> s2a2" in text and "s1 ==> s2" in text


def test_an_account_from_a_parameter_is_shown_as_written():
    text = graph_spec(SAMPLES / "cross-account.yaml", "mermaid")
    assert "cross-account ${TestAccountId}" in text
    assert "cross-account ${ProdAccountId}" in text


def test_conditions_and_stage_rules_are_shown():
    text = graph_spec(SAMPLES / "conditional-deploy.yaml", "dot")
    assert 'label="Deploy\\nwhen IsProd";' in text
    assert 's1a1 [label="LoadTest\\nTest: CodeBuild\\nwhen RunsLoadTests"];' in text
    assert 's2a0 [label="Approve\\nApproval: Manual", shape=octagon];' in text
    text = graph_spec(SAMPLES / "stages-conditions.yaml", "mermaid")
    assert ("Production<br/>before entry: fail (DeploymentWindow1, MainOnly)<br/>on success: "
            "rollback (CloudWatchAlarm1)<br/>on failure: rollback (HealthCheck)") in text


def test_graph_through_the_entry_point_and_a_broken_spec(tmp_path):
    proc = run_cli("graph", "samples/showcase.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("flowchart LR\n  %% pipegen graph of orders-platform\n")
    assert proc.stdout == graph_spec(SAMPLES / "showcase.yaml", "mermaid")
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipegen: 1\nname: x\nsources: []\nstages: []\nbogus: 1\n", encoding="utf-8")
    proc = run_cli("graph", "bad.yaml", "--format", "dot", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("bad.yaml:")
    assert "Traceback" not in proc.stderr


def test_the_readme_shows_the_showcase_graph():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "```mermaid\n" + graph_spec(SAMPLES / "showcase.yaml", "mermaid") + "```" in readme
