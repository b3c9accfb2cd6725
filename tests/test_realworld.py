"""Specs in the shape real teams write them, class by class (issue 11): each compiles lint-clean
and the test asserts the template value users get.

The shapes come from hand-written public pipelines (tests/corpus/): projects named after the
stack, change sets named per environment, CloudFormation's own Output form, copied raw
configuration, parameters kept for a stack's interface.
"""

from __future__ import annotations

import json

import pytest
from helpers import action, compile_result, grants, lint_clean, statements

from pipegen.errors import format_path

HEAD = """\
pipegen: 1
name: orders
parameters:
{parameters}
sources:
  - name: App
    provider: codecommit
    repository: orders
    branch: main
    namespace: SourceVars
stages:
"""


def spec(stages: str, parameters: str = "  Env: {type: String, default: dev}", top: str = "") \
        -> str:
    return top + HEAD.format(parameters=parameters) + stages


APPROVE_ONLY = """\
  - name: Approve
    actions:
      - {name: Ok, type: approval}
"""


def with_artifacts(text: str, artifacts: str) -> str:
    """`text` with an `artifacts:` section (YAML lines under it) before its sources."""
    return text.replace("sources:\n", "artifacts:\n" + artifacts + "sources:\n", 1)


def policy_texts(template: dict) -> str:
    """Every policy document of the template, as JSON text."""
    out = []
    for body in template["Resources"].values():
        props = body.get("Properties", {})
        for p in props.get("Policies", []):
            out.append(json.dumps(p["PolicyDocument"]))
        for key in ("PolicyDocument", "KeyPolicy"):
            if key in props:
                out.append(json.dumps(props[key]))
    return "\n".join(out)


# --- class 1: a project named with an intrinsic no longer crashes

def test_project_named_after_the_stack(tmp_path, linter):
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - name: Package
        type: build
        project: {name: !Sub "${AWS::StackName}-build", buildspec: buildspec.yml}
      - name: Check
        type: test
        project: {name: !Ref ProjectName, buildspec: test.yml}
""", parameters="  ProjectName: {type: String}"), linter)
    lint_clean(linter, r)
    arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/"
    assert grants(r.template, "BuildPackageProjectRole")["logs:PutLogEvents"] == [
        {"Fn::Sub": arn + "${AWS::StackName}-build"},
        {"Fn::Sub": arn + "${AWS::StackName}-build:*"}]
    assert grants(r.template, "BuildCheckProjectRole")["logs:PutLogEvents"] == [
        {"Fn::Sub": arn + "${ProjectName}"}, {"Fn::Sub": arn + "${ProjectName}:*"}]
    assert r.template["Resources"]["BuildCheckProject"]["Properties"]["Name"] == {
        "Ref": "ProjectName"}


def test_log_group_from_a_parameter(tmp_path, linter):
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - name: Package
        type: build
        project: {buildspec: buildspec.yml, logs: {group: !Sub "/builds/${Env}"}}
"""), linter)
    lint_clean(linter, r)
    logs = r.template["Resources"]["BuildPackageProject"]["Properties"]["LogsConfig"]
    assert logs["CloudWatchLogs"]["GroupName"] == {"Fn::Sub": "/builds/${Env}"}
    assert grants(r.template, "BuildPackageProjectRole")["logs:PutLogEvents"][0] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                   "/builds/${Env}"}


# --- class 2: intrinsics where SPEC.md accepts them

CHANGE_SET = """\
  - name: Build
    actions:
      - {name: Package, type: build, project: {buildspec: buildspec.yml}, outputs: [Built]}
  - name: Deploy
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        mode: change-set
        approve: true
        approval: {message: !Sub "Release orders to ${Env}?"}
        stack: !Sub "orders-${Env}"
        change_set: !Sub "cs-${Env}"
        template: !Sub "Built::stack-${Env}.yaml"
        template_configuration: !Sub "Built::config-${Env}.json"
        deploy_role: arn:aws:iam::111111111111:role/cfn-deployer
        inputs: [Built]
"""


def test_change_set_named_per_environment(tmp_path, linter):
    r = compile_result(tmp_path, spec(CHANGE_SET), linter)
    lint_clean(linter, r)
    create = action(r.template, "Stack-CreateChangeSet")["Configuration"]
    assert create["ChangeSetName"] == {"Fn::Sub": "cs-${Env}"}
    assert create["TemplatePath"] == {"Fn::Sub": "Built::stack-${Env}.yaml"}
    assert create["TemplateConfiguration"] == {"Fn::Sub": "Built::config-${Env}.json"}
    assert action(r.template, "Stack-ExecuteChangeSet")["Configuration"]["ChangeSetName"] == {
        "Fn::Sub": "cs-${Env}"}
    assert action(r.template, "Stack-Approve")["Configuration"]["CustomData"] == {
        "Fn::Sub": "Release orders to ${Env}?"}
    # Whichever role makes the change set (the pipeline's or an action role), its grant is
    # scoped to the one stack, named by the intrinsic.
    roles = [k for k, v in r.template["Resources"].items() if v["Type"] == "AWS::IAM::Role"]
    scoped = [g for role in roles for g in grants(r.template, role).get(
        "cloudformation:CreateChangeSet", [])]
    assert scoped == [{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:"
                       "${AWS::AccountId}:stack/orders-${Env}/*"}]


def test_artifact_part_of_a_path_must_stay_literal(tmp_path):
    from helpers import error_tuples

    text = spec(CHANGE_SET.replace('template: !Sub "Built::stack-${Env}.yaml"',
                                   "template: !Ref TemplatePath"),
                parameters="  Env: {type: String}\n  TemplatePath: {type: String}")
    [(code, message, path, *_, hint)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG207", "stages[1].actions[0].template")
    assert "must be literal" in message and "names one of the action's inputs" in message
    assert hint == 'keep the artifact literal and put the intrinsic in the path: ' \
        '!Sub "ARTIFACT::${Name}.yaml"'


def test_region_from_a_parameter(tmp_path, linter):
    text = spec("""\
  - name: Deploy
    actions:
      - name: West
        type: deploy
        provider: cloudformation
        stack: orders
        template: AppSource::stack.yaml
        deploy_role: arn:aws:iam::111111111111:role/cfn-deployer
        region: !Ref SecondRegion
""", parameters="  SecondRegion: {type: String, default: us-west-2}\n"
                "  SecondBucket: {type: String}")
    text = with_artifacts(text, "  regions:\n    - {region: !Ref SecondRegion, "
                                "bucket: !Ref SecondBucket}\n")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    t = r.template
    assert t["Conditions"]["PipegenHomeIsSecondRegion"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "SecondRegion"}]}
    stores = t["Resources"]["Pipeline"]["Properties"]["ArtifactStores"]
    assert stores[1] == {"Fn::If": ["PipegenHomeIsSecondRegion", {"Ref": "AWS::NoValue"}, {
        "ArtifactStore": {"Location": {"Ref": "SecondBucket"}, "Type": "S3"},
        "Region": {"Ref": "SecondRegion"}}]}
    assert action(t, "West")["Region"] == {"Ref": "SecondRegion"}


def test_expire_after_from_a_parameter(tmp_path, linter):
    text = with_artifacts(spec(APPROVE_ONLY, parameters="  Days: {type: Number, default: 30}"),
                          "  bucket: {expire_after: !Ref Days}\n")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    rule = r.template["Resources"]["ArtifactBucket"]["Properties"]["LifecycleConfiguration"][
        "Rules"][0]
    assert rule["ExpirationInDays"] == {"Ref": "Days"}
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": {"Ref": "Days"}}


# --- class 3: a variable in a policy resource is widened, never written into a policy

def test_stack_named_by_a_variable_is_widened(tmp_path, linter):
    r = compile_result(tmp_path, spec("""\
  - name: Deploy
    actions:
      - name: Execute
        type: deploy
        provider: cloudformation
        mode: change-set-execute
        stack: "#{SourceVars.BranchName}"
        change_set: "cs-#{SourceVars.CommitId}"
""", parameters="  Env: {type: String, default: dev}").replace(
        "parameters:\n  Env: {type: String, default: dev}\n", ""), linter)
    lint_clean(linter, r)
    config = action(r.template, "Execute")["Configuration"]
    assert config == {"ActionMode": "CHANGE_SET_EXECUTE", "ChangeSetName":
                      "cs-#{SourceVars.CommitId}", "StackName": "#{SourceVars.BranchName}"}
    assert "#{" not in policy_texts(r.template)
    assert grants(r.template)["cloudformation:ExecuteChangeSet"] == [{
        "Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                   "stack/*/*"}]
    [w] = [w for w in r.warnings if w.code == "PG384"]
    assert format_path(w.path) == "stages[0].actions[0].stack"
    assert w.message.startswith("#{SourceVars.BranchName} is resolved by CodePipeline")


# --- class 4: what AWS and cfn-lint accept is not refused

def test_outputs_in_cloudformation_form(tmp_path, linter):
    text = spec(APPROVE_ONLY + """\
outputs:
  PipelineName:
    Value: !Ref Pipeline
    Description: The pipeline
    Export: {Name: !Sub "${AWS::StackName}-pipeline"}
  ProdOnly:
    Value: !Ref Env
    Condition: IsProd
conditions:
  IsProd: !Equals [!Ref Env, prod]
""")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    assert r.template["Outputs"] == {
        "PipelineName": {"Value": {"Ref": "Pipeline"}, "Description": "The pipeline",
                         "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-pipeline"}}},
        "ProdOnly": {"Value": {"Ref": "Env"}, "Condition": "IsProd"}}


def test_execute_keeps_copied_deploy_role_and_capabilities(tmp_path, linter):
    r = compile_result(tmp_path, spec("""\
  - name: Deploy
    actions:
      - name: Execute
        type: deploy
        provider: cloudformation
        mode: change-set-execute
        stack: orders
        change_set: orders-changes
        deploy_role: arn:aws:iam::111111111111:role/cfn-deployer
        capabilities: [iam, auto-expand]
""").replace("parameters:\n  Env: {type: String, default: dev}\n", ""), linter)
    lint_clean(linter, r)
    config = action(r.template, "Execute")["Configuration"]
    assert config["RoleArn"] == "arn:aws:iam::111111111111:role/cfn-deployer"
    assert config["Capabilities"] == "CAPABILITY_IAM,CAPABILITY_AUTO_EXPAND"
    assert sorted(format_path(w.path) for w in r.warnings if w.code == "PG385") == [
        "stages[0].actions[0].capabilities", "stages[0].actions[0].deploy_role"]


def test_raw_configuration_as_cloudformation_takes_it(tmp_path, linter):
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - name: Package
        type: build
        project: orders-build
        configuration: {BatchEnabled: true, CombineArtifacts: false}
""").replace("parameters:\n  Env: {type: String, default: dev}\n", ""), linter)
    lint_clean(linter, r)
    config = action(r.template, "Package")["Configuration"]
    assert (config["BatchEnabled"], config["CombineArtifacts"]) == ("true", "false")
    # BatchEnabled from raw configuration still grants the batch calls.
    assert "codebuild:StartBuildBatch" in grants(r.template)


def test_custom_resource_version_and_numeric_allowed_values(tmp_path, linter):
    text = spec("""\
  - name: Approve
    actions:
      - {name: Ok, type: approval, message: !Sub "size ${Size}, port ${Port}"}
resources:
  Thing:
    Type: Custom::Thing
    Version: "1.0"
    Properties:
      ServiceToken: !Sub "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:x"
""", parameters="  Size: {type: String, default: 10, allowed_values: [10, 20]}\n"
                 "  Port: {type: Number, default: 8080, allowed_values: [8080, 9090]}")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    params = r.template["Parameters"]
    assert params["Size"] == {"Type": "String", "Default": "10", "AllowedValues": ["10", "20"]}
    assert params["Port"] == {"Type": "Number", "Default": 8080, "AllowedValues": [8080, 9090]}
    assert r.template["Resources"]["Thing"]["Version"] == "1.0"


# --- class 5: keys real pipelines need

def test_codebuild_project_keys_real_pipelines_use(tmp_path, linter):
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - name: Package
        type: build
        project:
          name: !Sub "${AWS::StackName}-build"
          description: !Sub "Builds ${AWS::StackName}"
          buildspec: buildspec.yml
          cache: {type: s3, location: orders-cache/build}
          vpc: {id: !Ref Vpc, subnets: !Ref Subnets, security_groups: [!Ref Sg]}
          file_systems: [{id: fs-0abc1234, mount: /mnt/efs, identifier: shared}]
          queued_timeout: 2h
""", parameters='  Vpc: {type: "AWS::EC2::VPC::Id"}\n  Subnets: {type: '
                '"List<AWS::EC2::Subnet::Id>"}\n  Sg: {type: "AWS::EC2::SecurityGroup::Id"}'),
        linter)
    lint_clean(linter, r)
    p = r.template["Resources"]["BuildPackageProject"]["Properties"]
    assert p["Description"] == {"Fn::Sub": "Builds ${AWS::StackName}"}
    assert p["Cache"] == {"Type": "S3", "Location": "orders-cache/build"}
    assert p["VpcConfig"] == {"VpcId": {"Ref": "Vpc"}, "Subnets": {"Ref": "Subnets"},
                              "SecurityGroupIds": [{"Ref": "Sg"}]}
    assert p["FileSystemLocations"] == [{
        "Type": "EFS", "Identifier": "shared", "MountPoint": "/mnt/efs",
        "Location": {"Fn::Sub": "fs-0abc1234.efs.${AWS::Region}.amazonaws.com:/"}}]
    assert p["QueuedTimeoutInMinutes"] == 120
    g = grants(r.template, "BuildPackageProjectRole")
    assert {"Fn::Sub": "arn:${AWS::Partition}:s3:::orders-cache/build/*"} in g["s3:PutObject"]
    [eni] = [s for s in statements(r.template, "BuildPackageProjectRole")
             if s["Action"] == ["ec2:CreateNetworkInterfacePermission"]]
    assert eni["Condition"] == {"StringEquals": {
        "ec2:AuthorizedService": "codebuild.amazonaws.com"}}


def test_sources_in_order_depends_on_and_a_generated_name(tmp_path, linter):
    text = """\
pipegen: 1
name: per-branch
pipeline_name: generated
depends_on: [Repository]
sources:
  - {name: App, provider: codecommit, repository: app, branch: main}
  - {name: Config, provider: codecommit, repository: config, branch: main, after: [App]}
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        inputs: [AppSource, ConfigSource]
        primary_source: AppSource
        project:
          buildspec: buildspec.yml
          permissions:
            - actions: [ecr:PutImage]
              resources: [!GetAtt Repository.Arn]
              condition: {StringEquals: {"aws:RequestedRegion": !Ref "AWS::Region"}}
resources:
  Repository: {Type: AWS::ECR::Repository}
"""
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    pipeline = r.template["Resources"]["Pipeline"]
    assert "Name" not in pipeline["Properties"]
    assert pipeline["DependsOn"] == ["Repository"]
    source = r.template["Resources"]["Pipeline"]["Properties"]["Stages"][0]["Actions"]
    assert [(a["Name"], a["RunOrder"]) for a in source] == [("App", 1), ("Config", 2)]
    [put] = [s for s in statements(r.template, "BuildPackageProjectRole")
             if s["Action"] == ["ecr:PutImage"]]
    assert put["Condition"] == {"StringEquals": {"aws:RequestedRegion": {
        "Ref": "AWS::Region"}}}


def test_access_logs_on_the_generated_bucket(tmp_path, linter):
    text = with_artifacts(spec(APPROVE_ONLY, parameters="  LogBucket: {type: String}"),
                          "  bucket: {access_logs: {bucket: !Ref LogBucket, prefix: "
                          "artifacts/}}\n")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    assert r.template["Resources"]["ArtifactBucket"]["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": "LogBucket"}, "LogFilePrefix": "artifacts/"}


# --- class 7: errors not in waves

def test_schema_and_semantic_errors_in_one_run(tmp_path):
    from helpers import error_tuples

    text = """\
pipegen: 1
name: waves
sources:
  - {name: App, provider: codecommit, repository: app, branch: main}
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        project: {imgae: x}
        outputs: [Built]
      - {name: Check, type: test, project: checker, inputs: [Nope]}
  - name: Deploy
    actions:
      - {name: Site, type: deploy, provider: s3, bucket: site, extract: true, inputs: [Built]}
      - {name: Site, type: approval}
"""
    found = [(f[0], f[2]) for f in error_tuples(tmp_path, text)]
    # The refused project does not hide the other stages' mistakes, and what it would have
    # produced (Built) is not reported missing.
    assert found == [("PG201", "stages[0].actions[0].project.imgae"),
                     ("PG302", "stages[0].actions[1].inputs[0]"),
                     ("PG301", "stages[1].actions[1].name")]


def test_a_refused_source_beside_its_copy_is_reported_not_crashed_on(tmp_path):
    # Found by mutation fuzzing: the partial check looked the action (a mapping, not hashable)
    # up among artifact names, and crashed (PG901).
    from helpers import error_tuples

    text = """\
pipegen: 1
name: waves
sources:
  - {name: Ledger, provider: codecommit, repository: ledger, branch: {a: 1}}
  - {name: Ledger, provider: codecommit, repository: ledger, branch: {a: 1}}
stages:
  - name: Build
    actions:
      - {name: Compile, type: build, project: checker}
"""
    found = [(f[0], f[2]) for f in error_tuples(tmp_path, text)]
    assert ("PG203", "sources[0].branch") in found
    assert ("PG203", "sources[1].branch") in found
    assert ("PG303", "stages[0].actions[0]") in found


def test_errors_outside_sources_and_actions_still_stop_at_the_schema(tmp_path):
    from helpers import error_tuples

    text = """\
pipegen: 1
name: waves
execution_mode: sometimes
sources:
  - {name: App, provider: codecommit, repository: app, branch: main}
stages:
  - name: Build
    actions:
      - {name: Check, type: test, project: checker, inputs: [Nope]}
"""
    assert [f[0] for f in error_tuples(tmp_path, text)] == ["PG204"]


def test_documented_key_not_built_is_not_a_typo(tmp_path, monkeypatch, request):
    """Every documented key is built today; a key the language adds later and pipegen does not
    build yet (here a stand-in, `canary_analysis`) is reported as such, not as a typo."""
    from helpers import error_tuples

    from pipegen import schema

    monkeypatch.setitem(schema.NOT_YET, "canary_analysis", "section 5, canary analysis")
    schema._not_yet.cache_clear()  # computed once per process from NOT_YET
    request.addfinalizer(schema._not_yet.cache_clear)
    text = """\
pipegen: 1
name: later
sources:
  - {name: App, provider: codecommit, repository: app, branch: main}
stages:
  - name: Deploy
    actions:
      - name: Web
        type: deploy
        provider: codedeploy
        application: web
        deployment_group: web-prod
        canary_analysis: true
"""
    [(code, message, path, *_)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG208", "stages[0].actions[0].canary_analysis")
    assert "part of the spec language (SPEC.md section 5" in message
    assert "not support it yet" in message


# --- probes (tests/test_intrinsics_table.py found these; each is the general rule's test)

def test_artifact_path_built_with_join(tmp_path):
    # !Join is as much CloudFormation's way to build a path as !Sub: its literal head names
    # the artifact, whether the join's delimiter is "::" or the head ends with it.
    text = spec(CHANGE_SET.replace(
        'template: !Sub "Built::stack-${Env}.yaml"',
        'template: !Join ["::", [Built, !Sub "stack-${Env}.yaml"]]').replace(
        'template_configuration: !Sub "Built::config-${Env}.json"',
        'template_configuration: !Join ["", ["Built::", !ImportValue config-path]]'))
    create = action(compile_result(tmp_path, text).template,
                    "Stack-CreateChangeSet")["Configuration"]
    assert create["TemplatePath"] == {"Fn::Join": ["::", ["Built", {"Fn::Sub":
                                                                    "stack-${Env}.yaml"}]]}
    assert create["TemplateConfiguration"] == {
        "Fn::Join": ["", ["Built::", {"Fn::ImportValue": "config-path"}]]}


def test_artifact_path_join_must_start_with_the_artifact(tmp_path):
    from helpers import error_tuples

    text = spec(CHANGE_SET.replace('template: !Sub "Built::stack-${Env}.yaml"',
                                   'template: !Join ["::", [!Ref Env, stack.yaml]]'))
    [(code, _, path, *_)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG207", "stages[1].actions[0].template")
    text = spec(CHANGE_SET.replace('template: !Sub "Built::stack-${Env}.yaml"',
                                   'template: !Join ["::", [Other, !Ref Env]]'))
    [(code, message, path, *_)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG309", "stages[1].actions[0].template")
    assert "'Other'" in message


KEYWORD_SPOTS = [
    ("pipeline_name: !If [IsProd, generated, orders]", "pipeline_name.Fn::If[1]", "generated"),
    ("role: !If [IsProd, arn:aws:iam::111111111111:role/p, generated]", "role.Fn::If[2]",
     "generated"),
    ("artifacts: {bucket: !If [IsProd, my-artifacts, generated]}",
     "artifacts.bucket.Fn::If[2]", "generated"),
    ("artifacts: {encryption: !If [IsProd, aws-managed, generated]}",
     "artifacts.encryption.Fn::If[1]", "aws-managed"),
]
APPROVE = """\
  - name: Release
    actions:
      - name: Approve
        type: approval
"""


@pytest.mark.parametrize(("top", "where", "word"), KEYWORD_SPOTS)
def test_pipegen_words_inside_an_intrinsic_are_refused(tmp_path, top, where, word):
    # `generated` inside an !If reached the template as a literal ARN or name (a lint error
    # located nowhere); pipegen decides what to create before CloudFormation resolves the
    # !If, so the word is refused where it is written (PG240).
    from helpers import error_tuples

    text = spec(APPROVE, top=top + "\n").replace(
        "stages:\n", "conditions:\n  IsProd: !Equals [!Ref Env, prod]\nstages:\n", 1)
    [(code, message, path, *_, hint)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG240", where)
    assert message.startswith(f"`{word}` in an intrinsic: pipegen reads `{where.split('.Fn')[0]}`")
    assert "on its own" in hint


def test_cache_mode_intrinsic_is_refused_at_the_mode(tmp_path):
    # Of the cache's two forms, the error is explained against the one whose `type` the
    # mapping names (local), at the value written: modes pipegen maps to CodeBuild's names.
    from helpers import error_tuples

    text = spec("""\
  - name: Build
    actions:
      - name: Compile
        type: build
        project:
          buildspec: buildspec.yml
          cache: {type: local, modes: [!Ref Env]}
""")
    [(code, message, path, *_)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG207", "stages[0].actions[0].project.cache.modes[0]")
    assert message.endswith("an enumerated choice that pipegen maps to CloudFormation's own "
                            "value")


def test_durations_from_parameters_resolve_in_minutes(tmp_path, linter):
    # SPEC.md: an intrinsic in a duration key resolves in the property's own unit. Approval
    # timeouts and an alarm rule's wait were literal-only (PG207), though CloudFormation takes
    # TimeoutInMinutes and WaitTime from a parameter.
    text = spec("""\
  - name: Release
    on_success:
      rules: [{alarm: !Sub "orders-${Env}-5xx", wait: !Ref WatchMinutes}]
    before_entry:
      rules: [{deployment_window: {cron: !Ref Window, timezone: !Ref Zone}}]
    actions:
      - name: Approve
        type: approval
        timeout: !Ref ApprovalMinutes
      - name: Stack
        type: deploy
        provider: cloudformation
        mode: change-set
        approve: true
        approval: {timeout: !If [IsProd, !Ref ApprovalMinutes, 60]}
        stack: orders
        template: AppSource::stack.yaml
        deploy_role: arn:aws:iam::111111111111:role/cfn-deployer
        after: [Approve]
""", parameters="  Env: {type: String, default: dev}\n"
                "  ApprovalMinutes: {type: Number, default: 1440}\n"
                "  WatchMinutes: {type: Number, default: 10}\n"
                "  Window: {type: String, default: '0 9-17 ? * MON-FRI *'}\n"
                "  Zone: {type: String, default: UTC}")
    text = text.replace("stages:\n", "conditions:\n  IsProd: !Equals [!Ref Env, prod]\nstages:\n",
                        1)
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    t = r.template
    assert action(t, "Approve")["TimeoutInMinutes"] == {"Ref": "ApprovalMinutes"}
    assert action(t, "Stack-Approve")["TimeoutInMinutes"] == {
        "Fn::If": ["IsProd", {"Ref": "ApprovalMinutes"}, 60]}
    release = [s for s in t["Resources"]["Pipeline"]["Properties"]["Stages"]
               if s["Name"] == "Release"][0]
    [alarm] = release["OnSuccess"]["Conditions"][0]["Rules"]
    assert alarm["Configuration"]["WaitTime"] == {"Ref": "WatchMinutes"}
    [window] = release["BeforeEntry"]["Conditions"][0]["Rules"]
    assert window["Configuration"] == {"Cron": {"Ref": "Window"}, "TimeZone": {"Ref": "Zone"}}


def test_action_files_named_by_intrinsics(tmp_path, linter):
    # Configuration values CloudFormation takes as intrinsics: an ECS image definitions file,
    # a Step Functions input file and execution name prefix (#{ns.var} too).
    text = spec("""\
  - name: Release
    actions:
      - name: Rolling
        type: deploy
        provider: ecs
        cluster: orders
        service: orders-api
        image_definitions: !Sub "images-${Env}.json"
      - name: Migrate
        type: invoke
        provider: step-functions
        state_machine: arn:aws:states:us-east-1:111111111111:stateMachine:migrate
        inputs: [AppSource]
        input_file: !Sub "migrations/${Env}.json"
        execution_name_prefix: "#{SourceVars.CommitId}"
""")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    assert action(r.template, "Rolling")["Configuration"]["FileName"] == {
        "Fn::Sub": "images-${Env}.json"}
    migrate = action(r.template, "Migrate")["Configuration"]
    assert migrate["Input"] == {"Fn::Sub": "migrations/${Env}.json"}
    assert migrate["ExecutionNamePrefix"] == "#{SourceVars.CommitId}"


def test_ecr_tag_left_to_its_default_by_no_value(tmp_path, linter):
    # `tag: !If [C, x, !Ref AWS::NoValue]` leaves ImageTag to AWS's default (latest); the
    # start rule's pattern names that default instead of an empty list (which EventBridge
    # refuses at deploy time).
    text = spec(APPROVE).replace("""\
    namespace: SourceVars
""", """\
    namespace: SourceVars
  - name: Image
    provider: ecr
    repository: orders
    tag: !If [Pinned, !Ref Env, !Ref "AWS::NoValue"]
""").replace("stages:\n", "conditions:\n  Pinned: !Not [!Equals [!Ref Env, dev]]\nstages:\n",
             1)
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    t = r.template
    assert action(t, "Image")["Configuration"]["ImageTag"] == {
        "Fn::If": ["Pinned", {"Ref": "Env"}, {"Ref": "AWS::NoValue"}]}
    pattern = t["Resources"]["ImageSourceRule"]["Properties"]["EventPattern"]
    assert pattern["detail"]["image-tag"] == [{"Fn::If": ["Pinned", {"Ref": "Env"}, "latest"]}]

# --- class: CloudFormation Rules that check parameters before a stack is made

RULES_TOP = """\
rules:
  RepositoryGiven:
    RuleCondition: !Equals [!Ref Provider, CodeCommit]
    Assertions:
      - Assert: !Not [!Equals [!Ref Repo, ""]]
        AssertDescription: Repo must be specified when Provider is CodeCommit
"""


def test_rules_check_parameters_with_condition_functions(tmp_path, linter):
    # sam-codepipeline-cd validates its parameters with template Rules
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - {name: Package, type: build, project: {buildspec: b.yml}}
""", parameters="  Provider: {type: String, default: CodeCommit}\n  Repo: {type: String}",
        top="") + RULES_TOP, linter)
    lint_clean(linter, r)
    assert r.template["Rules"] == {"RepositoryGiven": {
        "RuleCondition": {"Fn::Equals": [{"Ref": "Provider"}, "CodeCommit"]},
        "Assertions": [{"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Repo"}, ""]}]},
                        "AssertDescription": "Repo must be specified when Provider is "
                                             "CodeCommit"}]}}
    assert not [w for w in r.warnings if w.code == "PG375"]  # the rule uses both parameters


def test_a_rule_names_only_parameters(tmp_path):
    from helpers import error_tuples

    found = error_tuples(tmp_path, spec("""\
  - name: Build
    actions:
      - {name: Package, type: build, project: {buildspec: b.yml}}
""", parameters="  Provider: {type: String}\n  Repo: {type: String}") + RULES_TOP.replace(
        "!Ref Repo", "!Ref Rep"))
    assert [(f[0], f[1], f[2], f[-1]) for f in found] == [(
        "PG306", "'Rep' is not a parameter of this spec; a rule checks parameters only",
        "rules.RepositoryGiven.Assertions[0].Assert.Fn::Not[0].Fn::Equals[0].Ref",
        "did you mean 'Repo'?")]


def test_depends_on_what_the_pipeline_already_references(tmp_path, linter):
    # stelligent-canonical: the pipeline DependsOn the Lambda function its actions invoke (W3005)
    text = """\
pipegen: 1
name: canonical
depends_on: [Dummy, Topic]
sources:
  - {name: App, provider: codecommit, repository: app, branch: main}
stages:
  - name: Commit
    actions:
      - {name: Check, type: invoke, provider: lambda, function: !Ref Dummy}
resources:
  Topic: {Type: AWS::SNS::Topic}
  Dummy:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: "exports.handler = async () => {};"}
      Handler: index.handler
      Role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/lambda"
      Runtime: nodejs22.x
"""
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    # the invoke names Dummy already: CloudFormation waits for it without DependsOn
    assert r.template["Resources"]["Pipeline"]["DependsOn"] == ["Topic"]


def test_depends_on_kept_beside_the_action_role_grant(tmp_path, linter):
    # the grant that lets the pipeline assume its action roles used to replace `depends_on`
    text = """\
pipegen: 1
name: deps
depends_on: [Topic]
sources:
  - {name: App, provider: codecommit, repository: app, branch: main}
stages:
  - name: Build
    actions:
      - {name: Package, type: build, project: {buildspec: b.yml}, outputs: [Built]}
  - name: Deploy
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        stack: app
        template: Built::t.yml
        deploy_role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cfn"
        inputs: [Built]
resources:
  Topic: {Type: AWS::SNS::Topic}
"""
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    assert r.template["Resources"]["Pipeline"]["DependsOn"] == [
        "Topic", "PipelineAssumesActionRoles"]


# --- class: a conditional stage's generated resources exist only under its condition

def test_a_conditional_stage_makes_its_resources_conditional(tmp_path, linter):
    # trek10-serverless / sam-codepipeline-cd: a production (or test) stage that exists only
    # for one branch, whose project runs as a role named by a parameter left empty otherwise
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - {name: Package, type: build, project: {buildspec: b.yml}, outputs: [Built]}
  - name: Test
    when: HasTests
    actions:
      - name: Integration
        type: test
        inputs: [Built]
        project:
          buildspec: t.yml
          service_role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${TestRole}"
      - name: Smoke
        type: test
        inputs: [Built]
        project: {buildspec: smoke.yml}
""", parameters="  TestRole: {type: String, default: ''}",
        top="") + "conditions:\n  HasTests: !Not [!Equals [!Ref TestRole, '']]\n", linter)
    lint_clean(linter, r)
    res = r.template["Resources"]
    conditions = {k: v.get("Condition") for k, v in res.items()}
    assert conditions["TestIntegrationProject"] == "HasTests"
    # the inline project's own role is referenced by its project alone
    assert conditions["TestSmokeProject"] == conditions["TestSmokeProjectRole"] == "HasTests"
    assert conditions["BuildPackageProject"] is None
    assert conditions["BuildPackageProjectRole"] is None
    # the pipeline role may start the test builds only where the stage exists
    policy = res["PipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    conditional = [s["Fn::If"] for s in policy if "Fn::If" in s]
    assert [(c[0], c[1]["Action"], c[2]) for c in conditional] == [
        ("HasTests", ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
         {"Ref": "AWS::NoValue"})]
    assert {json.dumps(x, sort_keys=True) for x in conditional[0][1]["Resource"]} == {
        json.dumps({"Fn::GetAtt": ["TestIntegrationProject", "Arn"]}, sort_keys=True),
        json.dumps({"Fn::GetAtt": ["TestSmokeProject", "Arn"]}, sort_keys=True)}


def test_ecs_and_device_farm_waits_from_parameters(tmp_path):
    # TerminationWaitTimeInMinutes and JobTimeoutMinutes from a parameter (minutes); the ECS
    # one crashed (PG901) once the key took intrinsics, as troposphere checks integers.
    from conftest import SAMPLES

    ecs = (SAMPLES / "deploy-ecs-blue-green.yaml").read_text().replace(
        "        ready: 1h\n", "        ready: 1h\n        terminate_blue: !Ref KeepMinutes\n"
    ).replace("sources:\n", "parameters: {KeepMinutes: {type: Number}}\nsources:\n", 1)
    t = compile_result(tmp_path, ecs).template
    config = t["Resources"]["DeployApiDeploymentGroup"]["Properties"][
        "BlueGreenDeploymentConfiguration"]
    assert config["TerminateBlueInstancesOnDeploymentSuccess"] == {
        "Action": "TERMINATE", "TerminationWaitTimeInMinutes": {"Ref": "KeepMinutes"}}
    farm = (SAMPLES / "test-devicefarm.yaml").read_text().replace(
        "job_timeout: 30m", "job_timeout: !Ref JobMinutes").replace(
        "sources:\n", "parameters: {JobMinutes: {type: Number}}\nsources:\n", 1)
    t = compile_result(tmp_path, farm).template
    assert action(t, "Appium")["Configuration"]["JobTimeoutMinutes"] == {"Ref": "JobMinutes"}


def test_network_ids_are_checked_where_they_are_written(tmp_path):
    # SPEC.md's own example (`vpc-0abc`, `subnet-1`, `sg-1`) failed only in the lint gate,
    # located at the project; the ids are checked like other literal shapes, each at its
    # value, and a wrong entry of a list is named (not "expected a list, got a list").
    from helpers import error_tuples

    text = spec("""\
  - name: Build
    actions:
      - name: Compile
        type: build
        project:
          buildspec: buildspec.yml
          vpc: {id: vpc-0abc, subnets: [subnet-0abc1234, subnet-1], security_groups: [sg-1]}
          file_systems: [{id: fs-0abc, mount: /mnt/efs, identifier: efs1}]
""")
    found = [(code, message, path, hint) for code, message, path, *_, hint in
             error_tuples(tmp_path, text)]
    project = "stages[0].actions[0].project."
    assert found == [
        ("PG205", '"vpc-0abc" is not a valid VPC id', project + "vpc.id",
         "vpc- and 8 or 17 hexadecimal digits, e.g. vpc-0123456789abcdef0"),
        ("PG205", '"subnet-1" is not a valid subnet id', project + "vpc.subnets[1]",
         "subnet- and 8 or 17 hexadecimal digits, e.g. subnet-0123456789abcdef0"),
        ("PG205", '"sg-1" is not a valid security group id', project + "vpc.security_groups[0]",
         "sg- and 8 or 17 hexadecimal digits, e.g. sg-0123456789abcdef0"),
        ("PG205", '"fs-0abc" is not a valid EFS file system id', project + "file_systems[0].id",
         "fs- and 8 or 17 hexadecimal digits, e.g. fs-0123456789abcdef0")]


def test_ecs_files_with_an_intrinsic_path(tmp_path, linter):
    # SPEC.md: in ARTIFACT::path the path may be an intrinsic. ECS blue/green takes the
    # artifact and the path apart (TaskDefinitionTemplateArtifact / ...Path): the artifact is
    # read from the literal head of a !Sub, !Join or !If, the path keeps the intrinsic.
    from conftest import SAMPLES

    text = (SAMPLES / "deploy-ecs-blue-green.yaml").read_text().replace(
        "task_definition: AppSource::deploy/taskdef.json",
        'task_definition: !If [IsProd, AppSource::deploy/taskdef.json, '
        '!Sub "AppSource::deploy/${Env}/taskdef.json"]').replace(
        "appspec: AppSource::deploy/appspec.yaml",
        'appspec: !Join ["::", [AppSource, !Sub "deploy/${Env}/appspec.yaml"]]').replace(
        "sources:\n", "parameters: {Env: {type: String}}\n"
        "conditions: {IsProd: !Equals [!Ref Env, prod]}\nsources:\n", 1)
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    config = action(r.template, "Api")["Configuration"]
    assert config["TaskDefinitionTemplateArtifact"] == "AppSource"
    assert config["TaskDefinitionTemplatePath"] == {"Fn::If": [
        "IsProd", "deploy/taskdef.json", {"Fn::Sub": "deploy/${Env}/taskdef.json"}]}
    assert config["AppSpecTemplateArtifact"] == "AppSource"
    assert config["AppSpecTemplatePath"] == {"Fn::Sub": "deploy/${Env}/appspec.yaml"}


def test_restart_on_update_chosen_by_a_condition(tmp_path):
    # RestartExecutionOnUpdate is a Boolean CloudFormation takes from !If; `yes` is still
    # explained as for a boolean key.
    from helpers import error_tuples

    text = spec(APPROVE, top="restart_on_update: !If [IsProd, false, true]\n").replace(
        "stages:\n", "conditions:\n  IsProd: !Equals [!Ref Env, prod]\nstages:\n", 1)
    props = compile_result(tmp_path, text).template["Resources"]["Pipeline"]["Properties"]
    assert props["RestartExecutionOnUpdate"] == {"Fn::If": ["IsProd", False, True]}
    [(code, message, *_)] = error_tuples(tmp_path, spec(APPROVE, top="restart_on_update: yes\n"))
    assert (code, message) == ("PG203", "expected true or false, got a string")


def test_strategy_chosen_by_an_intrinsic_is_one_explained_error(tmp_path):
    # `strategy: !If [...]` was checked as the strategy's mapping form ("expected a mapping",
    # "key 'Fn::If' is not one of ..."); a strategy's settings were refused with the generic
    # reason. Both now say why a strategy is literal, once, where it is written.
    from helpers import error_tuples

    text = spec("""\
  - name: Deploy
    actions:
      - name: Web
        type: deploy
        provider: codedeploy
        application: web
        deployment_group: web-bg
        targets: {autoscaling_groups: [web-asg]}
        load_balancer: {target_group: web-tg}
        strategy: !If [IsProd, blue-green, all-at-once]
      - name: Hosts
        type: deploy
        provider: codedeploy
        application: hosts
        deployment_group: hosts
        targets: {ec2_tags: {Role: web}}
        load_balancer: {target_group: web-tg}
        strategy: {rolling: {batch: !Ref Env}}
""").replace("stages:\n", "conditions:\n  IsProd: !Equals [!Ref Env, prod]\nstages:\n", 1)
    why = "pipegen reads it to decide the pipeline's structure (which resources and actions " \
        "to emit) (a strategy may add resources and actions)"
    found = [(code, message, path) for code, message, path, *_ in error_tuples(tmp_path, text)]
    assert found == [
        ("PG207", f"'strategy' must be a literal value, not an intrinsic function: {why}",
         "stages[0].actions[0].strategy"),
        ("PG207", "'batch' must be a literal value, not an intrinsic function: pipegen checks "
         "and converts the number before emitting", "stages[0].actions[1].strategy.rolling.batch")]
    # A setting whose kind says nothing more gives the strategy's reason.
    split = spec("""\
  - name: Cutover
    actions:
      - name: Dns
        type: deploy
        provider: dns
        hosted_zone: Z0123456789ABC
        record: api.example.com
        blue: blue.example.com
        green: green.example.com
        strategy: {a-b: {split: !Ref Env}}
""")
    [(code, message, path, *_, hint)] = error_tuples(tmp_path, split)
    assert (code, message) == (
        "PG207", f"'split' must be a literal value, not an intrinsic function: {why}")
    assert hint.startswith('write a percentage here')


def test_no_value_leaves_a_key_to_its_default(tmp_path, linter):
    # CloudFormation leaves out a property whose value is AWS::NoValue: an optional spec key
    # written so falls back to its default (a generated role, the default image, no such
    # variable), where it used to reach the template as a missing required property.
    from helpers import error_tuples

    no = '!Ref "AWS::NoValue"'
    text = spec(f"""\
  - name: Build
    actions:
      - name: Compile
        type: build
        project:
          image: {no}
          compute: {no}
          buildspec: buildspec.yml
          environment: {{STAGE: !Ref Env, EXTRA: {no}}}
        region: {no}
""", top=f"role: {no}\nartifacts: {{bucket: {no}, encryption: {no}}}\n")
    r = compile_result(tmp_path, text, linter)
    lint_clean(linter, r)
    t = r.template
    assert t["Resources"]["Pipeline"]["Properties"]["RoleArn"] == {
        "Fn::GetAtt": ["PipelineRole", "Arn"]}
    env = t["Resources"]["BuildCompileProject"]["Properties"]["Environment"]
    assert env["Image"] == "aws/codebuild/standard:7.0"
    assert env["EnvironmentVariables"] == [{"Name": "STAGE", "Type": "PLAINTEXT",
                                            "Value": {"Ref": "Env"}}]
    # A required key written so is missing, and said so where it was written.
    text = spec(f"""\
  - name: Deploy
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        stack: {no}
""")
    [(code, message, path, *_)] = error_tuples(tmp_path, text)
    assert (code, message, path) == ("PG202", "missing required key 'stack'",
                                      "stages[0].actions[0]")


# --- class: a source chosen by a parameter

CHOSEN_SOURCE = """\
pipegen: 1
name: chosen
parameters:
  Provider: {type: String, default: GitHub, allowed_values: [GitHub, CodeCommit]}
  Token: {type: String, no_echo: true}
conditions:
  UseCodeCommit: !Equals [!Ref Provider, CodeCommit]
  UseGitHub: !Equals [!Ref Provider, GitHub]
sources:
  - {name: CodeCommitSource, when: UseCodeCommit, provider: codecommit, repository: app,
     branch: main, output: SourceArtifact}
  - {name: GitHubSource, when: UseGitHub, provider: github-v1, owner: acme, repository: app,
     branch: main, oauth_token: !Ref Token, webhook_secret: !Ref Token, output: SourceArtifact}
stages:
  - name: Build
    actions:
      - {name: Package, type: build, project: {buildspec: b.yml}, inputs: [SourceArtifact]}
"""


def test_a_source_chosen_by_a_parameter(tmp_path, linter):
    # sam-codepipeline-cd: `!If [UseCodeCommit, CodeCommit action, GitHub action]`
    r = compile_result(tmp_path, CHOSEN_SOURCE, linter)
    lint_clean(linter, r)
    res = r.template["Resources"]
    [source_stage] = res["Pipeline"]["Properties"]["Stages"][:1]
    assert [(a["Fn::If"][0], a["Fn::If"][1]["Name"], a["Fn::If"][2])
            for a in source_stage["Actions"]] == [
        ("UseCodeCommit", "CodeCommitSource", {"Ref": "AWS::NoValue"}),
        ("UseGitHub", "GitHubSource", {"Ref": "AWS::NoValue"})]
    # each trigger exists with its source; the shared events role serves the rule alone
    assert res["CodeCommitSourceSourceRule"]["Condition"] == "UseCodeCommit"
    assert res["GitHubSourceWebhook"]["Condition"] == "UseGitHub"
    assert res["PipelineEventsRole"]["Condition"] == "UseCodeCommit"
    assert "Condition" not in res["BuildPackageProject"]


def test_two_sources_of_one_artifact_need_exclusive_conditions(tmp_path):
    from helpers import error_tuples

    text = CHOSEN_SOURCE.replace("UseGitHub: !Equals [!Ref Provider, GitHub]",
                                 "UseGitHub: !Equals [!Ref Token, GitHub]")
    found = error_tuples(tmp_path, text)
    assert [(f[0], f[1], f[2]) for f in found] == [(
        "PG301", "two sources output the artifact 'SourceArtifact'", "sources[1].output")]
    assert found[0][-1] == (
        "output artifact names must be unique; sources that replace each other need `when:` "
        "conditions that exclude each other (`!Equals` on one parameter with different values)")


def test_an_artifact_of_a_conditional_source_read_by_an_unconditional_action(tmp_path):
    from helpers import error_tuples

    single = CHOSEN_SOURCE.replace(
        "  - {name: GitHubSource", "  - {name: Other, provider: codecommit, repository: o, "
        "branch: main}\n  - {name: GitHubSource").replace(
        "     branch: main, oauth_token: !Ref Token, webhook_secret: !Ref Token, "
        "output: SourceArtifact}", "     branch: main, oauth_token: !Ref Token, webhook_secret: "
        "!Ref Token, output: GitHubOut}").replace(
        "inputs: [SourceArtifact]}", "inputs: [GitHubOut]}")
    assert single.count("GitHubOut") == 2
    found = error_tuples(tmp_path, single)
    assert [(f[0], f[2]) for f in found] == [("PG353", "stages[0].actions[0].inputs[0]")]


def test_a_projects_environment_type_from_a_parameter(tmp_path, linter):
    # sam-codepipeline-cd lets the stack choose LINUX_CONTAINER or WINDOWS_CONTAINER
    r = compile_result(tmp_path, spec("""\
  - name: Build
    actions:
      - name: Package
        type: build
        project: {buildspec: b.yml, environment_type: !Ref EnvironmentType}
      - name: Gpu
        type: build
        project: {buildspec: g.yml, environment_type: LINUX_GPU_CONTAINER}
      - name: Arm
        type: build
        project: {buildspec: a.yml, arch: arm64}
""", parameters="  EnvironmentType: {type: String, default: LINUX_CONTAINER, "
        "allowed_values: [LINUX_CONTAINER, WINDOWS_CONTAINER]}"), linter)
    lint_clean(linter, r)
    res = r.template["Resources"]
    assert res["BuildPackageProject"]["Properties"]["Environment"]["Type"] == {
        "Ref": "EnvironmentType"}
    assert res["BuildGpuProject"]["Properties"]["Environment"]["Type"] == "LINUX_GPU_CONTAINER"
    assert res["BuildArmProject"]["Properties"]["Environment"]["Type"] == "ARM_CONTAINER"


# --- class: an optional value, `!If [C, value, !Ref AWS::NoValue]`, in a granted place

def test_an_optional_cross_account_role_never_leaves_a_statement_empty(tmp_path, linter):
    # A role, or a granted reader, that exists only when a parameter is set: without the
    # condition the statement would have no resource or principal, which IAM, S3 and KMS refuse
    deployer = '!Sub "arn:aws:iam::${Account}:role/deployer"'
    r = compile_result(tmp_path, f"""\
pipegen: 1
name: optional
parameters:
  Account: {{type: String, default: ""}}
conditions:
  IsCross: !Not [!Equals [!Ref Account, ""]]
artifacts:
  encryption: generated
  grant: [!If [IsCross, {deployer}, !Ref AWS::NoValue]]
sources:
  - {{name: App, provider: codecommit, repository: app, branch: main}}
stages:
  - name: Deploy
    actions:
      - name: Hosts
        type: deploy
        provider: codedeploy
        application: app
        deployment_group: hosts
        role: !If [IsCross, {deployer}, !Ref AWS::NoValue]
""", linter)
    lint_clean(linter, r)
    res = r.template["Resources"]
    arn = {"Fn::Sub": "arn:aws:iam::${Account}:role/deployer"}
    role = res["PipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert {"Fn::If": ["IsCross", {"Action": ["sts:AssumeRole"], "Effect": "Allow",
                                   "Resource": [arn]}, {"Ref": "AWS::NoValue"}]} in role
    bucket = res["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    key = res["ArtifactKey"]["Properties"]["KeyPolicy"]["Statement"]
    for policy in (bucket, key):
        granted = [st["Fn::If"] for st in policy if "Fn::If" in st]
        assert granted and all(g[0] == "IsCross" and g[1]["Principal"] == {"AWS": [arn]}
                               for g in granted)
