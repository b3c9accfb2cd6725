"""What the typical sample (GitHub -> build -> approve -> deploy) compiles to, piece by piece."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLES

from pipegen.compiler import compile_spec


@pytest.fixture(scope="module")
def template():
    return json.loads(compile_spec(SAMPLES / "typical.yaml").text)


def statements(resource):
    return [s for p in resource["Properties"]["Policies"]
            for s in p["PolicyDocument"]["Statement"]]


def test_pipeline_is_v2_with_generated_role(template):
    props = template["Resources"]["Pipeline"]["Properties"]
    assert props["PipelineType"] == "V2"
    assert props["ExecutionMode"] == "QUEUED"
    assert props["RoleArn"] == {"Fn::GetAtt": ["PipelineRole", "Arn"]}
    assert props["ArtifactStore"] == {"Location": {"Ref": "ArtifactBucket"}, "Type": "S3"}
    assert [s["Name"] for s in props["Stages"]] == ["Source", "Build", "Release"]
    assert props["Variables"] == [{"DefaultValue": "stable", "Description":
                                   "release channel passed to the build",
                                   "Name": "RELEASE_CHANNEL"}]


def test_pipeline_role_is_scoped_to_what_the_spec_uses(template):
    role = template["Resources"]["PipelineRole"]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Action": ["sts:AssumeRole"], "Effect": "Allow",
                      "Principal": {"Service": ["codepipeline.amazonaws.com"]}}]
    granted = {a: s["Resource"] for s in statements(role) for a in s["Action"]}
    assert all(s["Effect"] == "Allow" for s in statements(role))
    assert not any(a == "*" or a.endswith(":*") for a in granted)
    assert granted["codestar-connections:UseConnection"] == [{"Ref": "ConnectionArn"}]
    assert granted["codeconnections:UseConnection"] == [{"Ref": "ConnectionArn"}]
    assert granted["codebuild:StartBuild"] == [{"Fn::GetAtt": ["BuildTestProject", "Arn"]},
                                               {"Fn::GetAtt": ["BuildPackageProject", "Arn"]}]
    assert granted["sns:Publish"] == [{"Ref": "ApprovalTopicArn"}]
    assert granted["codedeploy:CreateDeployment"] == [{"Fn::Sub": (
        "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:"
        "deploymentgroup:orders/orders-prod")}]
    assert granted["s3:PutObject"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}/*"}]
    assert all(r != "*" for resources in granted.values() for r in resources)


def test_artifact_bucket_is_versioned_private_and_tls_only(template):
    bucket = template["Resources"]["ArtifactBucket"]
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    assert bucket["DeletionPolicy"] == "Retain"
    policy = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    [deny] = policy["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}"},
                                {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}/*"}]


def test_codebuild_project_has_its_own_least_privilege_role(template):
    project = template["Resources"]["BuildPackageProject"]["Properties"]
    assert project["ServiceRole"] == {"Fn::GetAtt": ["BuildPackageProjectRole", "Arn"]}
    assert project["Environment"]["ComputeType"] == "BUILD_GENERAL1_MEDIUM"
    assert project["TimeoutInMinutes"] == 30
    assert project["Source"] == {"BuildSpec": "buildspec.yml", "Type": "CODEPIPELINE"}
    role = template["Resources"]["BuildPackageProjectRole"]
    granted = {a: s["Resource"] for s in statements(role) for a in s["Action"]}
    assert granted["logs:PutLogEvents"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                    "/aws/codebuild/${AWS::StackName}-BuildPackage"},
        {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                    "/aws/codebuild/${AWS::StackName}-BuildPackage:*"}]
    assert "codebuild:StartBuild" not in granted


def test_actions_carry_inputs_outputs_and_order(template):
    build, release = template["Resources"]["Pipeline"]["Properties"]["Stages"][1:]
    test, package = build["Actions"]
    assert (test["Name"], test["RunOrder"]) == ("Test", 1)
    assert (package["Name"], package["RunOrder"]) == ("Package", 2)
    assert package["OutputArtifacts"] == [{"Name": "Built"}]
    assert json.loads(package["Configuration"]["EnvironmentVariables"]) == [
        {"name": "COMMIT", "value": "#{SourceVars.CommitId}", "type": "PLAINTEXT"},
        {"name": "CHANNEL", "value": "#{variables.RELEASE_CHANNEL}", "type": "PLAINTEXT"}]
    approve, deploy = release["Actions"]
    assert approve["ActionTypeId"] == {"Category": "Approval", "Owner": "AWS",
                                       "Provider": "Manual", "Version": "1"}
    assert approve["TimeoutInMinutes"] == 1440
    assert "InputArtifacts" not in approve
    assert deploy["RunOrder"] == 2
    assert deploy["InputArtifacts"] == [{"Name": "Built"}]
    assert deploy["Configuration"] == {"ApplicationName": "orders",
                                       "DeploymentGroupName": "orders-prod"}
