"""The public corpus: each spec, written for a real public pipeline as a new user would, compiles
lint-clean and gives back the original's structure (tests/corpus/README.md).

A difference that remains on purpose is listed in GAPS with its reason; any other difference,
or a listed gap that no longer appears, fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus.digest import compare, digest

from pipegen.compiler import compile_spec

HERE = Path(__file__).resolve().parent
CASES = sorted(p.parent.name for p in HERE.glob("*/spec.yaml"))

# Differences between an original and its compiled spec that stay, with the reason.
GAPS: dict[str, dict[str, str]] = {
    "serverless-starter": {
        "stage Staging action ExecuteChangeSet: configuration keys not written: ['RoleArn']":
            "the execute step of `mode: change-set` never writes RoleArn: AWS runs a change "
            "set with the role it was created with (write a separate change-set-execute "
            "action with `deploy_role` to keep it; PG385 warns)",
        "stage Production action ExecuteChangeSet: configuration keys not written: "
        "['RoleArn']": "as above",
    },
    "beanstalk-cross-account": {
        "stage deploy action deployToBeanstalk: region 'eu-west-2' != '<intrinsic>'":
            "the original names the region it is deployed in (eu-west-2) on a cross-account "
            "action; a template cannot know its home region, so a literal region needs a "
            "store in artifacts.regions (PG356) and the spec writes `!Ref AWS::Region`",
    },
    "nested-cfn": {
        "stage Production action CreateProdChangeSet: 1 outputs != 0":
            "the steps of `mode: change-set` pass no artifact between them (the original "
            "hands an empty marker artifact from create to execute; the UAT stage keeps that "
            "shape with separate change-set-create and change-set-execute actions)",
        "stage Production action DeployProduction: 1 inputs != 0": "as above",
    },
    "multi-region-symphonia": {
        "pipeline 0: artifact_store ['us-east-1', 'us-west-2'] != ['<intrinsic>', "
        "'us-east-1', 'us-west-2']":
            "pipegen writes the home region's store as `!Ref AWS::Region` and drops, by "
            "condition, the listed store of the region the stack is deployed in: deployed, "
            "the stores are the original's",
    },
    "clair-scan": {
        "stage Staging action <intrinsic>: name != 'nginx-website-service'":
            "the original names the deploy action !Ref EcsServiceName; a spec names actions "
            "literally (PG207), so the spec writes the parameter's default",
    },
    "cross-region-codedeploy": {
        "pipeline 0: artifact_store ['ap-southeast-2', 'us-east-1', 'us-west-2'] != "
        "['<intrinsic>', 'ap-southeast-2', 'us-east-1', 'us-west-2']": "as multi-region-symphonia",
    },
}


def test_the_corpus_is_large_and_varied():
    repos = {json.loads((HERE / c / "origin.json").read_text())["repo"] for c in CASES}
    assert len(CASES) >= 26 and len(repos) >= 22
    for case in CASES:
        origin = json.loads((HERE / case / "origin.json").read_text())
        assert set(origin) == {"repo", "path", "commit"} and len(origin["commit"]) == 40


@pytest.mark.parametrize("case", CASES)
def test_corpus_spec_compiles_to_the_original_structure(case, linter):
    result = compile_spec(HERE / case / "spec.yaml", linter=linter)  # raises unless lint-clean
    original = json.loads((HERE / case / "digest.json").read_text())
    diffs = compare(original, digest(result.template))
    assert sorted(diffs) == sorted(GAPS.get(case, {}))
    assert "#{" not in json.dumps([r for r in result.template["Resources"].values()
                                   if r["Type"].startswith("AWS::IAM::")])
