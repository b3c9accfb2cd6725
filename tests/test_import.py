"""`pipegen import`: templates become specs that compile back to the same pipeline.

What users see: the spec's text (typed keys, short-form intrinsics, the header), the report,
exit codes, and that nothing is written when an import fails. Every golden template in
templates/ must import and compile back to the same stages and actions, lint-clean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TEMPLATES
from helpers import TEMPLATE_BUILD_STAGE, TEMPLATE_SOURCE_STAGE

from pipegen import cli
from pipegen.importer import check, import_pipelines, load

CODECOMMIT_SOURCE = TEMPLATE_SOURCE_STAGE


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def template(tmp_path: Path, text: str, name: str = "pipeline.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pipeline(stages: str, extra: str = "", props: str = "", role: str =
             "arn:aws:iam::111111111111:role/pipeline") -> str:
    return f"""\
AWSTemplateFormatVersion: "2010-09-09"
{extra}Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: {role}
      PipelineType: V2
      ArtifactStore: {{Type: S3, Location: artifacts-111111111111}}
{props}      Stages:
{CODECOMMIT_SOURCE}{stages}"""


BUILD = TEMPLATE_BUILD_STAGE + "              OutputArtifacts: [{Name: Built}]\n"


# --- every golden template


@pytest.mark.parametrize("golden", sorted(TEMPLATES.glob("*.json")), ids=lambda p: p.stem)
def test_every_golden_template_imports_and_compiles_back_the_same(golden, tmp_path, linter):
    (imported,) = import_pipelines(load(golden))
    spec = tmp_path / f"{golden.stem}.yaml"
    spec.write_text(imported.text, encoding="utf-8")
    result = check(imported, spec, linter)
    assert result.compiled, [d.message for d in result.diagnostics]
    assert [d.message for d in result.diagnostics if d.is_error] == []
    assert result.own_findings == []
    assert result.differences == []


def test_a_pull_request_only_trigger_imports_as_the_trigger_it_came_from():
    (imported,) = import_pipelines(load(TEMPLATES / "source-pull-requests.json"))
    assert imported.spec["sources"][0]["trigger"] == "pull-request"
    assert imported.spec["sources"][0]["filters"] == {
        "file_paths": {"include": ["src/**", "package.json"]},
        "pull_requests": {"events": ["open", "updated"]}}
    assert "overrides" not in imported.spec


def test_a_golden_templates_generated_parts_become_typed_keys_again(tmp_path):
    (imported,) = import_pipelines(load(TEMPLATES / "typical.json"))
    text = imported.text
    assert "resources:" not in text  # bucket, role, projects and their roles: all pipegen's
    assert "project: {buildspec: buildspec-test.yml}" in text
    assert "connection: !Ref ConnectionArn" in text
    assert "after: [Test]" in text
    assert "timeout: 1d" in text
    assert "- PipelineRole: pipeline role -> pipegen's PipelineRole" in text


# --- the spec for people


def test_typed_keys_short_intrinsics_and_a_header(tmp_path, capsys):
    src = template(tmp_path, pipeline(BUILD + """\
        - Name: Deploy
          Actions:
            - Name: Stack
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1"}
              Configuration:
                ActionMode: CREATE_UPDATE
                StackName: !Sub "${AWS::StackName}-app"
                TemplatePath: Built::stack.yaml
                Capabilities: CAPABILITY_IAM,CAPABILITY_AUTO_EXPAND
                RoleArn: !GetAtt DeployRole.Arn
                ParameterOverrides: >-
                  {"Env": "prod", "Commit": {"Fn::GetParam": ["Built", "out.json", "sha"]}}
              InputArtifacts: [{Name: Built}]
""", extra="", props="") + """\
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: cloudformation.amazonaws.com},
             Action: sts:AssumeRole}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
""")
    out_path = tmp_path / "spec.yaml"
    status, out, err = run(["import", str(src), "-o", str(out_path), "--no-lint"], capsys)
    assert status == 0, err
    text = out_path.read_text()
    assert text.startswith("# Imported by `pipegen import` from pipeline.yaml (pipeline Pipeline).")
    assert "  - name: Stack\n    type: deploy\n    provider: cloudformation\n" in text
    assert "    stack: !Sub ${AWS::StackName}-app\n" in text
    assert "    capabilities: [iam, auto-expand]\n" in text
    assert "    deploy_role: !GetAtt DeployRole.Arn\n" in text
    assert "Commit: {get_param: [Built, out.json, sha]}" in text
    assert "role: arn:aws:iam::111111111111:role/pipeline" in text  # kept as written
    assert "round trip: the compiled pipeline has the same 3 stages and 3 actions" in err


def test_json_report_for_tools(tmp_path, capsys):
    src = template(tmp_path, pipeline(BUILD))
    status, out, err = run(["import", str(src), "-o", str(tmp_path / "s.yaml"), "--output",
                            "json", "--no-lint"], capsys)
    assert status == 0
    report = json.loads(out)
    (p,) = report["pipelines"]
    assert p["pipeline"] == "Pipeline" and p["round_trip"] == "same" and p["clean"]
    assert p["stages"] == 2 and p["actions"] == 2


def test_spec_to_stdout_report_to_stderr(tmp_path, capsys):
    src = template(tmp_path, pipeline(BUILD))
    status, out, err = run(["import", str(src), "--no-lint"], capsys)
    assert status == 0
    assert out.startswith("# Imported by `pipegen import`") and "pipegen: 1\n" in out
    assert "imported Pipeline from" in err and "-> stdout" in err


# --- replaced, kept, changed, left out


def test_role_bucket_and_inline_project_are_replaced(tmp_path, capsys):
    text = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Artifacts:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties:
      VersioningConfiguration: {{Status: Enabled}}
  PipelineServiceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {{Effect: Allow, Principal: {{Service: codepipeline.amazonaws.com}},
             Action: sts:AssumeRole}}
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement: [{{Effect: Allow, Action: "*", Resource: "*"}}]
  BuildRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {{Effect: Allow, Principal: {{Service: codebuild.amazonaws.com}},
             Action: sts:AssumeRole}}
      Policies:
        - PolicyName: build
          PolicyDocument:
            Statement:
              - {{Effect: Allow, Resource: "*",
                 Action: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents]}}
              - {{Effect: Allow, Action: [s3:GetObject, s3:PutObject],
                 Resource: !Sub "arn:aws:s3:::${{Artifacts}}/*"}}
              - {{Effect: Allow, Action: [ecr:GetAuthorizationToken], Resource: "*"}}
  Project:
    Type: AWS::CodeBuild::Project
    Properties:
      Artifacts: {{Type: CODEPIPELINE}}
      Source: {{Type: CODEPIPELINE, BuildSpec: buildspec.yml}}
      Environment: {{Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_MEDIUM,
                    Image: aws/codebuild/standard:7.0, PrivilegedMode: true}}
      ServiceRole: !GetAtt BuildRole.Arn
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: !GetAtt PipelineServiceRole.Arn
      PipelineType: V2
      ArtifactStore: {{Type: S3, Location: !Ref Artifacts}}
      Stages:
{CODECOMMIT_SOURCE}        - Name: Build
          Actions:
            - Name: Compile
              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}}
              Configuration: {{ProjectName: !Ref Project}}
              InputArtifacts: [{{Name: AppSource}}]
Outputs:
  Bucket:
    Value: !Ref Artifacts
"""
    src = template(tmp_path, text)
    spec = tmp_path / "spec.yaml"
    status, out, err = run(["import", str(src), "-o", str(spec)], capsys)
    assert status == 0, err
    written = spec.read_text()
    body = written.split("\npipegen: 1\n", 1)[1]
    assert "\nresources:" not in body
    assert "project:\n" in body and "compute: medium" in body and "privileged: true" in body
    assert "permissions:\n" in body and "ecr:GetAuthorizationToken" in body
    assert "outputs:\n  Bucket: !Ref ArtifactBucket" in body
    for line in ("- Artifacts: artifact bucket -> pipegen's ArtifactBucket",
                 "- PipelineServiceRole: pipeline role -> pipegen's PipelineRole",
                 "- Project: CodeBuild project -> pipegen's inline project BuildCompileProject",
                 "- BuildRole: CodeBuild service role -> pipegen's BuildCompileProjectRole"):
        assert line in written
    assert "round trip: the compiled pipeline has the same" in err


def test_a_role_with_a_wildcard_action_is_kept_for_its_project(tmp_path, capsys):
    text = pipeline(BUILD.replace("ProjectName: orders-build", "ProjectName: !Ref Project")) \
        + """\
  BuildRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: codebuild.amazonaws.com},
             Action: sts:AssumeRole}
      Policies:
        - PolicyName: build
          PolicyDocument:
            Statement: [{Effect: Allow, Action: "ecr:*", Resource: "*"}]
  Project:
    Type: AWS::CodeBuild::Project
    Properties:
      Artifacts: {Type: CODEPIPELINE}
      Source: {Type: CODEPIPELINE}
      Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL,
                    Image: aws/codebuild/standard:7.0}
      ServiceRole: !Ref BuildRole
"""
    (imported,) = import_pipelines(load(template(tmp_path, text)))
    assert imported.spec["stages"][0]["actions"][0]["project"] == {
        "service_role": {"Ref": "BuildRole"}}
    assert "BuildRole" in imported.spec["resources"]
    assert "its service role BuildRole is kept: it allows the wildcard action ecr:*" in \
        imported.text


def test_secret_parameter_without_no_echo_gets_it(tmp_path, capsys):
    text = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  GitHubToken: {{Type: String}}
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: arn:aws:iam::111111111111:role/pipeline
      ArtifactStore: {{Type: S3, Location: artifacts-111111111111}}
      Stages:
        - Name: Source
          Actions:
            - Name: App
              ActionTypeId: {{Category: Source, Owner: ThirdParty, Provider: GitHub, Version: "1"}}
              Configuration: {{Owner: acme, Repo: orders, Branch: main,
                              OAuthToken: !Ref GitHubToken}}
              OutputArtifacts: [{{Name: AppSource}}]
{BUILD}"""
    spec = tmp_path / "spec.yaml"
    status, out, err = run(["import", str(template(tmp_path, text)), "-o", str(spec),
                            "--no-lint"], capsys)
    assert status == 0
    written = spec.read_text()
    assert "GitHubToken: {type: String, no_echo: true}" in written
    assert "trigger: poll" in written  # the original omits PollForSourceChanges: AWS polls
    assert "changed: parameter GitHubToken: carries a secret into a secret slot without " \
        "NoEcho: the spec adds `no_echo: true`" in err
    assert "round trip: the compiled pipeline has the same" in err


def test_a_broken_artifact_path_imports_and_the_compile_points_at_it(tmp_path, capsys):
    text = pipeline("""\
        - Name: Deploy
          Actions:
            - Name: Stack
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1"}
              Configuration:
                ActionMode: CREATE_UPDATE
                StackName: app
                TemplatePath: Built::stack.yaml
                RoleArn: arn:aws:iam::111111111111:role/cfn
              InputArtifacts: [{Name: AppSource}]
""")
    spec = tmp_path / "spec.yaml"
    status, out, err = run(["import", str(template(tmp_path, text)), "-o", str(spec),
                            "--no-lint"], capsys)
    assert status == 0, err
    line = next(i for i, t in enumerate(spec.read_text().splitlines(), 1)
                if "template: Built::stack.yaml" in t)
    assert "compile: the spec does not compile yet; what to change:" in err
    assert f"{spec}:{line}:15: error PG309 'Built' in 'Built::stack.yaml' is not one of the " \
        "inputs of action 'Stack'" in err


def test_pipeline_option_leaves_out_other_pipelines_and_what_only_they_use(tmp_path, capsys):
    other = """\
  OtherProject:
    Type: AWS::CodeBuild::Project
    Properties:
      Artifacts: {Type: CODEPIPELINE}
      Source: {Type: CODEPIPELINE}
      Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL,
                    Image: aws/codebuild/standard:7.0}
      ServiceRole: arn:aws:iam::111111111111:role/build
  Other:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: arn:aws:iam::111111111111:role/pipeline
      ArtifactStore: {Type: S3, Location: artifacts-111111111111}
      Stages:
""" + CODECOMMIT_SOURCE + BUILD.replace("ProjectName: orders-build",
                                        "ProjectName: !Ref OtherProject")
    src = template(tmp_path, pipeline(BUILD) + other)
    spec = tmp_path / "spec.yaml"
    status, out, err = run(["import", str(src), "--pipeline", "Pipeline", "-o", str(spec),
                            "--no-lint"], capsys)
    assert status == 0, err
    written = spec.read_text()
    assert "OtherProject" not in written.split("\npipegen: 1\n", 1)[1]
    assert "- Other: another pipeline of the template" in written
    assert "- OtherProject: left out: only Other used it" in written
    assert "dropped: OtherProject: left out: only Other used it" in err


def test_several_pipelines_with_a_directory_give_one_spec_each(tmp_path, capsys):
    src = Path(__file__).parent / "errors" / "PG703-several-pipelines.yaml"
    out_dir = tmp_path / "specs"
    out_dir.mkdir()
    status, out, err = run(["import", str(src), "-o", str(out_dir), "--no-lint"], capsys)
    assert status == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["PG703-several-pipelines-Hotfix.yaml", "PG703-several-pipelines-Main.yaml"]
    assert "branch: hotfix" in (out_dir / names[0]).read_text()


# --- bad input: located, exit 1, nothing written


@pytest.mark.parametrize("text, expected", [
    ("Resources:\n  A: {Type: AWS::S3::Bucket}\n  A: {Type: AWS::S3::Bucket}\n",
     "pipeline.yaml:3:3: error PG103 duplicate key 'A' (first defined at line 2)"),
    ("Resources: [\n", "pipeline.yaml:2:1: error PG102"),
    ("pipegen: 1\nname: x\nResources: {}\n", "error PG701"),
    ("Resources:\n  X: !Transform {Name: AWS::Include}\n",
     "pipeline.yaml:2:6: error PG705 !Transform cannot be carried into a spec"),
])
def test_bad_input_is_located_and_nothing_is_written(tmp_path, capsys, text, expected):
    spec = tmp_path / "spec.yaml"
    status, out, err = run(["import", str(template(tmp_path, text)), "-o", str(spec)], capsys)
    assert status == 1
    assert expected in err
    assert not spec.exists()


def test_unwritable_output_is_pg708(tmp_path, capsys):
    src = template(tmp_path, pipeline(BUILD))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, out, err = run(["import", str(src), "-o", str(blocker / "spec.yaml"),
                            "--no-check"], capsys)
    assert status == 1
    assert "error PG708 cannot write" in err


def test_a_conditional_source_imports_with_when():
    # `!If [C, source action, !Ref AWS::NoValue]` in the source stage is `when: C` (it was
    # refused while sources took no `when`)
    (imported,) = import_pipelines(load(TEMPLATES / "source-by-parameter.json"))
    assert "- when: UseCodeCommit\n  provider: codecommit\n" in imported.text
    assert "- when: UseGitHub\n  provider: github\n" in imported.text
