"""The artifact store: bucket settings, encryption, `grant` for cross-account roles, and the
rules that keep cross-account pipelines working (a customer-managed key, a key ARN)."""

from __future__ import annotations

import pytest
from helpers import compile_result, error_tuples, line_of, lint_clean, spec_from_parts, statements

from pipegen import build, loader, schema

OTHER = "arn:aws:iam::222222222222:role/deployer"
SOURCE_ROLE = "arn:aws:iam::333333333333:role/source-reader"

DEPLOY_AS = """\
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project: {{buildspec: b.yml}}
        outputs: [Bundle]
  - name: Deploy
    actions:
      - name: Hosts
        type: deploy
        provider: codedeploy
        application: a
        deployment_group: g
        inputs: [Bundle]
        role: {role}
"""


def warnings_of(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = loader.load_file(path)
    schema.validate(loaded)
    _, warnings = build.build(loaded)
    return [(w.code, w.message, ".".join(map(str, w.path)), w.hint) for w in warnings]


def resources(result) -> dict:
    return result.template["Resources"]


def test_generated_bucket_settings(tmp_path, linter):
    text = spec_from_parts("""\
        artifacts:
          bucket: {name: !Sub "demo-artifacts-${AWS::AccountId}", retain: false,
                   expire_after: 36h}
        """)
    result = compile_result(tmp_path, text, linter)
    bucket = resources(result)["ArtifactBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Delete"
    props = bucket["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "demo-artifacts-${AWS::AccountId}"}
    # 36h is rounded up to whole days: S3 lifecycle rules count days.
    assert props["LifecycleConfiguration"] == {"Rules": [{
        "Id": "ExpireArtifacts", "Status": "Enabled", "ExpirationInDays": 2,
        "NoncurrentVersionExpiration": {"NoncurrentDays": 2}}]}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    lint_clean(linter, result)


TRAIL_POLICY = """\
    artifacts:
      bucket:
        policy:
          - Sid: TrailWrites
            Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:PutObject
            Resource: !Sub "${ArtifactBucket.Arn}/AWSLogs/${AWS::AccountId}/*"
            Condition: {StringEquals: {s3:x-amz-acl: bucket-owner-full-control}}
    """


def test_bucket_policy_statements_follow_pipegens_own(tmp_path, linter):
    # sagemaker-safe-deploy: a CloudTrail trail logs the S3 source's uploads into the bucket
    result = compile_result(tmp_path, spec_from_parts(TRAIL_POLICY), linter)
    document = resources(result)["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    assert [st["Sid"] for st in document["Statement"]] == [
        "DenyInsecureConnections", "TrailWrites"]
    assert document["Statement"][1] == {
        "Sid": "TrailWrites", "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": {"Fn::Sub": "${ArtifactBucket.Arn}/AWSLogs/${AWS::AccountId}/*"},
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    lint_clean(linter, result)


def test_a_second_policy_on_the_artifact_bucket_is_refused(tmp_path):
    text = spec_from_parts("""\
        resources:
          TrailBucketPolicy:
            Type: AWS::S3::BucketPolicy
            Properties:
              Bucket: !Ref ArtifactBucket
              PolicyDocument:
                Statement:
                  - {Effect: Allow, Principal: {Service: cloudtrail.amazonaws.com},
                     Action: s3:GetBucketAcl, Resource: !GetAtt ArtifactBucket.Arn}
        """)
    assert error_tuples(tmp_path, text) == [(
        "PG401", "resource 'TrailBucketPolicy' is a second policy for the artifact bucket, "
        "whose policy pipegen writes (ArtifactBucketPolicy); a bucket has one policy, so one "
        "would replace the other", "resources.TrailBucketPolicy",
        line_of(text, "TrailBucketPolicy:"), 3,
        "move its statements under `artifacts.bucket.policy`, and remove the resource")]


def test_the_generated_policy_id_in_resources_points_at_bucket_policy(tmp_path):
    text = spec_from_parts("""\
        resources:
          ArtifactBucketPolicy:
            Type: AWS::S3::BucketPolicy
            Properties: {Bucket: !Ref ArtifactBucket, PolicyDocument: {}}
        """)
    [found] = error_tuples(tmp_path, text)
    assert found[0] == "PG401" and found[-1] == (
        "the artifact bucket has one policy, and pipegen writes it: move this resource's "
        "statements under `artifacts.bucket.policy` (with a generated bucket), and remove the "
        "resource")


def test_bucket_is_retained_by_default(tmp_path):
    result = compile_result(tmp_path, spec_from_parts(""))
    assert resources(result)["ArtifactBucket"]["DeletionPolicy"] == "Retain"
    assert "ArtifactKey" not in resources(result)


def test_generated_key(tmp_path, linter):
    result = compile_result(tmp_path, spec_from_parts("artifacts: {encryption: generated}\n"),
                            linter)
    key = resources(result)["ArtifactKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert [s["Sid"] for s in key["KeyPolicy"]["Statement"]] == ["AccountAdministers"]
    store = resources(result)["Pipeline"]["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"] == {"Id": {"Fn::GetAtt": ["ArtifactKey", "Arn"]},
                                      "Type": "KMS"}
    lint_clean(linter, result)


def test_alias_key_is_granted_through_its_alias(tmp_path):
    alias = "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/artifacts"
    result = compile_result(tmp_path, spec_from_parts(f"artifacts: {{encryption: '{alias}'}}\n"))
    granted = statements(result.template)
    [kms] = [s for s in granted if s["Action"][0].startswith("kms:")]
    assert kms["Resource"] == ["arn:aws-us-gov:kms:us-gov-west-1:111111111111:key/*"]
    assert kms["Condition"] == {"ForAnyValue:StringEquals": {
        "kms:ResourceAliases": "alias/artifacts"}}


GRANT = f"""\
artifacts:
  encryption: generated
  grant: [{OTHER}, !Sub "arn:${{AWS::Partition}}:iam::${{Prod}}:role/cfn"]
parameters:
  Prod: {{type: String}}
"""


def test_grant_adds_bucket_and_key_policy_statements(tmp_path, linter):
    result = compile_result(tmp_path, spec_from_parts(GRANT, DEPLOY_AS.format(role=OTHER)), linter)
    principal = {"AWS": [OTHER, {"Fn::Sub": "arn:${AWS::Partition}:iam::${Prod}:role/cfn"}]}
    bucket_policy = resources(result)["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    # Read-only unless `write` names the role: a test account cannot swap what prod deploys.
    assert bucket_policy["Statement"][1:] == [
        {"Sid": "GrantedRolesReadArtifacts", "Effect": "Allow", "Principal": principal,
         "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}/*"}]},
        {"Sid": "GrantedRolesListArtifacts", "Effect": "Allow", "Principal": principal,
         "Action": ["s3:ListBucket"],
         "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}"}]},
    ]
    key_policy = resources(result)["ArtifactKey"]["Properties"]["KeyPolicy"]
    assert key_policy["Statement"][1:] == [{
        "Sid": "GrantedRolesDecrypt", "Effect": "Allow", "Principal": principal,
        "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": ["*"],
        "Condition": {"StringEquals": {
            "kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}}]
    lint_clean(linter, result)


def test_grant_write_names_the_roles_that_may_also_write(tmp_path, linter):
    text = spec_from_parts(GRANT.replace("grant: [", "grant:\n    read: [").replace(
        "]\nparameters", f"]\n    write: [{OTHER}]\nparameters"), DEPLOY_AS.format(role=OTHER))
    result = compile_result(tmp_path, text, linter)
    bucket = resources(result)["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    [write] = [s for s in bucket["Statement"] if s["Sid"] == "GrantedRolesWriteArtifacts"]
    assert write["Principal"] == {"AWS": [OTHER]}
    assert write["Action"] == ["s3:PutObject"]
    key = resources(result)["ArtifactKey"]["Properties"]["KeyPolicy"]["Statement"]
    [encrypt] = [s for s in key if s["Sid"] == "GrantedRolesEncrypt"]
    assert encrypt["Principal"] == {"AWS": [OTHER]}
    assert "kms:GenerateDataKey" in encrypt["Action"]
    assert "kms:Decrypt" not in encrypt["Action"]
    lint_clean(linter, result)


def test_a_cross_account_writer_granted_read_only_is_warned(tmp_path):
    stages = DEPLOY_AS.format(role=OTHER).replace(
        "project: {buildspec: b.yml}", f"project: remote-build\n        role: {OTHER}")
    text = spec_from_parts(GRANT, stages)
    [(code, message, path, hint)] = warnings_of(tmp_path, text)
    assert (code, path) == ("PG393", "stages.0.actions.0.role")
    assert message == ("action 'Package' has `outputs` and runs as a role that "
                       "`artifacts.grant` lets read artifacts only, so it cannot write them")
    writer = GRANT.replace("grant: [", "grant:\n    read: [").replace(
        "]\nparameters", f"]\n    write: [{OTHER}]\nparameters")
    assert warnings_of(tmp_path, spec_from_parts(writer, stages)) == []


def test_action_role_is_assumed_by_the_pipeline_role(tmp_path):
    result = compile_result(tmp_path, spec_from_parts(GRANT, DEPLOY_AS.format(role=OTHER)))
    action = resources(result)["Pipeline"]["Properties"]["Stages"][2]["Actions"][0]
    assert action["RoleArn"] == OTHER
    granted = statements(result.template)
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Resource": [OTHER]} in granted


def test_grant_on_an_existing_bucket_replaces_its_policy(tmp_path, linter):
    text = spec_from_parts(f"""\
        artifacts:
          bucket: shared-artifacts
          encryption: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab
          grant: [{OTHER}]
        """, DEPLOY_AS.format(role=OTHER))
    result = compile_result(tmp_path, text, linter)
    policy = resources(result)["ArtifactBucketPolicy"]["Properties"]
    assert policy["Bucket"] == "shared-artifacts"
    assert [s["Sid"] for s in policy["PolicyDocument"]["Statement"]] == [
        "DenyInsecureConnections", "GrantedRolesReadArtifacts", "GrantedRolesListArtifacts"]
    assert "ArtifactBucket" not in resources(result)
    assert result.warnings[0].code == "PG390"
    assert warnings_of(tmp_path, text) == [(
        "PG390", "`grant` on an existing bucket makes pipegen write the bucket's policy, which "
        "replaces the policy the bucket has now", "artifacts.grant",
        "copy any statements the bucket needs into this template's `overrides`, or "
        "acknowledge PG390")]
    lint_clean(linter, result)


def test_replaced_policy_warning_can_be_acknowledged(tmp_path):
    text = spec_from_parts(f"""\
        acknowledge: [PG390]
        artifacts:
          bucket: shared-artifacts
          encryption: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab
          grant: [{OTHER}]
        """, DEPLOY_AS.format(role=OTHER))
    assert warnings_of(tmp_path, text) == []


def test_cross_account_action_role_needs_a_customer_managed_key(tmp_path):
    text = spec_from_parts(DEPLOY_AS.format(role=OTHER))
    assert error_tuples(tmp_path, text) == [(
        "PG378", "action 'Hosts' runs as a role that may be in another account, and the "
        "artifacts are encrypted with the AWS-managed aws/s3 key, whose key policy cannot be "
        "changed, so no other account can decrypt them", "stages[1].actions[0].role",
        line_of(text, "role: arn"), 15,
        "set `artifacts.encryption: generated` (or the ARN of a customer-managed key) and list "
        "the role under `artifacts.grant`; a role in this account can be written "
        "!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:role/NAME")]


def test_grant_needs_a_customer_managed_key(tmp_path):
    text = spec_from_parts(f"artifacts: {{grant: [{OTHER}]}}\n")
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [(
        "PG378", "`grant` shares the artifacts with another account's role, and the artifacts "
        "are encrypted with the AWS-managed aws/s3 key, whose key policy cannot be changed, so "
        "no other account can decrypt them", "artifacts.grant[0]")]


def test_same_account_role_with_the_aws_managed_key(tmp_path, linter):
    role = '!Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/deployer"'
    text = spec_from_parts(DEPLOY_AS.format(role=role))
    assert warnings_of(tmp_path, text) == []
    lint_clean(linter, compile_result(tmp_path, text, linter))


def test_cross_account_with_a_key_alias(tmp_path):
    text = spec_from_parts("""\
        artifacts:
          encryption: arn:aws:kms:us-east-1:111111111111:alias/artifacts
          grant: [arn:aws:iam::222222222222:role/deployer]
        """, DEPLOY_AS.format(role=OTHER))
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [(
        "PG379", "another account cannot use a KMS key named by its alias",
        "artifacts.encryption")]


def test_cross_account_role_missing_from_grant(tmp_path):
    text = spec_from_parts("artifacts: {encryption: generated}\n", DEPLOY_AS.format(role=OTHER))
    assert warnings_of(tmp_path, text) == [(
        "PG391", "action 'Hosts' runs as a role that is not in `artifacts.grant`, so the bucket "
        "and key policies do not let it read or write artifacts", "stages.1.actions.0.role",
        "add the role to `artifacts.grant` (a role in this account needs no grant: write its "
        "ARN with ${AWS::AccountId})")]


@pytest.mark.parametrize("trigger", ["poll", "none"])
def test_cross_account_codecommit_source(tmp_path, linter, trigger):
    text = f"""\
pipegen: 1
name: demo
artifacts: {{encryption: generated, grant: [{SOURCE_ROLE}]}}
sources:
  - name: Repo
    provider: codecommit
    repository: shared
    branch: main
    trigger: {trigger}
    role: {SOURCE_ROLE}
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project: {{buildspec: b.yml}}
"""
    result = compile_result(tmp_path, text, linter)
    source = resources(result)["Pipeline"]["Properties"]["Stages"][0]["Actions"][0]
    assert source["RoleArn"] == SOURCE_ROLE
    granted = statements(result.template)
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow",
            "Resource": [SOURCE_ROLE]} in granted
    assert not any(s["Action"][0].startswith("codecommit:") for s in granted)
    # With `trigger: none` nothing starts the pipeline, which is worth a warning (PG339).
    expected = ["PG339"] if trigger == "none" else []
    assert [w[0] for w in warnings_of(tmp_path, text)] == expected
    lint_clean(linter, result)


def test_cross_account_source_with_the_aws_managed_key(tmp_path):
    text = f"""\
pipegen: 1
name: demo
sources:
  - name: Repo
    provider: codecommit
    repository: shared
    branch: main
    trigger: poll
    role: {SOURCE_ROLE}
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project: {{buildspec: b.yml}}
"""
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [(
        "PG378", "source 'Repo' runs as a role that may be in another account, and the "
        "artifacts are encrypted with the AWS-managed aws/s3 key, whose key policy cannot be "
        "changed, so no other account can decrypt them", "sources[0].role")]
