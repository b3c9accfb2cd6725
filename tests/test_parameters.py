"""Parameters, mappings, conditions and `when:`, outputs and the top-level pipeline settings."""

from __future__ import annotations

import pytest
from helpers import (
    col_of,
    compile_result,
    compile_template,
    error_tuples,
    line_of,
    lint_clean,
    spec_from_parts,
)

from pipegen.errors import format_path

USES = """\
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project:
          buildspec: b.yml
          environment: {{{env}}}
          {secrets}
        outputs: [Bundle]
"""


def stages(secrets: str = "", **env: str) -> str:
    """The Build stage, its project's environment set to `env` (and `secrets: {...}`)."""
    return USES.format(env=", ".join(f"{k}: {v}" for k, v in env.items()),
                       secrets=f"secrets: {{{secrets}}}" if secrets else "")


def test_every_parameter_property_reaches_the_template(tmp_path, linter):
    text = spec_from_parts("""\
        parameters:
          Env:
            type: String
            description: target environment
            default: dev
            allowed_values: [dev, prod]
            constraint_description: dev or prod
          Name:
            type: String
            allowed_pattern: "^[a-z-]+$"
            min_length: 3
            max_length: 20
          Count:
            type: Number
            default: 2
            min_value: 1
            max_value: 5
          Token:
            type: String
            no_echo: true
          Flag:
            type: String
            default: true
        """, stages(A="!Ref Env", B="!Ref Name", D="!Ref Flag", E="!Sub '${Count}'",
                    secrets="C: {secrets_manager: !Ref Token}"))
    result = compile_result(tmp_path, text, linter)
    assert result.template["Parameters"] == {
        "Env": {"Type": "String", "Description": "target environment", "Default": "dev",
                "AllowedValues": ["dev", "prod"], "ConstraintDescription": "dev or prod"},
        "Name": {"Type": "String", "AllowedPattern": "^[a-z-]+$", "MinLength": 3,
                 "MaxLength": 20},
        "Count": {"Type": "Number", "Default": 2, "MinValue": 1, "MaxValue": 5},
        "Token": {"Type": "String", "NoEcho": True},
        "Flag": {"Type": "String", "Default": "true"},
    }
    lint_clean(linter, result)


def test_parameter_bounds_may_be_written_as_cloudformation_reads_them(tmp_path, linter):
    # JSON-era templates quote them ("MinLength": "1"), and CloudFormation accepts that; a
    # spec copied from one compiles, and the bounds are still checked.
    text = spec_from_parts("""\
        parameters:
          Name: {type: String, default: orders, min_length: '1', max_length: '100'}
          Count: {type: Number, default: 2, min_value: '1', max_value: '2.5'}
        """, stages(B="!Ref Name", E="!Sub '${Count}'"))
    result = compile_result(tmp_path, text, linter)
    assert result.template["Parameters"]["Name"] == {
        "Type": "String", "Default": "orders", "MinLength": 1, "MaxLength": 100}
    assert result.template["Parameters"]["Count"] == {
        "Type": "Number", "Default": 2, "MinValue": 1, "MaxValue": 2.5}
    lint_clean(linter, result)
    too_long = text.replace("default: orders", "default: orders-service-x").replace(
        "max_length: '100'", "max_length: '6'")
    assert [f[:3] for f in error_tuples(tmp_path, too_long)] == [
        ("PG374", "the default of parameter 'Name' is longer than max_length 6",
         "parameters.Name.default")]


@pytest.mark.parametrize("parameter,code,message,where", [
    ("{type: String, default: qa, allowed_values: [dev, prod]}", "PG374",
     "the default \"qa\" of parameter 'P' is not one of its allowed_values", "default"),
    ("{type: String, default: ABC, allowed_pattern: '^[a-z]+$'}", "PG374",
     "the default \"ABC\" of parameter 'P' does not match its allowed_pattern ^[a-z]+$",
     "default"),
    ("{type: String, min_length: 5, max_length: 2}", "PG374",
     "`min_length` (5) is greater than `max_length` (2)", "min_length"),
    ("{type: Number, min_value: 5, max_value: 2}", "PG374",
     "`min_value` (5) is greater than `max_value` (2)", "min_value"),
    ("{type: String, min_length: '5', max_length: '2'}", "PG374",
     "`min_length` (5) is greater than `max_length` (2)", "min_length"),
    ("{type: String, min_length: five}", "PG205",
     '"five" is not valid here; expected a string matching ^[0-9]+$', "min_length"),
    ("{type: Number, max_length: 2}", "PG374",
     "`max_length` applies to String parameters, and 'P' is Number", "max_length"),
    ("{type: String, min_value: 2}", "PG374",
     "`min_value` applies to Number parameters, and 'P' is String", "min_value"),
    ("{type: Number, default: many}", "PG374",
     "the default of Number parameter 'P' is not a number", "default"),
    ("{type: Number, default: 9, max_value: 5}", "PG374",
     "the default of parameter 'P' is above max_value 5", "default"),
    ("{type: String, default: abcdef, max_length: 3}", "PG374",
     "the default of parameter 'P' is longer than max_length 3", "default"),
    ("{type: String, no_echo: true, default: hunter2}", "PG376",
     "no_echo parameter 'P' has a default, which the template would hold in plain text",
     "default"),
])
def test_parameter_properties_are_consistent(tmp_path, parameter, code, message, where):
    use = {"secrets": "A: {secrets_manager: !Ref P}"} if "no_echo" in parameter else \
        {"A": "!Ref P"}
    text = spec_from_parts(f"parameters:\n  P: {parameter}\n", stages(**use))
    found = error_tuples(tmp_path, text)
    assert [(f[0], f[1], f[2]) for f in found] == [(code, message, f"parameters.P.{where}")]


def test_parameter_type_must_be_a_cloudformation_type(tmp_path):
    text = spec_from_parts("parameters:\n  P: {type: string}\n", stages(A="!Ref P"))
    [(code, message, path, *_)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG205", "parameters.P.type")
    assert message == '"string" is not valid here'


@pytest.mark.parametrize("kind,declaration,how,rule", [
    ("parameter", "parameters:\n  Unused: {type: String}\n", "reference it with !Ref", "W2001"),
    ("condition", "parameters:\n  E: {type: String}\nconditions:\n  Unused: !Equals [!Ref E, x]\n",
     "use it with `when:`, !If or a resource's Condition", "W8001"),
    ("mapping", "mappings:\n  Unused: {a: {b: c}}\n", "read it with !FindInMap", "W7001"),
])
def test_unused_declarations_are_kept_with_a_warning(tmp_path, linter, kind, declaration, how,
                                                     rule):
    # A migrated stack keeps its parameter interface: a warning, and the template waives
    # exactly cfn-lint's unused-declaration rule of that kind, saying why.
    text = spec_from_parts(declaration)  # in the condition case E is used, by the unused condition
    result = compile_result(tmp_path, text, linter)
    assert [(w.code, w.message, format_path(w.path), w.span.line, w.span.col, w.hint)
            for w in result.warnings if w.code == "PG375"] == [(
                "PG375", f"{kind} 'Unused' is declared but never used", f"{kind}s.Unused",
                line_of(text, "Unused"), 3, f"remove it, or {how}; kept, it stays in the "
                f"template's interface and cfn-lint's unused-{kind} rule is waived for the "
                "template")]
    assert "Unused" in result.template[kind.capitalize() + "s"]
    metadata = result.template["Metadata"]
    assert metadata["cfn-lint"] == {"config": {"ignore_checks": [rule]}}
    assert f"{kind}s: Unused" in metadata["pipegen"]["unused-declarations"]
    lint_clean(linter, result)


def test_no_waiver_without_unused_declarations(tmp_path):
    assert "Metadata" not in compile_template(tmp_path, spec_from_parts(
        "parameters:\n  P: {type: String}\n", stages(A="!Ref P")))


def test_parameter_clashing_with_a_generated_id(tmp_path):
    text = spec_from_parts("parameters:\n  Pipeline: {type: String}\n", stages(A="!Ref Pipeline"))
    found = error_tuples(tmp_path, text)
    assert ("PG377", "parameter 'Pipeline' has the same logical id as a resource pipegen "
            "generates", "parameters.Pipeline") in [f[:3] for f in found]


def test_mappings_reach_the_template(tmp_path, linter):
    text = spec_from_parts("""\
        mappings:
          Sizes:
            dev: {Compute: BUILD_GENERAL1_SMALL, Timeout: 10}
            prod: {Compute: BUILD_GENERAL1_LARGE, Timeout: 30}
        stages:
          - name: Build
            actions:
              - name: Package
                type: build
                project:
                  buildspec: b.yml
                  compute: !FindInMap [Sizes, prod, Compute]
        """)
    result = compile_result(tmp_path, text, linter)
    assert result.template["Mappings"] == {"Sizes": {
        "dev": {"Compute": "BUILD_GENERAL1_SMALL", "Timeout": 10},
        "prod": {"Compute": "BUILD_GENERAL1_LARGE", "Timeout": 30}}}
    env = result.template["Resources"]["BuildPackageProject"]["Properties"]["Environment"]
    assert env["ComputeType"] == {"Fn::FindInMap": ["Sizes", "prod", "Compute"]}
    lint_clean(linter, result)


def test_mapping_values_are_literal(tmp_path):
    text = spec_from_parts("parameters:\n  E: {type: String}\n",
                "mappings:\n  M:\n    a: {b: !Ref E}\n",
                stages(A="!FindInMap [M, a, b]"))
    found = error_tuples(tmp_path, text)
    assert found[0][:3] == ("PG203", "expected a string, a number or a list, got an "
                            "intrinsic function", "mappings.M.a.b")


# --- conditions and when:

CONDITIONAL = """\
parameters:
  Env: {type: String, default: dev, allowed_values: [dev, staging, prod]}
  Color: {type: String, default: blue}
conditions:
  IsBlue: !Equals [!Ref Color, blue]
  IsProd: !Equals [!Ref Env, prod]
  IsStaging: !Equals [!Ref Env, staging]
  Tested: !Or [!Condition IsProd, !Condition IsStaging]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition Tested, !Not [!Equals [!Ref Env, dev]]]
stages:
  - name: Build
    actions:
      - name: Package
        type: build
        project: {buildspec: b.yml}
        outputs: [Bundle]
      - name: Smoke
        type: test
        when: Tested
        project: smoke-tests
        inputs: [Bundle]
      - name: Lint
        type: test
        when: NotProd
        project: lint
        inputs: [Bundle]
  - name: Deploy
    when: IsProd
    actions:
      - name: Hosts
        type: deploy
        provider: codedeploy
        application: orders
        deployment_group: !If [IsBlue, orders-blue, orders-green]
        inputs: [Bundle]
outputs:
  Tested: {value: "yes", condition: Both}
"""


def test_when_on_a_stage_and_an_action(tmp_path, linter):
    result = compile_result(tmp_path, spec_from_parts(CONDITIONAL), linter)
    t = result.template
    assert t["Conditions"] == {
        "IsBlue": {"Fn::Equals": [{"Ref": "Color"}, "blue"]},
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "IsStaging": {"Fn::Equals": [{"Ref": "Env"}, "staging"]},
        "Tested": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsStaging"}]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "Tested"},
                             {"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "dev"]}]}]},
    }
    stages = t["Resources"]["Pipeline"]["Properties"]["Stages"]
    build = stages[1]["Actions"]
    assert build[0]["Name"] == "Package"
    assert list(build[1]) == ["Fn::If"]
    cond, smoke, novalue = build[1]["Fn::If"]
    assert (cond, smoke["Name"], novalue) == ("Tested", "Smoke", {"Ref": "AWS::NoValue"})
    assert build[2]["Fn::If"][0] == "NotProd"
    cond, deploy, novalue = stages[2]["Fn::If"]
    assert (cond, deploy["Name"], novalue) == ("IsProd", "Deploy", {"Ref": "AWS::NoValue"})
    assert deploy["Actions"][0]["Configuration"]["DeploymentGroupName"] == {
        "Fn::If": ["IsBlue", "orders-blue", "orders-green"]}
    assert t["Outputs"]["Tested"] == {"Value": "yes", "Condition": "Both"}
    # cfn-lint evaluates every condition scenario (E3701 artifact flow is condition-aware).
    lint_clean(linter, result)


def test_when_names_an_undeclared_condition(tmp_path):
    text = spec_from_parts(CONDITIONAL.replace("when: IsProd", "when: IsProdd"))
    found = error_tuples(tmp_path, text)
    assert ("PG306", "'IsProdd' is not a condition of this spec", "stages[1].when",
            line_of(text, "when: IsProdd"), col_of(text, "IsProdd"),
            "did you mean 'IsProd'?") in found


def test_input_made_under_a_condition_needs_the_condition(tmp_path):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String}
        conditions:
          IsProd: !Equals [!Ref Env, prod]
        stages:
          - name: Build
            actions:
              - name: Lint
                type: test
                project: lint
              - name: Package
                type: build
                when: IsProd
                project: {buildspec: b.yml}
                outputs: [Bundle]
          - name: Deploy
            actions:
              - name: Hosts
                type: deploy
                provider: codedeploy
                application: a
                deployment_group: g
                inputs: [Bundle]
        """)
    assert error_tuples(tmp_path, text) == [(
        "PG353", "input 'Bundle' exists only when IsProd holds ('Package' has `when:`), and "
        "'Hosts' does not share that condition", "stages[1].actions[0].inputs[0]",
        line_of(text, "inputs: [Bundle]"), col_of(text, "Bundle", "inputs: [Bundle]"),
        "add `when: IsProd` to 'Hosts' or its stage, or produce the artifact unconditionally")]


@pytest.mark.parametrize("condition,code,message,where", [
    ("!Ref E", "PG372", "condition 'C' must be a condition function, not !Ref", "conditions.C"),
    ("!Equals [!GetAtt ArtifactBucket.Arn, x]", "PG372",
     "!GetAtt cannot be used in a condition: conditions are evaluated before any resource "
     "exists", "conditions.C.Fn::Equals[0]"),
    ("!Equals [!Ref ArtifactBucket, x]", "PG372",
     "'ArtifactBucket' is a resource; a condition can reference parameters only, as "
     "conditions are evaluated before any resource exists", "conditions.C.Fn::Equals[0]"),
    ("!Equals [!Ref Nope, x]", "PG306", "'Nope' is not a parameter of this spec",
     "conditions.C.Fn::Equals[0]"),
    ("!Equals [a]", "PG371", "!Equals takes [value, value]", "conditions.C.Fn::Equals"),
    ("!Not [!Condition C]", "PG371", "conditions refer to each other in a loop: C -> C",
     "conditions.C"),
    ("!And [!Condition Nope, !Condition D]", "PG306", "'Nope' is not a condition of this spec",
     "conditions.C.Fn::And[0]"),
    ("!Or [a, b]", "PG372", "!Or takes conditions: !Condition NAME, !Equals, !And, !Or or !Not",
     "conditions.C.Fn::Or[0]"),
])
def test_condition_errors(tmp_path, condition, code, message, where):
    text = spec_from_parts(f"""\
        parameters:
          E: {{type: String}}
        conditions:
          C: {condition}
          D: !Equals [!Ref E, x]
        """, stages(A="!If [C, !Ref E, !If [D, b, c]]"))
    found = error_tuples(tmp_path, text)
    assert (code, message, where) in [f[:3] for f in found]


def test_condition_loop_across_conditions(tmp_path):
    text = spec_from_parts("""\
        parameters:
          E: {type: String}
        conditions:
          A: !And [!Condition B, !Equals [!Ref E, x]]
          B: !Or [!Condition A, !Equals [!Ref E, y]]
        """, stages(X="!If [A, a, b]", Y="!If [B, a, b]"))
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [
        ("PG371", "conditions refer to each other in a loop: A -> B -> A", "conditions.A")]


# --- outputs and top-level settings


def test_outputs_in_both_forms(tmp_path, linter):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String, default: dev}
        conditions:
          IsProd: !Equals [!Ref Env, prod]
        outputs:
          PipelineName: !Ref Pipeline
          Bucket:
            value: !Ref ArtifactBucket
            description: where artifacts go
            export: !Sub "${AWS::StackName}-bucket"
          ProdOnly:
            value: prod
            condition: IsProd
        """)
    result = compile_result(tmp_path, text, linter)
    assert result.template["Outputs"] == {
        "PipelineName": {"Value": {"Ref": "Pipeline"}},
        "Bucket": {"Value": {"Ref": "ArtifactBucket"}, "Description": "where artifacts go",
                   "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-bucket"}}},
        "ProdOnly": {"Value": "prod", "Condition": "IsProd"},
    }
    lint_clean(linter, result)


def test_output_with_undeclared_reference(tmp_path):
    text = spec_from_parts("outputs:\n  X: {value: !GetAtt Nothing.Arn}\n")
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [
        ("PG306", "'Nothing' is not a parameter, pseudo parameter or resource of this "
         "template", "outputs.X.value")]


def test_output_condition_is_checked(tmp_path):
    text = spec_from_parts("outputs:\n  X: {value: x, condition: Nope}\n")
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [
        ("PG306", "'Nope' is not a condition of this spec", "outputs.X.condition")]


def test_pipeline_settings(tmp_path, linter):
    text = spec_from_parts("""\
        pipeline_name: !Sub "${AWS::StackName}-pipeline"
        restart_on_update: true
        source_stage: Checkout
        """)
    result = compile_result(tmp_path, text, linter)
    props = result.template["Resources"]["Pipeline"]["Properties"]
    assert props["Name"] == {"Fn::Sub": "${AWS::StackName}-pipeline"}
    assert props["RestartExecutionOnUpdate"] is True
    assert props["Stages"][0]["Name"] == "Checkout"
    lint_clean(linter, result)


def test_parameter_used_only_by_a_condition_counts_as_used(tmp_path):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String, default: dev}
        conditions:
          IsProd: !Equals [!Ref Env, prod]
        """, stages(A="!If [IsProd, a, b]"))
    compile_result(tmp_path, text)


def test_condition_that_would_empty_a_stage(tmp_path):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String}
        conditions:
          IsProd: !Equals [!Ref Env, prod]
        stages:
          - name: Build
            actions:
              - name: Package
                type: build
                when: IsProd
                project: {buildspec: b.yml}
        """)
    assert error_tuples(tmp_path, text) == [(
        "PG381", "every action of stage 'Build' has `when: IsProd`: when it is false the stage "
        "has no actions", "stages[0].actions[0].when", line_of(text, "when: IsProd"),
        col_of(text, "IsProd", "when: IsProd"), "put `when: IsProd` on the stage instead")]


def test_condition_that_would_empty_the_pipeline(tmp_path):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String}
        conditions:
          IsProd: !Equals [!Ref Env, prod]
        stages:
          - name: Build
            when: IsProd
            actions:
              - name: Package
                type: build
                project: {buildspec: b.yml}
        """)
    assert [f[:3] for f in error_tuples(tmp_path, text)] == [(
        "PG381", "every stage has `when: IsProd`: when it is false the pipeline has no stage "
        "after the source stage", "stages[0].when")]


def test_a_number_default_of_a_string_parameter_becomes_a_string(tmp_path, linter):
    # YAML reads `default: 8080` as a number; CloudFormation's String parameter wants "8080".
    text = spec_from_parts("parameters:\n  Port: {type: String, default: 8080}\n",
                           stages(A="!Ref Port"))
    result = compile_result(tmp_path, text, linter)
    assert result.template["Parameters"]["Port"] == {"Type": "String", "Default": "8080"}


def test_boolean_allowed_values_are_the_strings_cloudformation_reads(tmp_path, linter):
    # A template's `AllowedValues: [true, false]` with `Default: false`, copied as it is.
    text = spec_from_parts("""\
        parameters:
          Publish: {type: String, allowed_values: [true, false], default: false}
        """, stages(A="!Ref Publish"))
    result = compile_result(tmp_path, text, linter)
    assert result.template["Parameters"]["Publish"] == {
        "Type": "String", "AllowedValues": ["true", "false"], "Default": "false"}
    lint_clean(linter, result)
    wrong = text.replace("default: false", "default: maybe")
    assert [f[:3] for f in error_tuples(tmp_path, wrong)] == [
        ("PG374", "the default \"maybe\" of parameter 'Publish' is not one of its allowed_values",
         "parameters.Publish.default")]
