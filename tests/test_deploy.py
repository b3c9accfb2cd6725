"""Deploy providers: the emitted actions (type, configuration, artifacts, run order), the
pipeline role's grants, the change-set expansion, and the errors users see."""

from __future__ import annotations

import json
import textwrap

import pytest
from helpers import (
    compile_template,
    error_tuples,
    spec_from_stages,
    stage_actions,
    statements,
    type_id,
)

BUILD = """
- name: Build
  actions:
    - name: Package
      type: build
      project: my-project
      outputs: [Built]
"""


def deploy(action: str, extra: str = "") -> str:
    """A spec with a Build stage (output Built) and a Deploy stage holding `action`."""
    body = textwrap.indent(textwrap.dedent(action).strip(), "    ")
    return spec_from_stages(
        textwrap.dedent(BUILD).strip() + "\n- name: Deploy\n  actions:\n" + body, extra)


def test_cloudformation_create_update(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Built::stack.yaml
          template_configuration: Built::test.json
          parameter_overrides:
            Env: test
            Commit: "#{SourceVars.CommitId}"
            Image: {get_param: [Built, image.json, uri]}
          capabilities: [named-iam, auto-expand]
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
          outputs: [StackOut]
          output_file: out.json
    """), linter)
    [a] = stage_actions(t, "Deploy")
    assert a == {
        "Name": "Stack",
        "ActionTypeId": type_id("CloudFormation"),
        "Configuration": {
            "ActionMode": "CREATE_UPDATE",
            "StackName": "demo",
            "TemplatePath": "Built::stack.yaml",
            "TemplateConfiguration": "Built::test.json",
            "ParameterOverrides": json.dumps(
                {"Env": "test", "Commit": "#{SourceVars.CommitId}",
                 "Image": {"Fn::GetParam": ["Built", "image.json", "uri"]}},
                separators=(",", ":")),
            "Capabilities": "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND",
            "RoleArn": "arn:aws:iam::111111111111:role/cfn",
            "OutputFileName": "out.json",
        },
        "InputArtifacts": [{"Name": "Built"}],
        "OutputArtifacts": [{"Name": "StackOut"}],
        "RoleArn": {"Fn::GetAtt": ["DeployStackActionRole", "Arn"]},
        "RunOrder": 1,
    }
    # Passing the deploy role is the action role's, never the pipeline role's.
    assert not any("iam:PassRole" in s["Action"] for s in statements(t))
    own = statements(t, "DeployStackActionRole")
    assert {
        "Action": ["iam:PassRole"], "Effect": "Allow",
        "Resource": ["arn:aws:iam::111111111111:role/cfn"],
        "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
    } in own
    stack_grants = [s for s in own if "cloudformation:UpdateStack" in s["Action"]]
    assert stack_grants[0]["Resource"] == [{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:"
                                            "${AWS::Region}:${AWS::AccountId}:stack/demo/*"}]
    assert "cloudformation:DeleteStack" not in stack_grants[0]["Action"]


def test_cloudformation_parameter_overrides_with_intrinsic(tmp_path):
    t = compile_template(tmp_path, deploy("""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Built::stack.yaml
          parameter_overrides: {Region: !Ref AWS::Region}
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
    """))
    [a] = stage_actions(t, "Deploy")
    assert a["Configuration"]["ParameterOverrides"] == {
        "Fn::Join": ["", ['{"Region":"', {"Ref": "AWS::Region"}, '"}']]}


def test_cloudformation_modes_and_default_inputs(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Replace
          type: deploy
          provider: cloudformation
          mode: replace-on-failure
          stack: scratch
          template: AppSource::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
        - name: Remove
          type: deploy
          provider: cloudformation
          mode: delete
          after: [Replace]
          stack: scratch
          deploy_role: arn:aws:iam::111111111111:role/cfn
        - name: Prepare
          type: deploy
          provider: cloudformation
          mode: change-set-create
          after: [Remove]
          stack: demo
          template: AppSource::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
        - name: Apply
          type: deploy
          provider: cloudformation
          mode: change-set-execute
          after: [Prepare]
          stack: demo
    """), linter)
    replace, remove, prepare, apply = stage_actions(t, "Deploy")
    # replace-on-failure and change-set-create read the only source output by default;
    # delete and change-set-execute take no input.
    assert replace["InputArtifacts"] == [{"Name": "AppSource"}]
    assert replace["Configuration"]["ActionMode"] == "REPLACE_ON_FAILURE"
    assert (replace["RunOrder"], remove["RunOrder"], prepare["RunOrder"],
            apply["RunOrder"]) == (1, 2, 3, 4)
    assert remove["Configuration"] == {"ActionMode": "DELETE_ONLY", "StackName": "scratch",
                                       "RoleArn": "arn:aws:iam::111111111111:role/cfn"}
    assert "InputArtifacts" not in remove
    assert prepare["Configuration"]["ActionMode"] == "CHANGE_SET_REPLACE"
    assert prepare["Configuration"]["ChangeSetName"] == "pipegen-change-set"
    assert apply["Configuration"] == {"ActionMode": "CHANGE_SET_EXECUTE", "StackName": "demo",
                                      "ChangeSetName": "pipegen-change-set"}
    assert "InputArtifacts" not in apply
    delete_grant = [s for s in statements(t, "DeployRemoveActionRole")
                    if "cloudformation:DeleteStack" in s["Action"]]
    assert {r["Fn::Sub"].rsplit(":", 1)[1] for s in delete_grant for r in s["Resource"]} == {
        "stack/scratch/*"}


def test_change_set_expansion(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Stack
          type: deploy
          provider: cloudformation
          mode: change-set
          approve: true
          approval:
            notify: arn:aws:sns:us-east-1:111111111111:reviews
            message: Check the change set
            url: https://example.com/runbook
            timeout: 1h
          names: {create: Plan, execute: Apply}
          stack: demo
          change_set: release
          template: Built::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
          outputs: [StackOut]
          output_file: out.json
          namespace: StackVars
          role: arn:aws:iam::111111111111:role/deployer
        - name: After
          type: approval
          after: [Stack]
    """, "artifacts: {encryption: generated}"), linter)
    create, approve, execute, after = stage_actions(t, "Deploy")
    role = "arn:aws:iam::111111111111:role/deployer"
    assert create == {
        "Name": "Plan",
        "ActionTypeId": type_id("CloudFormation"),
        "Configuration": {"ActionMode": "CHANGE_SET_REPLACE", "StackName": "demo",
                          "ChangeSetName": "release", "TemplatePath": "Built::stack.yaml",
                          "RoleArn": "arn:aws:iam::111111111111:role/cfn"},
        "InputArtifacts": [{"Name": "Built"}],
        "RoleArn": role,
        "RunOrder": 1,
    }
    assert approve == {
        "Name": "Stack-Approve",
        "ActionTypeId": type_id("Manual", "Approval"),
        "Configuration": {"NotificationArn": "arn:aws:sns:us-east-1:111111111111:reviews",
                          "CustomData": "Check the change set",
                          "ExternalEntityLink": "https://example.com/runbook"},
        "RunOrder": 2,
        "TimeoutInMinutes": 60,
    }  # no RoleArn: the approval runs in the pipeline's own account (SPEC.md section 4)
    assert execute == {
        "Name": "Apply",
        "ActionTypeId": type_id("CloudFormation"),
        "Configuration": {"ActionMode": "CHANGE_SET_EXECUTE", "StackName": "demo",
                          "ChangeSetName": "release", "OutputFileName": "out.json"},
        "OutputArtifacts": [{"Name": "StackOut"}],
        "Namespace": "StackVars",
        "RoleArn": role,
        "RunOrder": 3,
    }
    # An action after the expansion waits for all three steps.
    assert after["RunOrder"] == 4
    # A cross-account action runs as its role: the pipeline role only assumes it.
    assert {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Resource": [role]} in statements(t)
    assert not [s for s in statements(t) if any(a.startswith(("cloudformation:", "iam:"))
                                                for a in s["Action"])]
    # The approval is the pipeline role's own: it publishes to the topic itself.
    assert {"Action": ["sns:Publish"], "Effect": "Allow",
            "Resource": ["arn:aws:sns:us-east-1:111111111111:reviews"]} in statements(t)


def test_change_set_without_approval_has_two_steps(tmp_path):
    t = compile_template(tmp_path, deploy("""
        - name: Stack
          type: deploy
          provider: cloudformation
          mode: change-set
          stack: demo
          template: Built::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
    """))
    assert [(a["Name"], a["RunOrder"], a["Configuration"]["ActionMode"])
            for a in stage_actions(t, "Deploy")] == [
        ("Stack-CreateChangeSet", 1, "CHANGE_SET_REPLACE"),
        ("Stack-ExecuteChangeSet", 2, "CHANGE_SET_EXECUTE")]


def test_created_deploy_role(tmp_path, linter):
    role_spec = """\
          deploy_role:
            managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
            permissions:
              - actions: [sqs:CreateQueue, sqs:DeleteQueue]
                resources: ["arn:aws:sqs:*:111111111111:demo-*"]"""
    t = compile_template(tmp_path, deploy(f"""
        - name: One
          type: deploy
          provider: cloudformation
          stack: one
          template: Built::one.yaml
          inputs: [Built]
{role_spec}
        - name: Two
          type: deploy
          provider: cloudformation
          stack: two
          template: Built::two.yaml
          inputs: [Built]
{role_spec}
    """), linter)
    one, two = stage_actions(t, "Deploy")
    # Identical definitions share one role.
    assert one["Configuration"]["RoleArn"] == two["Configuration"]["RoleArn"] == {
        "Fn::GetAtt": ["DeployOneDeployRole", "Arn"]}
    role = t["Resources"]["DeployOneDeployRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["cloudformation.amazonaws.com"]}
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert role["Policies"][0]["PolicyDocument"]["Statement"] == [{
        "Action": ["sqs:CreateQueue", "sqs:DeleteQueue"], "Effect": "Allow",
        "Resource": ["arn:aws:sqs:*:111111111111:demo-*"]}]
    assert "DeployTwoDeployRole" not in t["Resources"]
    pass_role = [s for s in statements(t, "DeployOneActionRole")
                 if s["Action"] == ["iam:PassRole"]]
    assert pass_role == [{
        "Action": ["iam:PassRole"], "Effect": "Allow",
        "Resource": [{"Fn::GetAtt": ["DeployOneDeployRole", "Arn"]}],
        "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}}]


def test_s3_deploy(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Site
          type: deploy
          provider: s3
          bucket: demo-www
          extract: true
          key: current
          acl: public-read
          cache_control: max-age=60
          inputs: [Built]
        - name: Zip
          type: deploy
          provider: s3
          bucket: demo-releases
          extract: false
          key: "builds/{datetime}.zip"
          kms_key: arn:aws:kms:us-east-1:111111111111:key/abcd
          inputs: [Built]
    """), linter)
    site, zipped = stage_actions(t, "Deploy")
    assert site == {
        "Name": "Site", "ActionTypeId": type_id("S3"),
        "Configuration": {"BucketName": "demo-www", "Extract": "true", "ObjectKey": "current",
                          "CannedACL": "public-read", "CacheControl": "max-age=60"},
        "InputArtifacts": [{"Name": "Built"}], "RunOrder": 1}
    assert zipped["Configuration"] == {
        "BucketName": "demo-releases", "Extract": "false", "ObjectKey": "builds/{datetime}.zip",
        "KMSEncryptionKeyARN": "arn:aws:kms:us-east-1:111111111111:key/abcd"}
    grants = statements(t)
    assert {"Action": ["s3:PutObject", "s3:PutObjectAcl"], "Effect": "Allow", "Resource": [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::demo-www/current/*"}]} in grants
    assert {"Action": ["s3:PutObject"], "Effect": "Allow", "Resource": [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::demo-releases/*"}]} in grants
    assert {"Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Effect": "Allow",
            "Resource": ["arn:aws:kms:us-east-1:111111111111:key/abcd"]} in grants


S3_CHOSEN = """
        - name: Site
          type: deploy
          provider: s3
          bucket: demo-www
          key: current
          extract: !Ref Unzip
          acl: !Ref Acl
          inputs: [Built]
    """
S3_PARAMETERS = """\
parameters:
  Unzip: {type: String, allowed_values: ["true", "false"], default: "true"}
  Acl: {type: String, default: private}
"""


def test_s3_deploy_chosen_by_parameters(tmp_path, linter):
    t = compile_template(tmp_path, deploy(S3_CHOSEN, S3_PARAMETERS), linter)
    [site] = stage_actions(t, "Deploy")
    assert site["Configuration"] == {"BucketName": "demo-www", "Extract": {"Ref": "Unzip"},
                                     "ObjectKey": "current", "CannedACL": {"Ref": "Acl"}}
    # Unzipped or not is known at deploy time: the object and the folder are both granted.
    assert {"Action": ["s3:PutObject", "s3:PutObjectAcl"], "Effect": "Allow", "Resource": [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::demo-www/current"},
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::demo-www/current/*"}]} in statements(t)
    # An extract that may be false needs the key.
    found = error_tuples(tmp_path, deploy(S3_CHOSEN.replace("          key: current\n", ""),
                                          S3_PARAMETERS.replace("  Acl: {type: String, "
                                                                "default: private}\n", "")
                                          ).replace("          acl: !Ref Acl\n", ""))
    assert [(f[0], f[2]) for f in found] == [("PG364", "stages[1].actions[0].extract")]


def test_ecs_rolling_and_blue_green(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Rolling
          type: deploy
          provider: ecs
          cluster: demo
          service: api
          inputs: [Built]
        - name: BlueGreen
          type: deploy
          provider: ecs
          cluster: demo
          service: api
          application: demo-ecs
          deployment_group: demo-api
          images: {IMAGE1_NAME: Built}
          inputs: [Built]
    """), linter)
    rolling, bg = stage_actions(t, "Deploy")
    assert rolling == {
        "Name": "Rolling", "ActionTypeId": type_id("ECS"),
        "Configuration": {"ClusterName": "demo", "ServiceName": "api",
                          "FileName": "imagedefinitions.json"},
        "InputArtifacts": [{"Name": "Built"}], "RunOrder": 1,
        "RoleArn": {"Fn::GetAtt": ["DeployRollingActionRole", "Arn"]}}
    assert bg["ActionTypeId"] == type_id("CodeDeployToECS")
    assert bg["Configuration"] == {
        "ApplicationName": "demo-ecs", "DeploymentGroupName": "demo-api",
        "TaskDefinitionTemplateArtifact": "Built", "TaskDefinitionTemplatePath": "taskdef.json",
        "AppSpecTemplateArtifact": "Built", "AppSpecTemplatePath": "appspec.yaml",
        "Image1ArtifactName": "Built", "Image1ContainerName": "IMAGE1_NAME"}
    assert not any(a.startswith(("ecs:", "iam:")) for s in statements(t) for a in s["Action"])
    grants = statements(t, "DeployRollingActionRole")
    assert {"Action": ["ecs:DescribeServices", "ecs:UpdateService"], "Effect": "Allow",
            "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:"
                          "${AWS::AccountId}:service/demo/api"}]} in grants
    assert {"Action": ["iam:PassRole"], "Effect": "Allow", "Resource": ["*"], "Condition": {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}} in grants


def test_beanstalk(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Web
          type: deploy
          provider: beanstalk
          application: demo
          environment: demo-prod
          inputs: [Built]
    """), linter)
    [a] = stage_actions(t, "Deploy")
    assert a == {"Name": "Web", "ActionTypeId": type_id("ElasticBeanstalk"),
                 "Configuration": {"ApplicationName": "demo", "EnvironmentName": "demo-prod"},
                 "InputArtifacts": [{"Name": "Built"}], "RunOrder": 1,
                 "RoleArn": {"Fn::GetAtt": ["DeployWebActionRole", "Arn"]}}
    # AWS's broad Beanstalk policy sits on the action's own role, not the pipeline role.
    assert "ManagedPolicyArns" not in t["Resources"]["PipelineRole"]["Properties"]
    assert t["Resources"]["DeployWebActionRole"]["Properties"]["ManagedPolicyArns"] == [{
        "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk"}]


def test_codedeploy(tmp_path):
    t = compile_template(tmp_path, deploy("""
        - name: Servers
          type: deploy
          provider: codedeploy
          application: demo
          deployment_group: demo-prod
          inputs: [Built]
          region: eu-west-1
    """, "artifacts: {regions: {eu-west-1: {bucket: demo-euw1}}}"))
    [a] = stage_actions(t, "Deploy")
    assert a["ActionTypeId"] == type_id("CodeDeploy")
    assert a["Configuration"] == {"ApplicationName": "demo", "DeploymentGroupName": "demo-prod"}
    assert a["Region"] == "eu-west-1"
    # Grants name the group in the action's region.
    assert {"Action": ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
            "Effect": "Allow", "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:codedeploy:"
                                             "eu-west-1:${AWS::AccountId}:deploymentgroup:"
                                             "demo/demo-prod"}]} in statements(t)


def test_appconfig(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Staging
          type: deploy
          provider: appconfig
          application: demo
          environment: staging
          profile: settings
          path: config/staging.json
          inputs: [Built]
        - name: Prod
          type: deploy
          provider: appconfig
          application: demo
          environment: prod
          profile: settings
          path: config/prod.json
          inputs: [Built]
    """), linter)
    staging, prod = stage_actions(t, "Deploy")
    assert staging["ActionTypeId"] == type_id("AppConfig")
    assert staging["Configuration"] == {
        "Application": {"Fn::GetAtt": ["AppConfigDemoApplication", "ApplicationId"]},
        "Environment": {"Fn::GetAtt": ["AppConfigDemoStagingEnvironment", "EnvironmentId"]},
        "ConfigurationProfile": {"Fn::GetAtt": ["AppConfigDemoSettingsProfile",
                                                "ConfigurationProfileId"]},
        "InputArtifactConfigurationPath": "config/staging.json"}
    assert prod["Configuration"]["Environment"] == {
        "Fn::GetAtt": ["AppConfigDemoProdEnvironment", "EnvironmentId"]}
    resources = t["Resources"]
    assert sorted(k for k in resources if k.startswith("AppConfig")) == [
        "AppConfigDemoApplication", "AppConfigDemoProdEnvironment",
        "AppConfigDemoSettingsProfile", "AppConfigDemoStagingEnvironment"]
    assert resources["AppConfigDemoSettingsProfile"]["Properties"]["LocationUri"] == \
        "codepipeline://demo"


def test_appconfig_location_follows_an_intrinsic_pipeline_name(tmp_path):
    t = compile_template(tmp_path, deploy("""
        - name: Settings
          type: deploy
          provider: appconfig
          application: demo
          environment: prod
          profile: settings
          path: settings.json
          inputs: [Built]
    """, 'pipeline_name: !Sub "${AWS::StackName}-pipe"'))
    profile = t["Resources"]["AppConfigDemoSettingsProfile"]["Properties"]
    assert profile["LocationUri"] == {"Fn::Sub": "codepipeline://${AWS::StackName}-pipe"}


def test_lambda_deploy(tmp_path, linter):
    t = compile_template(tmp_path, deploy("""
        - name: Live
          type: deploy
          provider: lambda
          function: demo-fn
          alias: live
          inputs: [Built]
        - name: Pinned
          type: deploy
          provider: lambda
          function: demo-fn
          alias: pinned
          version: "3"
          inputs: []
    """), linter)
    live, pinned = stage_actions(t, "Deploy")
    assert live == {"Name": "Live", "ActionTypeId": type_id("Lambda"),
                    "Configuration": {"FunctionName": "demo-fn", "FunctionAlias": "live"},
                    "InputArtifacts": [{"Name": "Built"}], "RunOrder": 1}
    assert pinned["Configuration"] == {"FunctionName": "demo-fn", "FunctionAlias": "pinned",
                                       "PublishedTargetVersion": "3"}
    assert "InputArtifacts" not in pinned


# --- errors users see


def test_artifact_path_must_name_an_input(tmp_path):
    found = error_tuples(tmp_path, deploy("""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Other::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built, AppSource]
    """))
    assert found == [("PG309", "'Other' in 'Other::stack.yaml' is not one of the inputs of "
                      "action 'Stack'", "stages[1].actions[0].template", 22, 19,
                      "the action's inputs: Built, AppSource; name one of them, or add the "
                      "artifact to `inputs`")]


@pytest.mark.parametrize(("action", "extra", "expected"), [
    pytest.param("""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Built::stack.yaml
          parameter_overrides: {Image: {get_param: [AppSource, image.json, uri]}}
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
    """, "", [
        ("PG309", "'AppSource' in 'AppSource::image.json' is not one of the inputs of action "
         "'Stack'", "stages[1].actions[0].parameter_overrides.Image.get_param[0]")],
        id="get_param_artifact_must_be_an_input"),
    pytest.param("""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Built::stack.yaml
          inputs: [Built]
    """, "", [
        ("PG358", "a cloudformation action in mode create-update needs `deploy_role`, the role "
         "CloudFormation assumes to change the stack", "stages[1].actions[0]")],
        id="deploy_role_required"),
    pytest.param("""
        - name: Remove
          type: deploy
          provider: cloudformation
          mode: delete
          stack: demo
          template: Built::stack.yaml
          approve: true
          deploy_role: arn:aws:iam::111111111111:role/cfn
        - name: Update
          type: deploy
          provider: cloudformation
          stack: demo
          deploy_role: arn:aws:iam::111111111111:role/cfn
          output_file: out.json
          inputs: [Built]
    """, "", [
        ("PG360", "`template` is not used in mode delete", "stages[1].actions[0].template"),
        ("PG360", "`approve` applies to `mode: change-set`, not delete",
         "stages[1].actions[0].approve"),
        ("PG361", "a cloudformation action in mode create-update needs `template`",
         "stages[1].actions[1]"),
        ("PG362", "`output_file` is written to the action's output artifact, and the action "
         "has no `outputs`", "stages[1].actions[1].output_file"),
    ], id="cloudformation_mode_mistakes"),
    pytest.param("""
        - name: Stack
          type: deploy
          provider: cloudformation
          mode: change-set
          stack: demo
          template: Built::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
        - name: Stack-ExecuteChangeSet
          type: approval
    """, "", [
        ("PG366", "the expanded action name 'Stack-ExecuteChangeSet' is already used in stage "
         "'Deploy'", "stages[1].actions[0].name")],
        id="expanded_names_must_not_clash"),
    pytest.param("""
        - name: Fn
          type: deploy
          provider: lambda
          function: demo-fn
          inputs: [Built]
    """, "type: v1", [
        ("PG305", "the lambda deploy action needs a v2 pipeline, and this spec says `type: v1`",
         "stages[1].actions[0].provider")],
        id="lambda_deploy_is_v2_only"),
    pytest.param("""
        - name: Settings
          type: deploy
          provider: appconfig
          application: demo
          environment: prod
          profile: settings
          path: settings.json
          region: eu-west-1
          inputs: [Built]
    """, "artifacts: {regions: {eu-west-1: {bucket: demo-euw1}}}", [
        ("PG312", "pipegen creates the AppConfig application, environment and profile in the "
         "pipeline's own account and region, so this action cannot run elsewhere (`region`)",
         "stages[1].actions[0].region")],
        id="appconfig_runs_where_its_resources_are"),
    pytest.param("""
        - name: A
          type: deploy
          provider: cloudformation
          mode: change-set
          names: {execute: Apply}
          stack: a
          template: Built::a.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
        - name: B
          type: deploy
          provider: cloudformation
          mode: change-set
          names: {execute: Apply}
          stack: b
          template: Built::b.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
    """, "", [
        # One clash, one error: at the second name (JSON output relates the first).
        ("PG366", "the expanded action name 'Apply' is already used in stage 'Deploy'",
         "stages[1].actions[1].names.execute"),
    ], id="two_expansions_must_not_clash"),
])
def test_deploy_mistakes(tmp_path, action, extra, expected):
    """(code, message, spec path) of each error for a Deploy stage holding `action`."""
    found = error_tuples(tmp_path, deploy(action, extra))
    assert [(f[0], f[1], f[2]) for f in found] == expected


def test_created_deploy_role_cannot_serve_a_cross_account_action(tmp_path):
    found = error_tuples(tmp_path, deploy("""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Built::stack.yaml
          deploy_role: {managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]}
          role: arn:aws:iam::222222222222:role/deployer
          inputs: [Built]
    """, "artifacts: {encryption: generated}"))
    assert [(f[0], f[1], f[2], f[5]) for f in found] == [
        ("PG359", "a deploy role pipegen creates lives in the pipeline's account, and this "
         "action runs in another account (`role`)", "stages[1].actions[0].deploy_role",
         "give the ARN of a deploy role in the target account (it must be in the same account "
         "as the action role)")]


def test_other_provider_errors(tmp_path):
    found = error_tuples(tmp_path, deploy("""
        - name: Zip
          type: deploy
          provider: s3
          bucket: demo
          extract: false
          inputs: [Built]
        - name: Flags
          type: deploy
          provider: appconfig
          application: demo
          environment: prod
          profile: flags
          path: flags.json
          flags: true
          inputs: [Built]
        - name: Fn
          type: deploy
          provider: lambda
          function: demo-fn
          inputs: []
        - name: Tasks
          type: deploy
          provider: ecs
          cluster: demo
          service: api
          images: {IMAGE1_NAME: Built}
          inputs: [Built]
    """))
    assert [(f[0], f[2]) for f in found] == [
        ("PG364", "stages[1].actions[0].extract"),
        ("PG363", "stages[1].actions[1].flags"),
        ("PG365", "stages[1].actions[2].inputs"),
        ("PG367", "stages[1].actions[3].images"),
    ]
    assert found[1][1] == ("AWS AppConfig feature-flag profiles cannot be fed by a pipeline: "
                           "they take hosted configurations only")


def test_parameter_overrides_over_1000_characters(tmp_path):
    params = "\n".join(f"            P{i}: {'x' * 60}" for i in range(16))
    found = error_tuples(tmp_path, deploy(f"""
        - name: Stack
          type: deploy
          provider: cloudformation
          stack: demo
          template: Built::stack.yaml
          deploy_role: arn:aws:iam::111111111111:role/cfn
          inputs: [Built]
          parameter_overrides:
{params}
    """))
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("PG205", "parameter_overrides compile to 1095 characters of JSON; CodePipeline takes "
         "at most 1000", "stages[1].actions[0].parameter_overrides")]
