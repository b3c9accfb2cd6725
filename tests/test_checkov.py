"""checkov (CloudFormation framework) on every committed template: zero failed checks, and every
skip sits on its resource with the reason written there.

checkov pins versions that do not sit well beside cfn-lint's, so `.ci/run` installs it in its
own virtual environment (.venv-checkov); the test finds it there, on PATH, or through
PIPEGEN_CHECKOV. .ci/run sets PIPEGEN_REQUIRE_CHECKOV=1: there a missing checkov fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT, TEMPLATES


def checkov() -> str | None:
    for candidate in (os.environ.get("PIPEGEN_CHECKOV"),
                      str(ROOT / ".venv-checkov" / "bin" / "checkov"), shutil.which("checkov")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def report() -> list[dict]:
    tool = checkov()
    if tool is None:
        if os.environ.get("PIPEGEN_REQUIRE_CHECKOV"):
            pytest.fail("checkov is not installed; .ci/run installs it in .venv-checkov")
        pytest.skip("checkov is not installed (.ci/run installs it in .venv-checkov)")
    proc = subprocess.run(
        [tool, "-d", str(TEMPLATES), "--framework", "cloudformation", "--output", "json",
         "--compact", "--skip-download"],
        capture_output=True, text=True, timeout=600)
    found = json.loads(proc.stdout)
    return found if isinstance(found, list) else [found]


def test_no_template_fails_a_check(report):
    failed = [(f["file_path"], f["resource"], f["check_id"], f["check_name"])
              for r in report for f in r["results"]["failed_checks"]]
    assert failed == []
    assert sum(r["summary"]["resource_count"] for r in report) > 100  # it did scan them


def test_every_skip_is_on_its_resource_with_a_reason():
    skips = []
    for path in sorted(TEMPLATES.glob("*.json")):
        for rid, res in json.loads(path.read_text("utf-8"))["Resources"].items():
            for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
                skips.append((path.stem, rid, skip["id"], skip.get("comment", "")))
    assert skips, "the generated bucket's access-logging skip should be among them"
    assert all(len(comment) > 20 for *_, comment in skips), skips
    # pipegen waives one check of its own, on the bucket, only without `access_logs`; the
    # webhook secret's customer-managed-key check only without a customer-managed key; and, on
    # the EC2 blue/green group's custom resource (function, its logs, the service role's
    # launch grants), the checks that do not apply to it (reasons in codedeploy_groups.py).
    assert {(rid, check) for _, rid, check, _ in skips} <= {
        ("ArtifactBucket", "CKV_AWS_18"), ("GitHubWebhookSecret", "CKV_AWS_149"),
        ("PortalWebhookSecret", "CKV_AWS_149"),
        ("CodeDeployGroupProvider", "CKV_AWS_115"), ("CodeDeployGroupProvider", "CKV_AWS_116"),
        ("CodeDeployGroupProvider", "CKV_AWS_117"), ("CodeDeployGroupProviderLogs", "CKV_AWS_158"),
        ("CodeDeployServiceRole", "CKV_AWS_111")}


def test_docs_list_every_skip():
    documented = (ROOT / "docs" / "iam.md").read_text("utf-8").split(
        "## checkov checks pipegen skips")[1].split("\n## ")[0]
    rows = set(re.findall(r"^\| `([^`]+)`[^|]*\| (CKV_AWS_\d+)", documented, re.M))
    assert len(rows) == 7
    for path in sorted(TEMPLATES.glob("*.json")):
        for rid, res in json.loads(path.read_text("utf-8"))["Resources"].items():
            for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
                name = "<Source>WebhookSecret" if rid.endswith("WebhookSecret") else rid
                assert (name, skip["id"]) in rows, (
                    f"{path.stem}: {rid} skips {skip['id']}; docs/iam.md does not say why")


def test_skips_are_honoured(report):
    skipped = {(f["resource"].split(".")[-1], f["check_id"])
               for r in report for f in r["results"].get("skipped_checks", [])}
    assert ("ArtifactBucket", "CKV_AWS_18") in skipped
