"""Intrinsic functions in spec values: they reach the template unchanged, at the right place,
and what can be checked about them is checked, with located errors."""

from __future__ import annotations

import pytest
from helpers import col_of, compile_result, error_tuples, line_of, lint_clean, spec_from_parts

PARAMS = """\
parameters:
  Env: {type: String, default: dev, allowed_values: [dev, prod]}
  Network: {type: String, default: network}
mappings:
  Sizes:
    dev: {Compute: small}
    prod: {Compute: large}
conditions:
  IsProd: !Equals [!Ref Env, prod]
"""

# (YAML as written in the spec, the template value it must become)
CASES = {
    "ref": ("!Ref Env", {"Ref": "Env"}),
    "ref-pseudo": ("!Ref AWS::Region", {"Ref": "AWS::Region"}),
    "sub": ('!Sub "${AWS::StackName}-${Env}"', {"Fn::Sub": "${AWS::StackName}-${Env}"}),
    "sub-list": ('!Sub ["${Prefix}-x", {Prefix: !Ref Env}]',
                 {"Fn::Sub": ["${Prefix}-x", {"Prefix": {"Ref": "Env"}}]}),
    "sub-long": ('{Fn::Sub: "${Env}-x"}', {"Fn::Sub": "${Env}-x"}),
    "getatt": ("!GetAtt ArtifactBucket.Arn", {"Fn::GetAtt": ["ArtifactBucket", "Arn"]}),
    "getatt-list": ("!GetAtt [ArtifactBucket, DomainName]",
                    {"Fn::GetAtt": ["ArtifactBucket", "DomainName"]}),
    "importvalue": ("!ImportValue network-VpcId", {"Fn::ImportValue": "network-VpcId"}),
    "importvalue-nested": ('!ImportValue {Fn::Sub: "${Network}-VpcId"}',
                           {"Fn::ImportValue": {"Fn::Sub": "${Network}-VpcId"}}),
    "join": ('!Join ["-", [a, !Ref Env]]', {"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}),
    "select-split": ('!Select [1, !Split [",", "a,b,c"]]',
                     {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}),
    "findinmap": ("!FindInMap [Sizes, !Ref Env, Compute]",
                  {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Compute"]}),
    "if": ("!If [IsProd, big, small]", {"Fn::If": ["IsProd", "big", "small"]}),
    "if-nested": ("!If [IsProd, !Sub '${Env}-big', !Ref Env]",
                  {"Fn::If": ["IsProd", {"Fn::Sub": "${Env}-big"}, {"Ref": "Env"}]}),
}


def _uses_all(value: str) -> str:
    """Environment entries that use every declaration, so none is reported unused."""
    return f"""\
        project:
          buildspec: buildspec.yml
          environment:
            VALUE: {value}
            ENV: !Ref Env
            NET: !Ref Network
            SIZE: !FindInMap [Sizes, !Ref Env, Compute]
            PROD: !If [IsProd, "yes", "no"]
"""


def _stages(value: str) -> str:
    return """\
stages:
  - name: Build
    actions:
      - name: Package
        type: build
""" + _uses_all(value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_intrinsic_reaches_the_template_unchanged(tmp_path, linter, case):
    written, expected = CASES[case]
    result = compile_result(tmp_path, spec_from_parts(PARAMS, _stages(written)), linter)
    env = result.template["Resources"]["BuildPackageProject"]["Properties"]["Environment"]
    assert env["EnvironmentVariables"][0] == {"Name": "VALUE", "Type": "PLAINTEXT",
                                              "Value": expected}
    lint_clean(linter, result)


def test_intrinsic_in_action_configuration(tmp_path, linter):
    text = spec_from_parts(PARAMS, """\
        stages:
          - name: Deploy
            actions:
              - name: Hosts
                type: deploy
                provider: codedeploy
                application: !ImportValue {Fn::Sub: "${Network}-app"}
                deployment_group: !Join ["-", [orders, !Ref Env]]
                configuration:
                  Extra: !If [IsProd, !FindInMap [Sizes, prod, Compute], !Ref AWS::NoValue]
        """)
    result = compile_result(tmp_path, text, linter)
    config = result.template["Resources"]["Pipeline"]["Properties"]["Stages"][1]["Actions"][0][
        "Configuration"]
    assert config == {
        "ApplicationName": {"Fn::ImportValue": {"Fn::Sub": "${Network}-app"}},
        "DeploymentGroupName": {"Fn::Join": ["-", ["orders", {"Ref": "Env"}]]},
        "Extra": {"Fn::If": ["IsProd", {"Fn::FindInMap": ["Sizes", "prod", "Compute"]},
                             {"Ref": "AWS::NoValue"}]},
    }
    lint_clean(linter, result)


def test_pipeline_name_from_sub(tmp_path):
    text = spec_from_parts('pipeline_name: !Sub "${AWS::StackName}-pipeline"\n')
    result = compile_result(tmp_path, text)
    assert result.template["Resources"]["Pipeline"]["Properties"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-pipeline"}


# --- located errors


def test_ref_to_undeclared_name_is_located(tmp_path):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String}
        stages:
          - name: Build
            actions:
              - name: Package
                type: build
                project: {buildspec: b.yml, environment: {A: !Ref Env, B: !Ref Envv}}
        """)
    assert error_tuples(tmp_path, text) == [(
        "PG306", "'Envv' is not a parameter, pseudo parameter or resource of this template",
        "stages[0].actions[0].project.environment.B", line_of(text, "!Ref Envv"),
        col_of(text, "!Ref Envv"), "did you mean 'Env'?")]


def test_ref_to_nothing_similar_explains_where_to_declare(tmp_path):
    text = spec_from_parts("""\
        stages:
          - name: Build
            actions:
              - name: Package
                type: build
                project: {buildspec: b.yml, environment: {A: !Ref Zzz}}
        """)
    assert error_tuples(tmp_path, text) == [(
        "PG306", "'Zzz' is not a parameter, pseudo parameter or resource of this template",
        "stages[0].actions[0].project.environment.A", line_of(text, "!Ref Zzz"),
        col_of(text, "!Ref Zzz"), "declare it under `parameters:` or `resources:`; see "
        "docs/logical-ids.md for the ids pipegen generates")]


@pytest.mark.parametrize("written,inner", [
    ('!Sub "${Missing}-x"', ""),
    ('!Sub "${Missing.Arn}"', ""),
    ("!GetAtt Missing.Arn", ""),
    ('!Join ["", [!Ref Missing]]', ".Fn::Join[1][0]"),
    ('!ImportValue {Fn::Sub: "${Missing}-x"}', ".Fn::ImportValue"),
])
def test_names_inside_intrinsics_are_checked(tmp_path, written, inner):
    text = spec_from_parts(_stages_plain(written))
    [(code, message, path, line, _, _)] = error_tuples(tmp_path, text)
    assert (code, message, path, line) == (
        "PG306", "'Missing' is not a parameter, pseudo parameter or resource of this template",
        "stages[0].actions[0].project.environment.A" + inner, line_of(text, "A: "))


def _stages_plain(value: str) -> str:
    return f"""\
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project:
          buildspec: b.yml
          environment:
            A: {value}
"""


def test_sub_escapes_and_variables_are_not_references(tmp_path):
    text = spec_from_parts(_stages_plain('!Sub ["${!Literal}-${Name}-${AWS::Region}", {Name: x}]'))
    result = compile_result(tmp_path, text)
    env = result.template["Resources"]["BuildPackageProject"]["Properties"]["Environment"]
    assert env["EnvironmentVariables"][0]["Value"] == {
        "Fn::Sub": ["${!Literal}-${Name}-${AWS::Region}", {"Name": "x"}]}


def test_getatt_on_a_parameter(tmp_path):
    text = spec_from_parts("parameters:\n  Env: {type: String}\n", _stages_plain("!GetAtt Env.Arn"))
    assert error_tuples(tmp_path, text) == [(
        "PG306", "'Env' is a parameter; !GetAtt needs a resource",
        "stages[0].actions[0].project.environment.A", line_of(text, "A: "),
        col_of(text, "!GetAtt"), "use !Ref Env")]


def test_ref_to_a_condition(tmp_path):
    text = spec_from_parts("parameters:\n  Env: {type: String}\n",
                "conditions:\n  IsProd: !Equals [!Ref Env, prod]\n",
                _stages_plain("!If [IsProd, !Ref IsProd, b]"))
    assert error_tuples(tmp_path, text) == [(
        "PG306", "'IsProd' is a condition, not a parameter or resource",
        "stages[0].actions[0].project.environment.A.Fn::If[1]", line_of(text, "A: "),
        col_of(text, "!Ref IsProd"), "choose a value with !If [IsProd, value, other value]")]


def test_if_names_an_undeclared_condition(tmp_path):
    text = spec_from_parts(_stages_plain("!If [IsProdd, a, b]"))
    [(code, message, path, line, _, hint)] = error_tuples(tmp_path, text)
    assert (code, message, path, line, hint) == (
        "PG306", "'IsProdd' is not a condition of this spec",
        "stages[0].actions[0].project.environment.A.Fn::If[0]", line_of(text, "A: "),
        "declare it under `conditions:`")


def test_findinmap_checks_the_mapping_and_its_keys(tmp_path):
    base = "mappings:\n  Sizes:\n    dev: {Compute: small}\n"
    text = spec_from_parts(base, _stages_plain("!FindInMap [Sizes, dev, Memory]"))
    assert error_tuples(tmp_path, text)[0][:3] == (
        "PG374", "mapping 'Sizes' has no key 'Memory' under 'dev'",
        "stages[0].actions[0].project.environment.A.Fn::FindInMap[2]")
    text = spec_from_parts(base, _stages_plain("!FindInMap [Sizes, prod, Compute]"))
    assert error_tuples(tmp_path, text)[0][:3] == (
        "PG374", "mapping 'Sizes' has no key 'prod'",
        "stages[0].actions[0].project.environment.A.Fn::FindInMap[1]")
    text = spec_from_parts(base, _stages_plain("!FindInMap [Size, dev, Compute]"))
    [found] = [e for e in error_tuples(tmp_path, text) if e[0] == "PG306"]
    assert found[:3] == ("PG306", "'Size' is not a mapping of this spec",
                         "stages[0].actions[0].project.environment.A.Fn::FindInMap[0]")
    assert found[5] == "did you mean 'Sizes'?"


@pytest.mark.parametrize("written,message", [
    ("!Select [a, [x, y]]", "!Select takes [index, [values...]] (the list may be an intrinsic "
                            "such as !Split)"),
    ("!Select [2, [x, y]]", "!Select index 2 is past the end of a list of 2 values"),
    ("!Join [x]", "!Join takes [delimiter, [values...]]"),
    ("!Split [x]", "!Split takes [delimiter, string]"),
    ("!If [a, b]", "!If takes [CONDITION, value if true, value if false]"),
    ("!FindInMap [a, b]", "!FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"),
    ("!Sub [a, b, c]", "!Sub takes a string, or [string, {NAME: value}]"),
    ("!GetAtt NoAttribute", "!GetAtt takes Resource.Attribute, or [Resource, Attribute]"),
    ("!Ref [a]", "!Ref takes the name of a parameter or resource"),
    ('!Sub "${}"', "!Sub has an empty variable ${}"),
])
def test_malformed_intrinsics(tmp_path, written, message):
    text = spec_from_parts(_stages_plain(written))
    found = error_tuples(tmp_path, text)
    assert [(f[0], f[1]) for f in found] == [("PG371", message)]
    assert found[0][3] == line_of(text, "A: ")


@pytest.mark.parametrize("written,fn", [
    ("!Equals [a, b]", "!Equals"), ("!And [a, b]", "!And"), ("!Or [a, b]", "!Or"),
    ("!Not [a]", "!Not"), ("!Condition IsProd", "!Condition")])
def test_condition_functions_only_under_conditions(tmp_path, written, fn):
    text = spec_from_parts(_stages_plain(written))
    assert error_tuples(tmp_path, text) == [(
        "PG372", f"{fn} is a condition function; it may be used only under `conditions:`",
        "stages[0].actions[0].project.environment.A", line_of(text, "A: "),
        col_of(text, written), "declare a condition under `conditions:` and choose a value "
        "here with !If [CONDITION, value, other value]")]


def test_condition_function_in_extra_resources(tmp_path):
    text = spec_from_parts("""\
        resources:
          Topic:
            Type: AWS::SNS::Topic
            Properties: {DisplayName: !Equals [a, b]}
        """)
    found = error_tuples(tmp_path, text)
    assert [(f[0], f[1], f[2]) for f in found] == [(
        "PG372", "!Equals is a condition function; it may be used only under `conditions:`",
        "resources.Topic.Properties.DisplayName")]


def test_unknown_long_form_function(tmp_path):
    text = spec_from_parts(_stages_plain("{Fn::Subb: x}"))
    assert error_tuples(tmp_path, text) == [(
        "PG373", "'Fn::Subb' is not a CloudFormation intrinsic function",
        "stages[0].actions[0].project.environment.A", line_of(text, "A: "),
        col_of(text, "{Fn::Subb"), "did you mean 'Fn::Sub'?")]


@pytest.mark.parametrize("where,yaml_path", [
    ("stage-name", "stages[0].name"),
    ("action-name", "stages[0].actions[0].name"),
    ("action-type", "stages[0].actions[0].type"),
    ("provider", "stages[0].actions[0].provider"),
    ("when", "stages[0].actions[0].when"),
    ("source-name", "sources[0].name"),
])
def test_literal_only_keys_reject_intrinsics(tmp_path, where, yaml_path):
    stage_name = "!Ref P" if where == "stage-name" else "Build"
    action_name = "!Ref P" if where == "action-name" else "Package"
    action_type = "!Ref P" if where == "action-type" else "deploy"
    provider = "!Ref P" if where == "provider" else "codedeploy"
    when = "\n        when: !Ref P" if where == "when" else ""
    source_name = "!Ref P" if where == "source-name" else "Repo"
    text = f"""\
pipegen: 1
name: demo
parameters:
  P: {{type: String}}
sources:
  - name: {source_name}
    provider: codecommit
    repository: demo
    branch: main
stages:
  - name: {stage_name}
    actions:
      - name: {action_name}
        type: {action_type}
        provider: {provider}{when}
        application: a
        deployment_group: g
"""
    found = error_tuples(tmp_path, text)
    key = yaml_path.rsplit(".", 1)[-1]
    from pipegen.intrinsic_keys import literal_reason

    # The message says why the key is literal (pipegen.intrinsic_keys, also the docs' table).
    assert ("PG207", f"'{key}' must be a literal value, not an intrinsic function: "
            f"{literal_reason(key)}", yaml_path) in [(f[0], f[1], f[2]) for f in found]


# --- generated ids (SPEC.md section 8)


def test_documented_ids_of_generated_resources_resolve(tmp_path, linter):
    text = spec_from_parts("""\
        artifacts: {encryption: generated}
        outputs:
          Ids: !Join [",", [!Ref Pipeline, !GetAtt PipelineRole.Arn, !Ref ArtifactBucket,
                            !GetAtt ArtifactKey.Arn, !Ref ArtifactBucketPolicy]]
        """)
    result = compile_result(tmp_path, text, linter)
    assert result.template["Outputs"]["Ids"]["Value"]["Fn::Join"][1][3] == {
        "Fn::GetAtt": ["ArtifactKey", "Arn"]}
    lint_clean(linter, result)


def test_provider_generated_ids_resolve(tmp_path, linter):
    text = spec_from_parts("""\
        outputs:
          ProjectRole: !GetAtt BuildPackageProjectRole.Arn
          Project: !Ref BuildPackageProject
          Events: !GetAtt PipelineEventsRole.Arn
        """)
    result = compile_result(tmp_path, text, linter)
    assert result.template["Outputs"]["Events"] == {
        "Value": {"Fn::GetAtt": ["PipelineEventsRole", "Arn"]}}
    lint_clean(linter, result)


@pytest.mark.parametrize("settings,name,message,hint", [
    ("", "ArtifactKey", "'ArtifactKey' is not generated by this spec: it is generated only "
     "with `artifacts.encryption: generated`",
     ("set `artifacts.encryption: generated` for pipegen to create the key; with "
      "`encryption: ARN`, use that ARN")),
    ("artifacts: {encryption: 'arn:aws:kms:us-east-1:111111111111:key/abc'}\n", "ArtifactKey",
     "'ArtifactKey' is not generated by this spec: it is generated only with "
     "`artifacts.encryption: generated`",
     ("set `artifacts.encryption: generated` for pipegen to create the key; with "
      "`encryption: ARN`, use that ARN")),
    ("role: arn:aws:iam::111111111111:role/pipeline\n", "PipelineRole",
     "'PipelineRole' is not generated by this spec: it is generated unless `role` is an "
     "existing role's ARN",
     "with `role: ARN` the pipeline runs as that role: reference the ARN itself"),
    ("artifacts: {bucket: shared-artifacts}\n", "ArtifactBucket",
     "'ArtifactBucket' is not generated by this spec: it is generated unless "
     "`artifacts.bucket` names an existing bucket",
     "with an existing bucket, use its name: write `shared-artifacts` here, as "
     "`artifacts.bucket` does"),
    # sagemaker-codestar's deploy pipeline shares the bucket the build pipeline's stack made
    ("parameters: {Id: {type: String}}\nartifacts: {bucket: !Sub 'project-${Id}'}\n",
     "ArtifactBucket", "'ArtifactBucket' is not generated by this spec: it is generated unless "
     "`artifacts.bucket` names an existing bucket",
     "with an existing bucket, use its name: write `!Sub project-${Id}` here, as "
     "`artifacts.bucket` does"),
])
def test_documented_id_the_spec_does_not_generate(tmp_path, settings, name, message, hint):
    text = spec_from_parts(settings, _stages_plain(f"!GetAtt {name}.Arn"))
    assert error_tuples(tmp_path, text) == [(
        "PG370", message, "stages[0].actions[0].project.environment.A", line_of(text, "A: "),
        col_of(text, "!GetAtt"), hint)]


def test_misspelled_generated_id(tmp_path):
    text = spec_from_parts(_stages_plain("!Ref BuildPackageProjct"))
    [(code, message, _, _, _, hint)] = error_tuples(tmp_path, text)
    assert (code, message, hint) == (
        "PG306", "'BuildPackageProjct' is not a parameter, pseudo parameter or resource of "
        "this template", "did you mean 'BuildPackageProject'?")


def test_attribute_of_a_generated_resource(tmp_path):
    text = spec_from_parts(_stages_plain("!GetAtt ArtifactBucket.Ar"))
    assert error_tuples(tmp_path, text) == [(
        "PG306", "'ArtifactBucket' has no attribute 'Ar'",
        "stages[0].actions[0].project.environment.A", line_of(text, "A: "),
        col_of(text, "!GetAtt"), "did you mean 'Arn'?")]
    text = spec_from_parts(_stages_plain('!Sub "${PipelineRole.Name}"'))
    assert error_tuples(tmp_path, text)[0][1:] == (
        "'PipelineRole' has no attribute 'Name'", "stages[0].actions[0].project.environment.A",
        line_of(text, "A: "), col_of(text, "!Sub"), "attributes: Arn, RoleId")
