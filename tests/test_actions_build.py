"""Build actions: CodeBuild (inline and existing projects), Jenkins, Commands.

Each test compiles a small spec and asserts what the user gets: the emitted action's
ActionTypeId, Configuration, artifacts and RunOrder, the resources and the IAM statements;
or the exact error text.
"""

from __future__ import annotations

import json

from helpers import (
    TWO_SOURCES_HEAD,
    action,
    compile_stages,
    error_report,
    grants,
    statements,
    with_parameters,
)

V1_HEAD = TWO_SOURCES_HEAD.replace("name: t\n", "name: t\ntype: v1\n")
EU_STORE_HEAD = TWO_SOURCES_HEAD.replace(
    "name: t\n", "name: t\nartifacts: {regions: {eu-west-1: {bucket: t-eu}}}\n")
PART = "${AWS::Partition}"


# --- CodeBuild

def test_codebuild_inline_project(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource, ConfigSource]
            primary_source: AppSource
            project:
              compute: large
              arch: arm64
              privileged: true
              timeout: 2h
              buildspec: ci/buildspec.yml
              environment: {STAGE: prod}
            environment_variables: {RELEASE: "#{codepipeline.PipelineExecutionId}"}
            outputs: [Built]
    """, TWO_SOURCES_HEAD, linter=linter)
    assert action(t, "Compile") == {
        "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild",
                         "Version": "1"},
        "Configuration": {
            "EnvironmentVariables": '[{"name":"RELEASE","value":"#{codepipeline.'
                                    'PipelineExecutionId}","type":"PLAINTEXT"}]',
            "PrimarySource": "AppSource",
            "ProjectName": {"Ref": "BuildCompileProject"},
        },
        "InputArtifacts": [{"Name": "AppSource"}, {"Name": "ConfigSource"}],
        "Name": "Compile",
        "OutputArtifacts": [{"Name": "Built"}],
        "RunOrder": 1,
    }
    project = t["Resources"]["BuildCompileProject"]["Properties"]
    assert project["Environment"] == {
        "ComputeType": "BUILD_GENERAL1_LARGE",
        "EnvironmentVariables": [{"Name": "STAGE", "Type": "PLAINTEXT", "Value": "prod"}],
        "Image": "aws/codebuild/amazonlinux-aarch64-standard:3.0",
        "PrivilegedMode": True,
        "Type": "ARM_CONTAINER",
    }
    assert project["TimeoutInMinutes"] == 120
    assert project["Source"] == {"BuildSpec": "ci/buildspec.yml", "Type": "CODEPIPELINE"}
    assert project["Artifacts"] == {"Type": "CODEPIPELINE"}
    assert project["Name"] == {"Fn::Sub": "${AWS::StackName}-BuildCompile"}
    assert grants(t)["codebuild:StartBuild"] == [{"Fn::GetAtt": ["BuildCompileProject", "Arn"]}]
    assert grants(t)["codebuild:BatchGetBuilds"] == [
        {"Fn::GetAtt": ["BuildCompileProject", "Arn"]}]


def test_codebuild_test_action_with_existing_project(write_spec):
    t = compile_stages(write_spec, """\
      - name: Test
        actions:
          - {name: Unit, type: test, project: unit-tests, inputs: [AppSource]}
    """, TWO_SOURCES_HEAD)
    assert action(t, "Unit") == {
        "ActionTypeId": {"Category": "Test", "Owner": "AWS", "Provider": "CodeBuild",
                         "Version": "1"},
        "Configuration": {"ProjectName": "unit-tests"},
        "InputArtifacts": [{"Name": "AppSource"}],
        "Name": "Unit",
        "RunOrder": 1,
    }
    project = f"arn:{PART}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:project/unit-tests"
    assert grants(t)["codebuild:StartBuild"] == [{"Fn::Sub": project}]
    assert not any(r["Type"] == "AWS::CodeBuild::Project" for r in t["Resources"].values())


def test_codebuild_secrets_from_both_stores(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project:
              secrets:
                SM_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:db:password::"
                SM_REF: {secrets_manager: !Ref TokenArn}
                SM_NAME: {secrets_manager: "npm/token"}
                PS_NAME: /app/token
                PS_ARN: arn:aws:ssm:us-east-1:111111111111:parameter/app/other
                PS_REF: {parameter_store: !Ref TokenName}
    """, with_parameters("TokenArn", "TokenName", head=TWO_SOURCES_HEAD), linter=linter)
    env = t["Resources"]["BuildCompileProject"]["Properties"]["Environment"]
    assert env["EnvironmentVariables"] == [
        {"Name": "SM_ARN", "Type": "SECRETS_MANAGER",
         "Value": "arn:aws:secretsmanager:us-east-1:111111111111:secret:db:password::"},
        {"Name": "SM_REF", "Type": "SECRETS_MANAGER", "Value": {"Ref": "TokenArn"}},
        {"Name": "SM_NAME", "Type": "SECRETS_MANAGER", "Value": "npm/token"},
        {"Name": "PS_NAME", "Type": "PARAMETER_STORE", "Value": "/app/token"},
        {"Name": "PS_ARN", "Type": "PARAMETER_STORE",
         "Value": "arn:aws:ssm:us-east-1:111111111111:parameter/app/other"},
        {"Name": "PS_REF", "Type": "PARAMETER_STORE", "Value": {"Ref": "TokenName"}},
    ]
    g = grants(t, "BuildCompileProjectRole")
    sm = f"arn:{PART}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:npm/token"
    assert g["secretsmanager:GetSecretValue"] == [
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:db",
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:db-??????",
        {"Ref": "TokenArn"},
        {"Fn::Sub": sm},
        {"Fn::Sub": sm + "-??????"},
    ]
    ssm = f"arn:{PART}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter"
    assert g["ssm:GetParameters"] == [
        {"Fn::Sub": ssm + "/app/token"},
        "arn:aws:ssm:us-east-1:111111111111:parameter/app/other",
        {"Fn::Sub": ssm + "${TokenName}"},
        {"Fn::Sub": ssm + "/${TokenName}"},
    ]
    # Secrets never reach the template as values: only their references do.
    assert "password" not in str(g)


def test_codebuild_intrinsic_compute_and_buildspec(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project: {compute: !Ref Compute, buildspec: !Ref Spec}
    """, with_parameters("Compute", "Spec", head=TWO_SOURCES_HEAD), linter=linter)
    props = t["Resources"]["BuildCompileProject"]["Properties"]
    assert props["Environment"]["ComputeType"] == {"Ref": "Compute"}
    assert props["Source"]["BuildSpec"] == {"Ref": "Spec"}


def test_codebuild_inline_buildspec_and_role_options(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project:
              name: app-compile
              buildspec: {version: 0.2, phases: {build: {commands: [make]}}}
              encryption_key: arn:aws:kms:us-east-1:111111111111:alias/builds
              logs: {group: /builds/app}
              permissions: [{actions: [s3:PutObject], resources: ["arn:aws:s3:::drop/*"]}]
              managed_policies: [arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess]
    """, TWO_SOURCES_HEAD, linter=linter)
    props = t["Resources"]["BuildCompileProject"]["Properties"]
    assert props["Name"] == "app-compile"
    assert props["Source"]["BuildSpec"] == (
        "version: 0.2\nphases:\n  build:\n    commands:\n    - make\n")
    assert props["EncryptionKey"] == "arn:aws:kms:us-east-1:111111111111:alias/builds"
    assert props["LogsConfig"] == {"CloudWatchLogs": {"GroupName": "/builds/app",
                                                      "Status": "ENABLED"}}
    role = t["Resources"]["BuildCompileProjectRole"]["Properties"]
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
    st = statements(t, "BuildCompileProjectRole")
    assert {"Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/builds"}},
            "Effect": "Allow", "Resource": ["arn:aws:kms:us-east-1:111111111111:key/*"]} in st
    assert {"Action": ["s3:PutObject"], "Effect": "Allow",
            "Resource": ["arn:aws:s3:::drop/*"]} in st
    logs = f"arn:{PART}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/builds/app"
    assert grants(t, "BuildCompileProjectRole")["logs:PutLogEvents"] == [
        {"Fn::Sub": logs}, {"Fn::Sub": logs + ":*"}]


def test_codebuild_existing_service_role(write_spec):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project: {service_role: "arn:aws:iam::111111111111:role/builder"}
    """, TWO_SOURCES_HEAD)
    props = t["Resources"]["BuildCompileProject"]["Properties"]
    assert props["ServiceRole"] == "arn:aws:iam::111111111111:role/builder"
    assert "BuildCompileProjectRole" not in t["Resources"]


def test_codebuild_action_secrets_and_batch(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Inline
            type: build
            inputs: [AppSource]
            project: {buildspec: buildspec.yml}
            secrets: {TOKEN: arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token}
            environment_variables: {MODE: fast}
            batch: true
          - name: Existing
            type: test
            inputs: [AppSource]
            project: legacy-tests
            secrets: {PASSWORD: {parameter_store: /legacy/password}}
            batch: false
    """, TWO_SOURCES_HEAD, linter=linter)
    assert action(t, "Inline")["Configuration"] == {
        "BatchEnabled": "true",
        "EnvironmentVariables": '[{"name":"MODE","value":"fast","type":"PLAINTEXT"},'
                                '{"name":"TOKEN","value":"arn:aws:secretsmanager:us-east-1:'
                                '111111111111:secret:ci/token","type":"SECRETS_MANAGER"}]',
        "ProjectName": {"Ref": "BuildInlineProject"}}
    # `batch: false` is AWS's default, written as the spec says it (as templates often do).
    assert action(t, "Existing")["Configuration"] == {
        "BatchEnabled": "false",
        "EnvironmentVariables": '[{"name":"PASSWORD","value":"/legacy/password",'
                                '"type":"PARAMETER_STORE"}]',
        "ProjectName": "legacy-tests"}
    # The inline project's role reads the action's secret; an existing project's role is the
    # user's own, and the pipeline role never reads secrets for CodeBuild.
    assert grants(t, "BuildInlineProjectRole")["secretsmanager:GetSecretValue"] == [
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token",
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token-??????"]
    g = grants(t)
    assert "secretsmanager:GetSecretValue" not in g and "ssm:GetParameters" not in g
    assert g["codebuild:StartBuildBatch"] == [{"Fn::GetAtt": ["BuildInlineProject", "Arn"]}]
    assert g["codebuild:BatchGetBuildBatches"] == [
        {"Fn::GetAtt": ["BuildInlineProject", "Arn"]}]


def test_codebuild_action_secret_needs_a_store(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project: c
            secrets: {TOKEN: !Ref TokenArn}
    """, with_parameters("TokenArn", head=TWO_SOURCES_HEAD))
    assert text == (
        "spec.yaml:21:24: error PG347 secret 'TOKEN' is an intrinsic function, so pipegen "
        "cannot tell which store it names\n"
        "  (stages[0].actions[0].secrets.TOKEN)\n"
        "           secrets: {TOKEN: !Ref TokenArn}\n"
        "                            ^^^^^^^^^^^^^\n"
        "  hint: write `{secrets_manager: ...}` or `{parameter_store: ...}`\n")


def test_codebuild_several_inputs_need_primary_source(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            inputs: [AppSource, ConfigSource]
    """, TWO_SOURCES_HEAD) == """\
spec.yaml:18:7: error PG342 action 'Compile' has 2 inputs and needs `primary_source`
  (stages[0].actions[0].inputs)
           inputs: [AppSource, ConfigSource]
           ^^^^^^
  hint: name the input CodeBuild checks out as its primary source: one of AppSource, \
ConfigSource
"""


def test_codebuild_primary_source_must_be_an_input(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            inputs: [AppSource]
            primary_source: ConfigSource
    """, TWO_SOURCES_HEAD) == """\
spec.yaml:19:23: error PG343 primary_source 'ConfigSource' is not one of the action's inputs
  (stages[0].actions[0].primary_source)
           primary_source: ConfigSource
                           ^^^^^^^^^^^^
  hint: inputs: AppSource
"""


def test_codebuild_project_errors(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            timeout: 1h
            project:
              timeout: 40h
              service_role: arn:aws:iam::111111111111:role/builder
              permissions: [{actions: [s3:GetObject], resources: ["*"]}]
              secrets: {TOKEN: !Ref TokenArn}
              buildspec: {phases: {build: {commands: [!Ref Spec]}}}
    """, with_parameters("TokenArn", "Spec", head=TWO_SOURCES_HEAD)) == """\
spec.yaml:21:7: error PG340 a codebuild build action takes no `timeout`: CodePipeline \
accepts an action timeout on manual approvals only
  (stages[0].actions[0].timeout)
           timeout: 1h
           ^^^^^^^
  hint: set the build's own limit with `project: {timeout: ...}`
spec.yaml:23:18: error PG341 a CodeBuild timeout is 5m to 36h; 40h is outside that
  (stages[0].actions[0].project.timeout)
             timeout: 40h
                      ^^^
spec.yaml:25:9: error PG344 `permissions` extends the role pipegen generates, and \
`service_role` names an existing one
  (stages[0].actions[0].project.permissions)
             permissions: [{actions: [s3:GetObject], resources: ["*"]}]
             ^^^^^^^^^^^
  hint: remove `service_role` to let pipegen generate the role, or grant these in your \
role and drop `permissions`
spec.yaml:26:26: error PG347 secret 'TOKEN' is an intrinsic function, so pipegen cannot \
tell which store it names
  (stages[0].actions[0].project.secrets.TOKEN)
             secrets: {TOKEN: !Ref TokenArn}
                              ^^^^^^^^^^^^^
  hint: write `{secrets_manager: ...}` or `{parameter_store: ...}`
spec.yaml:27:49: error PG349 an inline buildspec cannot hold CloudFormation intrinsic \
functions
  (stages[0].actions[0].project.buildspec.phases.build.commands[0])
             buildspec: {phases: {build: {commands: [!Ref Spec]}}}
                                                     ^^^^^^^^^
  hint: pass the value in the project's `environment` and read the variable in the buildspec
"""


def test_configuration_clashing_with_a_typed_key(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            inputs: [AppSource]
            configuration: {ProjectName: other, BatchEnabled: "true"}
    """, TWO_SOURCES_HEAD) == """\
spec.yaml:19:23: error PG352 configuration key 'ProjectName' is already set by the \
action's typed keys
  (stages[0].actions[0].configuration.ProjectName)
           configuration: {ProjectName: other, BatchEnabled: "true"}
                           ^^^^^^^^^^^
  hint: remove it from `configuration:` and use the typed key
"""


def test_raw_configuration_adds_keys(write_spec):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            inputs: [AppSource]
            configuration: {BatchEnabled: "true"}
    """, TWO_SOURCES_HEAD)
    assert action(t, "Compile")["Configuration"] == {"BatchEnabled": "true", "ProjectName": "c"}


# --- Jenkins

def test_jenkins_build_and_test(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            provider: jenkins
            provider_name: MyJenkins
            project: app-build
            inputs: [AppSource]
            outputs: [War]
          - name: Check
            type: test
            provider: jenkins
            provider_name: MyJenkinsTest
            version: 3
            project: app-test
            inputs: [War]
    """, TWO_SOURCES_HEAD, linter=linter)
    assert action(t, "Compile") == {
        "ActionTypeId": {"Category": "Build", "Owner": "Custom", "Provider": "MyJenkins",
                         "Version": "1"},
        "Configuration": {"ProjectName": "app-build"},
        "InputArtifacts": [{"Name": "AppSource"}],
        "Name": "Compile",
        "OutputArtifacts": [{"Name": "War"}],
        "RunOrder": 1,
    }
    assert action(t, "Check") == {
        "ActionTypeId": {"Category": "Test", "Owner": "Custom", "Provider": "MyJenkinsTest",
                         "Version": "3"},
        "Configuration": {"ProjectName": "app-test"},
        "InputArtifacts": [{"Name": "War"}],
        "Name": "Check",
        "RunOrder": 2,
    }
    # The Jenkins job worker polls with its own credentials: no pipeline-role grant.
    assert not any(a.startswith(("codebuild:", "lambda:")) for a in grants(t))


def test_jenkins_cannot_be_cross_region(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            provider: jenkins
            provider_name: MyJenkins
            project: app-build
            inputs: [AppSource]
            region: eu-west-1
    """, EU_STORE_HEAD) == """\
spec.yaml:22:15: error PG348 a Jenkins (custom) action cannot run in another region
  (stages[0].actions[0].region)
           region: eu-west-1
                   ^^^^^^^^^
  hint: remove `region`, or write `region: !Ref AWS::Region`
"""


def test_jenkins_needs_provider_name(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - {name: Compile, type: build, provider: jenkins, project: p, inputs: [AppSource]}
    """, TWO_SOURCES_HEAD)
    assert "error PG202 missing required key 'provider_name'" in text


# --- Commands

def test_commands_action(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Make
            type: build
            provider: commands
            inputs: [AppSource, ConfigSource]
            commands: [make build, make test]
            environment_variables: {MODE: release}
            secrets: {TOKEN: arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token}
            output_variables: [VERSION]
            namespace: MakeVars
            outputs: [Dist]
            files: ["dist/**/*", "README.md"]
    """, TWO_SOURCES_HEAD, linter=linter)
    assert action(t, "Make") == {
        "ActionTypeId": {"Category": "Compute", "Owner": "AWS", "Provider": "Commands",
                         "Version": "1"},
        "Commands": ["make build", "make test"],
        "EnvironmentVariables": [
            {"Name": "MODE", "Type": "PLAINTEXT", "Value": "release"},
            {"Name": "TOKEN", "Type": "SECRETS_MANAGER",
             "Value": "arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token"}],
        "InputArtifacts": [{"Name": "AppSource"}, {"Name": "ConfigSource"}],
        "Name": "Make",
        "Namespace": "MakeVars",
        "OutputArtifacts": [{"Files": ["dist/**/*", "README.md"], "Name": "Dist"}],
        "OutputVariables": ["VERSION"],
        "RoleArn": {"Fn::GetAtt": ["BuildMakeActionRole", "Arn"]},
        "RunOrder": 1,
    }
    # The commands run as a role of their own: its logs, its secrets, its artifacts.
    logs = f"arn:{PART}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/codepipeline/t"
    assert not any(a.startswith(("logs:", "secretsmanager:")) for a in grants(t))
    g = grants(t, "BuildMakeActionRole")
    assert g["s3:PutObject"] == [{"Fn::Sub": f"arn:{PART}:s3:::${{ArtifactBucket}}/*"}]
    for verb in ("CreateLogGroup", "CreateLogStream", "PutLogEvents"):
        assert g[f"logs:{verb}"] == [{"Fn::Sub": logs}, {"Fn::Sub": logs + ":*"}]
    assert g["secretsmanager:GetSecretValue"] == [
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token",
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/token-??????"]


def test_commands_secret_in_codebuild_form(write_spec):
    # `{secrets_manager: X}` is how CodeBuild secrets name an intrinsic's store; users who
    # learnt it there write it here too, and it says the same as X (it was PG203).
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Make
            type: build
            provider: commands
            inputs: [AppSource]
            commands: [make]
            secrets:
              TOKEN: {secrets_manager: !Sub "arn:${AWS::Partition}:secretsmanager:\\
                ${AWS::Region}:${AWS::AccountId}:secret:ci"}
              NAMED: {secrets_manager: ci/named}
    """, TWO_SOURCES_HEAD)
    sub = {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
                      "${AWS::AccountId}:secret:ci"}
    assert action(t, "Make")["EnvironmentVariables"] == [
        {"Name": "TOKEN", "Type": "SECRETS_MANAGER", "Value": sub},
        {"Name": "NAMED", "Type": "SECRETS_MANAGER", "Value": "ci/named"}]
    assert grants(t, "BuildMakeActionRole")["secretsmanager:GetSecretValue"][0] == sub


def test_commands_log_group_follows_pipeline_name(write_spec):
    head = TWO_SOURCES_HEAD.replace(
        "name: t\n", "name: t\npipeline_name: !Sub '${AWS::StackName}-p'\n")
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - {name: Make, type: build, provider: commands, commands: [make], inputs: [AppSource]}
    """, head)
    assert "s3:PutObject" not in grants(t, "BuildMakeActionRole")  # no outputs, no writes
    assert grants(t, "BuildMakeActionRole")["logs:PutLogEvents"][0] == {"Fn::Sub":
        f"arn:{PART}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/codepipeline/"
        "${AWS::StackName}-p"}


def test_commands_needs_v2(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Make
            type: build
            provider: commands
            commands: [make]
            inputs: [AppSource]
    """, V1_HEAD) == """\
spec.yaml:18:7: error PG305 the commands build action needs a v2 pipeline, and this spec \
says `type: v1`
  (stages[0].actions[0].provider)
           provider: commands
           ^^^^^^^^
  hint: remove it, or set `type: v2`
"""


def test_commands_output_and_files_go_together(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: NoFiles
            type: build
            provider: commands
            commands: [make]
            inputs: [AppSource]
            outputs: [Dist]
          - name: NoOutput
            type: build
            provider: commands
            commands: [make]
            inputs: [AppSource]
            files: [dist/**]
    """, TWO_SOURCES_HEAD) == """\
spec.yaml:20:7: error PG351 the Commands action 'NoFiles' outputs 'Dist' but does not say \
which files it holds
  (stages[0].actions[0].outputs)
           outputs: [Dist]
           ^^^^^^^
  hint: add `files: [GLOB, ...]` (for example `files: [dist/**]`)
spec.yaml:26:7: error PG344 `files` says what goes into the output artifact, and the \
action has no `outputs`
  (stages[0].actions[1].files)
           files: [dist/**]
           ^^^^^
  hint: add `outputs: [NAME]`, or remove `files`
"""


def test_commands_variable_limit(write_spec):
    variables = ", ".join(f"V{i}: x" for i in range(9))
    text = error_report(write_spec, f"""\
      - name: Build
        actions:
          - name: Make
            type: build
            provider: commands
            commands: [make]
            inputs: [AppSource]
            environment_variables: {{{variables}}}
            secrets: {{A: a, B: b}}
    """, TWO_SOURCES_HEAD)
    assert text == (
        "spec.yaml:21:7: error PG341 a Commands action takes at most 10 environment variables "
        "and secrets together; 'Make' has 11\n"
        "  (stages[0].actions[0].secrets)\n"
        "           secrets: {A: a, B: b}\n"
        "           ^^^^^^^\n")


def test_commands_are_single_lines(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - name: Make
            type: build
            provider: commands
            commands: ["echo one\\ntwo"]
            inputs: [AppSource]
    """, TWO_SOURCES_HEAD)
    assert text == (
        'spec.yaml:18:18: error PG205 "echo one\\ntwo" is not valid here\n'
        "  (stages[0].actions[0].commands[0])\n"
        '           commands: ["echo one\\ntwo"]\n'
        "                      ^^^^^^^^^^^^^^^\n"
        "  hint: one shell command on one line, up to 1000 characters\n")


def test_secret_naming_both_stores_is_located(write_spec):
    # A schema error nested two alternatives deep still points at the offending mapping.
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project:
              secrets:
                TOKEN: {secrets_manager: a, parameter_store: b}
    """, TWO_SOURCES_HEAD) == """\
spec.yaml:20:18: error PG205 'TOKEN' takes at most 1 entry
  (stages[0].actions[0].project.secrets.TOKEN)
               TOKEN: {secrets_manager: a, parameter_store: b}
                      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  hint: name one store: {secrets_manager: X} or {parameter_store: X}
"""


def test_commands_built_with_intrinsics(write_spec):
    # Commands and output files take intrinsics (CloudFormation's Commands is a list of
    # strings); a secret in one is refused, as in a plain-text variable (PG331).
    head = with_parameters("Site", head=TWO_SOURCES_HEAD)
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Sync
            type: build
            provider: commands
            inputs: [AppSource]
            commands: [npm ci, !Sub "aws s3 sync dist s3://${Site}/"]
            outputs: [Dist]
            files: [!Sub "dist/${Site}/**"]
    """, head)
    sync = action(t, "Sync")
    assert sync["Commands"] == ["npm ci", {"Fn::Sub": "aws s3 sync dist s3://${Site}/"}]
    assert sync["OutputArtifacts"] == [{"Files": [{"Fn::Sub": "dist/${Site}/**"}],
                                        "Name": "Dist"}]
    head = head.replace("  Site: {type: String}\n", "  Site: {type: String, no_echo: true}\n")
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - name: Sync
            type: build
            provider: commands
            inputs: [AppSource]
            commands: [npm ci, !Sub "deploy --token ${Site}"]
    """, head)
    assert "error PG331 command 2 is plain text in the pipeline's definition, and it takes a " \
        "value from the no_echo parameter 'Site'" in text


def test_a_secret_named_by_a_parameter_is_granted_by_arn(write_spec):
    # A bare name as an IAM resource makes the role fail to deploy (lint cannot see it): a
    # parameter whose default is a name is granted as the secret's ARN; one holding an ARN
    # (or no default) is the resource itself.
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            inputs: [AppSource]
            project:
              buildspec: b.yml
              secrets:
                DB: {secrets_manager: !Ref DbSecretName}
                TOKEN: {secrets_manager: !Ref TokenArn}
          - name: Lint
            type: build
            provider: commands
            inputs: [AppSource]
            commands: [make lint]
            secrets: {DB: !Ref DbSecretName}
    """, TWO_SOURCES_HEAD.replace("sources:\n", "parameters:\n  DbSecretName: {type: String, "
                                  "default: prod/db}\n  TokenArn: {type: String}\nsources:\n"))
    named = [{"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
                         "${AWS::AccountId}:secret:${DbSecretName}" + suffix}
             for suffix in ("", "-??????")]
    assert grants(t, "BuildCompileProjectRole")["secretsmanager:GetSecretValue"] == [
        *named, {"Ref": "TokenArn"}]
    assert grants(t, "BuildLintActionRole")["secretsmanager:GetSecretValue"] == named


def test_privileged_mode_chosen_by_a_parameter(write_spec, tmp_path):
    # Teams turn Docker builds on per stack; the parameter flows into PrivilegedMode, and
    # import reads it back.
    from pipegen.importer import import_pipelines, load

    spec = write_spec(TWO_SOURCES_HEAD.replace("sources:\n", "parameters:\n  Docker: {type: "
                                               "String, allowed_values: ['true', 'false']}\n"
                                               "sources:\n") + """\
  - name: Build
    actions:
      - name: Image
        type: build
        inputs: [AppSource]
        project: {buildspec: b.yml, privileged: !Ref Docker}
""")
    from pipegen.compiler import compile_spec

    template = compile_spec(spec).template
    environment = template["Resources"]["BuildImageProject"]["Properties"]["Environment"]
    assert environment["PrivilegedMode"] == {"Ref": "Docker"}
    out = tmp_path / "t.json"
    out.write_text(json.dumps(template), encoding="utf-8")
    [imported] = import_pipelines(load(out))
    project = imported.spec["stages"][0]["actions"][0]["project"]
    assert project["privileged"] == {"Ref": "Docker"}
