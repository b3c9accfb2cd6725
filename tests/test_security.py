"""Secure by default: the IAM of every committed template, and isolation between actions.

The policy walk reads every policy in every golden template: no wildcard in any action name of
an identity policy, resource "*" only for the actions docs/iam.md lists, no `#{` (CodePipeline
variables cannot be resolved by IAM). It is shown to fail on templates with a wildcard, an
unlisted "*" resource or a variable introduced.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from conftest import ROOT, TEMPLATES
from helpers import compile_template, grants, spec_from_parts, stage_actions, statements

TEMPLATE_FILES = sorted(TEMPLATES.glob("*.json"))
IDENTITY = {"AWS::IAM::Role": "Policies", "AWS::IAM::Policy": "PolicyDocument",
            "AWS::IAM::ManagedPolicy": "PolicyDocument"}


def star_actions() -> set[str]:
    """The actions docs/iam.md allows on resource "*" (its "Where the resource is" section)."""
    text = (ROOT / "docs" / "iam.md").read_text("utf-8")
    section = text.split('## Where the resource is `"*"`', 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", section))
    # Rows list several actions of one service as `ecs:A`, `ecs:B`; that is all they do.
    return names


def _as_list(v):
    return v if isinstance(v, list) else [v]


def policy_problems(template: dict) -> list[str]:
    """What a reviewer would object to in the template's policies (empty when none)."""
    allowed_star = star_actions()
    problems = []
    for rid, res in template.get("Resources", {}).items():
        kind, props = res.get("Type"), res.get("Properties", {})
        documents = []  # (where, document, identity?)
        if kind == "AWS::IAM::Role":
            documents.append((f"{rid} trust", props.get("AssumeRolePolicyDocument", {}), False))
            for p in props.get("Policies", []):
                documents.append((f"{rid} {p.get('PolicyName')}", p["PolicyDocument"], True))
        elif kind in IDENTITY:
            documents.append((rid, props.get("PolicyDocument", {}), True))
        else:
            for key in ("PolicyDocument", "KeyPolicy"):
                if key in props:
                    documents.append((f"{rid} {key}", props[key], False))
        for where, doc, identity in documents:
            if "#{" in json.dumps(doc):
                problems.append(f"{where}: a CodePipeline variable (#{{) in a policy")
            for st in _as_list(doc.get("Statement", [])):
                if st.get("Effect") != "Allow":
                    continue
                actions = [a for a in _as_list(st.get("Action", [])) if isinstance(a, str)]
                wild = [a for a in actions if "*" in a or "?" in a]
                if wild and (identity or st.get("Sid") != "AccountAdministers"):
                    problems.append(f"{where}: wildcard action(s) {wild}")
                if identity and "*" in _as_list(st.get("Resource", [])):
                    unlisted = [a for a in actions if a not in allowed_star]
                    if unlisted:
                        problems.append(f"{where}: resource \"*\" for {unlisted}, which "
                                        "docs/iam.md does not list")
    return problems


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_every_template_passes_the_policy_walk(path):
    assert policy_problems(json.loads(path.read_text("utf-8"))) == []


def test_the_policy_walk_catches_what_it_looks_for():
    clean = json.loads((TEMPLATES / "typical.json").read_text("utf-8"))
    assert policy_problems(clean) == []

    def first_statement(t):
        return t["Resources"]["PipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"][
            "Statement"][0]

    wildcard = copy.deepcopy(clean)
    first_statement(wildcard)["Action"].append("s3:Get*")
    assert policy_problems(wildcard) == ["PipelineRole PipelineLeastPrivilege: wildcard "
                                         "action(s) ['s3:Get*']"]
    question = copy.deepcopy(clean)
    first_statement(question)["Action"] = ["s3:GetObjec?"]
    assert len(policy_problems(question)) == 1
    star = copy.deepcopy(clean)
    first_statement(star)["Resource"] = "*"
    assert "docs/iam.md does not list" in policy_problems(star)[0]
    variable = copy.deepcopy(clean)
    first_statement(variable)["Resource"] = ["arn:aws:s3:::#{Vars.Bucket}/*"]
    assert "#{" in policy_problems(variable)[0]
    # A resource policy keeps what AWS advises; granting s3:* to someone is still caught.
    bucket = copy.deepcopy(clean)
    bucket["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"].append({"Effect": "Allow", "Principal": {"AWS": "x"}, "Action": "s3:*",
                             "Resource": "*"})
    assert policy_problems(bucket) == ["ArtifactBucketPolicy PolicyDocument: wildcard "
                                       "action(s) ['s3:*']"]


ISOLATION = """\
artifacts:
  encryption: generated
  grant: [arn:aws:iam::222222222222:role/deployer]
stages:
  - name: Build
    actions:
      - name: Test
        type: build
        provider: commands
        commands: [npm ci, npm test]
  - name: Prod
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        stack: orders
        template: RepoSource::stack.yaml
        deploy_role: arn:aws:iam::222222222222:role/cfn-deployer
        role: arn:aws:iam::222222222222:role/deployer
      - name: Local
        type: deploy
        provider: cloudformation
        stack: orders-local
        template: RepoSource::stack.yaml
        deploy_role: arn:aws:iam::111111111111:role/cfn-local
"""


def test_commands_cannot_reach_the_deployers(tmp_path, linter):
    t = compile_template(tmp_path, spec_from_parts(ISOLATION), linter)
    [test] = stage_actions(t, "Build")
    assert test["RoleArn"] == {"Fn::GetAtt": ["BuildTestActionRole", "Arn"]}
    role = t["Resources"]["BuildTestActionRole"]["Properties"]
    # Only the pipeline role may assume the commands role; nothing else is trusted.
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": ["sts:AssumeRole"], "Effect": "Allow",
        "Principal": {"AWS": [{"Fn::GetAtt": ["PipelineRole", "Arn"]}]}}]
    g = grants(t, "BuildTestActionRole")
    # It cannot assume the cross-account deployer, pass a deploy role, or write artifacts
    # (it has no outputs).
    assert "sts:AssumeRole" not in g
    assert "iam:PassRole" not in g
    assert "s3:PutObject" not in g
    assert not any(a.startswith(("cloudformation:", "kms:Encrypt", "kms:GenerateDataKey"))
                   for a in g)
    assert "ManagedPolicyArns" not in role
    # The deployer is the pipeline role's to assume; the pipeline role trusts CodePipeline only.
    pipeline = t["Resources"]["PipelineRole"]["Properties"]
    assert pipeline["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["codepipeline.amazonaws.com"]}
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow",
            "Resource": ["arn:aws:iam::222222222222:role/deployer"]} in statements(t)
    # The same-account deploy passes its deploy role from a role of its own, which trusts the
    # pipeline role only: the commands role can reach neither.
    assert "iam:PassRole" not in grants(t)
    local = t["Resources"]["ProdLocalActionRole"]["Properties"]
    assert local["AssumeRolePolicyDocument"] == role["AssumeRolePolicyDocument"]
    assert grants(t, "ProdLocalActionRole")["iam:PassRole"] == [
        "arn:aws:iam::111111111111:role/cfn-local"]
    assume = t["Resources"]["PipelineAssumesActionRoles"]["Properties"]
    assert assume["Roles"] == [{"Ref": "PipelineRole"}]
    assert assume["PolicyDocument"]["Statement"][0]["Resource"] == [
        {"Fn::GetAtt": ["BuildTestActionRole", "Arn"]},
        {"Fn::GetAtt": ["ProdLocalActionRole", "Arn"]}]
    assert t["Resources"]["Pipeline"]["DependsOn"] == ["PipelineAssumesActionRoles"]
