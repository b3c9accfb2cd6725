"""`pipegen import` on template shapes met in the public corpus (tests/corpus/README.md).

Each case is the smallest template with one shape a public pipeline has: parameter bounds
written as strings, stage and action names written with intrinsics, a role two pipelines of
one template share, a CodeCommit source that spells out the default artifact format. What is
asserted is what users see: the spec's values, the header, the round trip, the error.
"""

from __future__ import annotations

import pytest
import yaml
from helpers import TEMPLATE_BUILD_STAGE, TEMPLATE_SOURCE_STAGE

from pipegen.errors import SpecError
from pipegen.importer import check, import_pipelines, load

HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'
SOURCE = TEMPLATE_SOURCE_STAGE
BUILD = TEMPLATE_BUILD_STAGE


def pipeline(pid: str = "Pipeline", source: str = SOURCE, stages: str = BUILD) -> str:
    return f"""\
  {pid}:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: arn:aws:iam::111111111111:role/pipeline
      ArtifactStore: {{Type: S3, Location: artifacts-111111111111}}
      Stages:
{source}{stages}"""


def imported(tmp_path, text: str, linter=None):
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    items = import_pipelines(load(path))
    results = []
    for item in items:
        spec = tmp_path / f"{item.logical_id}.yaml"
        spec.write_text(item.text, encoding="utf-8")
        results.append((item, check(item, spec, linter)))
    return results


def test_parameter_bounds_written_as_strings_become_numbers(tmp_path, linter):
    # JSON-era templates quote them ("MinLength": "1"); CloudFormation reads them as numbers.
    text = HEAD + """Parameters:
  Name: {Type: String, Default: orders, MinLength: "1", MaxLength: "64"}
  Count: {Type: Number, Default: 2, MinValue: "1", MaxValue: "2.5"}
Resources:
""" + pipeline().replace("ProjectName: orders-build",
                         "ProjectName: !Sub '${Name}-build-${Count}'")
    ((item, result),) = imported(tmp_path, text, linter)
    assert item.spec["parameters"]["Name"] == {"type": "String", "default": "orders",
                                               "min_length": 1, "max_length": 64}
    assert item.spec["parameters"]["Count"]["min_value"] == 1
    assert item.spec["parameters"]["Count"]["max_value"] == 2.5
    assert result.same and result.clean, [d.message for d in result.diagnostics]


def test_a_name_looked_up_in_a_mapping_with_literal_keys_is_written_out(tmp_path):
    text = HEAD + """Mappings:
  Constants:
    Pipeline: {SourceStage: Checkout, BuildAction: Compile}
Resources:
""" + pipeline(source=SOURCE.replace("- Name: Source",
                                     "- Name: !FindInMap [Constants, Pipeline, SourceStage]"),
               stages=BUILD.replace("- Name: Compile",
                                    "- Name: !FindInMap [Constants, Pipeline, BuildAction]"))
    ((item, result),) = imported(tmp_path, text)
    assert item.spec["source_stage"] == "Checkout"
    assert item.spec["stages"][0]["actions"][0]["name"] == "Compile"
    # Nothing changes: CloudFormation gives the pipeline the same names.
    assert not [n for n in item.notes if n.kind == "changed" and "names it" in n.detail]
    assert result.same


def test_a_name_read_from_a_parameter_takes_its_default_and_says_so(tmp_path):
    text = HEAD + """Parameters:
  ServiceName: {Type: String, Default: nginx-website}
  Repo: {Type: String, Default: orders}
Resources:
""" + pipeline(source=SOURCE.replace("- Name: App", "- Name: !Sub '${Repo}-source'"),
               stages=BUILD.replace("- Name: Compile", "- Name: !Ref ServiceName"))
    ((item, result),) = imported(tmp_path, text)
    assert item.spec["sources"][0]["name"] == "orders-source"
    assert item.spec["stages"][0]["actions"][0]["name"] == "nginx-website"
    assert "action nginx-website: the template names it !Ref ServiceName" in item.text.replace(
        "\n# ", " ").replace("  ", " ")
    assert result.same


def test_a_name_read_from_a_parameter_without_default_is_named_after_it(tmp_path):
    text = HEAD + """Parameters:
  RepoName: {Type: String}
Resources:
""" + pipeline(source=SOURCE.replace("- Name: App", "- Name: !Ref RepoName"),
               stages=BUILD.replace("- Name: Compile", "- Name: !Sub '${RepoName}-build'"))
    ((item, result),) = imported(tmp_path, text)
    assert item.spec["sources"][0]["name"] == "RepoName"
    assert item.spec["stages"][0]["actions"][0]["name"] == "RepoName-build"
    assert "action RepoName: the template names it !Ref RepoName, which has no value before " \
        "deploy" in " ".join(item.text.replace("\n# ", " ").split())
    assert result.same


def test_a_name_read_from_a_resource_attribute_is_refused_where_it_is(tmp_path):
    text = HEAD + """Resources:
  Repo:
    Type: AWS::CodeCommit::Repository
    Properties: {RepositoryName: orders}
""" + pipeline(source=SOURCE.replace("- Name: App", "- Name: !GetAtt Repo.Name"))
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as e:
        import_pipelines(load(path))
    (d,) = e.value.diagnostics
    assert d.code == "PG706" and d.span.line == text.splitlines().index(
        "            - Name: !GetAtt Repo.Name") + 1
    assert "an action's Name is an intrinsic with no value known before deploy" in d.message
    assert d.hint == "write the name out: a resource attribute has no value before deploy"


def test_a_role_two_pipelines_share_keeps_only_this_pipelines_entries(tmp_path, linter):
    # An events role allowed to start both pipelines of the template.
    shared = """\
  StartRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: start
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: codepipeline:StartPipelineExecution
                Resource:
                  - !Sub arn:aws:codepipeline:${AWS::Region}:${AWS::AccountId}:${First}
                  - !Sub arn:aws:codepipeline:${AWS::Region}:${AWS::AccountId}:${Second}
"""
    text = HEAD + "Resources:\n" + pipeline("First") + pipeline("Second") + shared
    results = imported(tmp_path, text, linter)
    for (item, result), other in zip(results, ("Second", "First"), strict=True):
        kept = item.spec["resources"]["StartRole"]["Properties"]["Policies"][0]
        (resource,) = kept["PolicyDocument"]["Statement"][0]["Resource"]
        assert resource == {"Fn::Sub": "arn:aws:codepipeline:${AWS::Region}:"
                                       "${AWS::AccountId}:${Pipeline}"}
        assert f"list entries that read {other} (left out) are dropped" in " ".join(
            n.detail for n in item.notes)
        assert result.same and result.clean, [d.message for d in result.diagnostics]


@pytest.mark.parametrize("provider,config", [
    ("CodeCommit", "{RepositoryName: orders, BranchName: main, OutputArtifactFormat: CODE_ZIP}"),
    ("CodeStarSourceConnection", "{ConnectionArn: arn:aws:codestar-connections:us-east-1:"
     "111111111111:connection/abc, FullRepositoryId: acme/orders, BranchName: main, "
     "OutputArtifactFormat: CODE_ZIP}"),
])
def test_the_default_artifact_format_written_out_round_trips(tmp_path, provider, config):
    source = SOURCE.replace("Provider: CodeCommit", f"Provider: {provider}").replace(
        "{RepositoryName: orders, BranchName: main}", config)
    ((item, result),) = imported(tmp_path, HEAD + "Resources:\n" + pipeline(source=source))
    assert "OutputArtifactFormat" not in yaml.safe_dump(item.spec)
    assert result.differences == [] and result.same


def test_a_project_the_pipeline_runs_by_name_is_kept(tmp_path):
    # ProjectName reads the same parameter as the project's Name: the pipeline runs it,
    # although only the replaced pipeline role's policy references its logical id.
    text = HEAD + """Parameters:
  ProjectName: {Type: String, Default: orders-build}
Resources:
  PipelineServiceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: codepipeline.amazonaws.com}
            Action: sts:AssumeRole
  PipelineServicePolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: pipeline
      Roles: [!Ref PipelineServiceRole]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: [codebuild:StartBuild, codebuild:BatchGetBuilds],
             Resource: !GetAtt BuildProject.Arn}
  BuildProject:
    Type: AWS::CodeBuild::Project
    Properties:
      Name: !Ref ProjectName
      ServiceRole: arn:aws:iam::111111111111:role/build
      Artifacts: {Type: CODEPIPELINE}
      Source: {Type: CODEPIPELINE}
      Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL,
                    Image: aws/codebuild/standard:7.0}
""" + pipeline().replace("RoleArn: arn:aws:iam::111111111111:role/pipeline",
                         "RoleArn: !GetAtt PipelineServiceRole.Arn").replace(
        "ProjectName: orders-build", "ProjectName: !Ref ProjectName")
    ((item, result),) = imported(tmp_path, text)
    assert "BuildProject" in item.spec["resources"]
    assert not [n for n in item.notes if n.subject == "BuildProject"]
    assert result.same


@pytest.mark.parametrize("written,typed", [("false", False), ("'true'", True)])
def test_batch_enabled_written_out_becomes_the_typed_key(tmp_path, written, typed):
    text = HEAD + "Resources:\n" + pipeline(stages=BUILD.replace(
        "{ProjectName: orders-build}", f"{{ProjectName: orders-build, BatchEnabled: {written}}}"))
    ((item, result),) = imported(tmp_path, text)
    compile_action = item.spec["stages"][0]["actions"][0]
    assert compile_action["batch"] is typed and "configuration" not in compile_action
    assert result.same


def test_intrinsic_artifact_names_get_literal_ones_and_paths_follow(tmp_path, linter):
    # Artifact names are internal to the pipeline; the template's !Sub of a parameter and
    # !Ref AWS::StackName become literal names, and the ARTIFACT::path that reads one follows.
    deploy = """\
        - Name: Deploy
          Actions:
            - Name: Stack
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1"}
              InputArtifacts: [{Name: !Sub "${App}-Built"}]
              Configuration:
                ActionMode: CREATE_UPDATE
                StackName: !Sub "${App}-stack"
                RoleArn: arn:aws:iam::111111111111:role/cfn
                TemplatePath: !Sub "${App}-Built::${TemplateFile}"
                TemplateConfiguration: !Sub "${App}-Built::config.json"
"""
    text = HEAD + """Parameters:
  App: {Type: String}
  TemplateFile: {Type: String, Default: packaged.yaml}
Resources:
""" + pipeline(
        source=SOURCE.replace("[{Name: AppSource}]", "[{Name: !Ref 'AWS::StackName'}]"),
        stages=BUILD.replace("[{Name: AppSource}]", "[{Name: !Ref 'AWS::StackName'}]")
        + '              OutputArtifacts: [{Name: !Sub "${App}-Built"}]\n' + deploy)
    ((item, result),) = imported(tmp_path, text, linter)
    assert item.spec["sources"][0]["output"] == "StackName"
    build, deploy_action = (s["actions"][0] for s in item.spec["stages"])
    assert build["outputs"] == ["Built"] and deploy_action["inputs"] == ["Built"]
    assert deploy_action["template"] == {"Fn::Sub": "Built::${TemplateFile}"}
    assert deploy_action["template_configuration"] == "Built::config.json"
    assert 'artifact Built: the template names it !Sub "${App}-Built"; artifact names are' \
        in " ".join(item.text.replace("\n# ", " ").split())
    assert [n.subject for n in item.notes if n.kind == "changed" and "artifact" in
            n.subject] == ["artifact StackName", "artifact Built"]
    assert result.same and result.clean, [d.message for d in result.diagnostics]


def test_a_key_policy_naming_this_templates_roles_grants_them_through_iam(tmp_path, linter):
    # The key policy names the build role, whose policy reads the artifact bucket: granted in
    # pipegen's key policy, ArtifactBucket -> ArtifactKey -> BuildRole -> bucket is a cycle.
    text = HEAD + """Parameters:
  Deployer: {Type: String, Default: "arn:aws:iam::222222222222:role/deployer"}
Resources:
  Artifacts:
    Type: AWS::S3::Bucket
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
          - Effect: Allow
            Principal: {AWS: [!GetAtt BuildRole.Arn, !Ref Deployer]}
            Action: [kms:Decrypt, kms:DescribeKey]
            Resource: "*"
  BuildRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: codebuild.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: artifacts
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:GetObject, kms:Decrypt]
                Resource: [!Sub "arn:aws:s3:::${Artifacts}/*", !GetAtt Key.Arn]
""" + pipeline().replace(
        "ArtifactStore: {Type: S3, Location: artifacts-111111111111}",
        "ArtifactStore: {Type: S3, Location: !Ref Artifacts, EncryptionKey: {Id: !Ref Key, "
        "Type: KMS}}")
    ((item, result),) = imported(tmp_path, text, linter)
    assert item.spec["artifacts"]["encryption"] == "generated"
    assert item.spec["artifacts"]["grant"] == [{"Ref": "Deployer"}]
    assert "the original key policy also named this template's BuildRole" in " ".join(
        n.detail for n in item.notes)
    assert result.same and result.clean, [d.message for d in result.diagnostics]


PICKED_SOURCE = HEAD + """Parameters:
  SourceType: {Type: String, AllowedValues: [CodeCommit, Connection], Default: Connection}
Conditions:
  UseCodeCommit: !Equals [!Ref SourceType, CodeCommit]
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: arn:aws:iam::111111111111:role/pipeline
      ArtifactStore: {Type: S3, Location: artifacts-111111111111}
      Stages:
        - Name: Source
          Actions:
            - !If
              - UseCodeCommit
              - Name: App
                ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1"}
                Configuration: {RepositoryName: orders, BranchName: main}
                OutputArtifacts: [{Name: AppSource}]
              - Name: App
                ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeStarSourceConnection,
                               Version: "1"}
                Configuration:
                  ConnectionArn: arn:aws:codestar-connections:us-east-1:111111111111:connection/a
                  FullRepositoryId: acme/orders
                  BranchName: main
                OutputArtifacts: [{Name: AppSource}]
""" + BUILD


@pytest.mark.parametrize("value,provider", [(True, "codecommit"), (False, "github")])
def test_choose_imports_one_spec_per_branch_of_a_source_stage_if(tmp_path, value, provider):
    path = tmp_path / "template.yaml"
    path.write_text(PICKED_SOURCE, encoding="utf-8")
    with pytest.raises(SpecError) as e:  # without a choice: where, and how to choose
        import_pipelines(load(path))
    assert "`pipegen import --choose UseCodeCommit=true`, then `--choose UseCodeCommit=false`" \
        in e.value.diagnostics[0].hint
    (item,) = import_pipelines(load(path), choose={"UseCodeCommit": value})
    assert item.spec["sources"][0]["provider"] == provider
    assert f"condition UseCodeCommit: --choose UseCodeCommit={str(value).lower()}: every !If " \
        "on it takes its" in " ".join(item.text.replace("\n# ", " ").split())
    spec = tmp_path / "spec.yaml"
    spec.write_text(item.text, encoding="utf-8")
    assert check(item, spec).same


@pytest.mark.parametrize("argument,message", [
    ("UseCodeCommit=yes", "--choose UseCodeCommit=yes: write CONDITION=true or CONDITION=false"),
    ("UseGitLab=true", "--choose UseGitLab=true: the template declares no condition UseGitLab"),
])
def test_choose_names_a_declared_condition_and_a_boolean(tmp_path, argument, message):
    from pipegen.importer import choices

    path = tmp_path / "template.yaml"
    path.write_text(PICKED_SOURCE, encoding="utf-8")
    with pytest.raises(SpecError) as e:
        choices.parse((argument,), load(path))
    (d,) = e.value.diagnostics
    assert (d.code, d.message, d.span.line) == ("PG709", message, 4)
