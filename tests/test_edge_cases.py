"""Edge cases found in review: each once compiled to a wrong template or gave a wrong error."""

from __future__ import annotations

from helpers import (
    HEAD,
    action,
    compile_result,
    compile_stages,
    error_report,
    error_tuples,
    grants,
    lint_clean,
    spec_from_parts,
)

WEST_STORE = HEAD.replace("name: t\n", "name: t\nartifacts: {regions: {us-west-2: {bucket: "
                          "t-usw2}}}\n")


def test_inline_codebuild_project_cannot_run_in_another_region(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - {name: B, type: build, region: us-west-2, project: {buildspec: b.yml}}
    """, WEST_STORE) == """\
spec.yaml:12:38: error PG312 action 'B' runs in us-west-2, and an inline project is created \
in the pipeline's region
  (stages[0].actions[0].region)
         - {name: B, type: build, region: us-west-2, project: {buildspec: b.yml}}
                                          ^^^^^^^^^
  hint: name an existing project in that region (`project: NAME`), or drop `region`
"""


def test_existing_project_in_another_region_is_granted_there(write_spec):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - {name: B, type: build, region: us-west-2, project: existing}
    """, WEST_STORE)
    assert grants(t)["codebuild:StartBuild"] == [{"Fn::Sub": (
        "arn:${AWS::Partition}:codebuild:us-west-2:${AWS::AccountId}:project/existing")}]


def test_custom_action_may_name_the_home_region(write_spec):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - {name: J, type: build, provider: jenkins, provider_name: MyJenkins, project: job,
             region: !Ref AWS::Region}
    """)
    assert action(t, "J")["ActionTypeId"] == {"Category": "Build", "Owner": "Custom",
                                              "Provider": "MyJenkins", "Version": "1"}


def test_raw_configuration_goes_to_the_first_step_of_an_expansion(write_spec):
    t = compile_stages(write_spec, """\
      - name: Deploy
        actions:
          - name: Stack
            type: deploy
            provider: cloudformation
            mode: change-set
            approve: true
            stack: app
            template: AppSource::t.yaml
            deploy_role: arn:aws:iam::111111111111:role/cfn
            configuration: {ParameterOverrides: '{"A": "b"}'}
    """)
    assert action(t, "Stack-CreateChangeSet")["Configuration"]["ParameterOverrides"] == \
        '{"A": "b"}'
    assert "ParameterOverrides" not in action(t, "Stack-ExecuteChangeSet")["Configuration"]
    assert "Configuration" not in action(t, "Stack-Approve")


def test_number_default_matches_allowed_values_as_numbers(tmp_path, linter):
    text = spec_from_parts("parameters:\n  B: {type: Number, default: 1.0, "
                           "allowed_values: [1, 2]}\n", """\
        stages:
          - name: Build
            actions:
              - {name: C, type: build, project: {buildspec: b.yml, environment: {X: !Sub "${B}"}}}
        """)
    lint_clean(linter, compile_result(tmp_path, text, linter))


def test_infinite_number_default_is_not_a_number(tmp_path):
    text = spec_from_parts("parameters:\n  B: {type: Number, default: inf}\n", """\
        stages:
          - name: Build
            actions:
              - {name: C, type: build, project: {buildspec: b.yml, environment: {X: !Sub "${B}"}}}
        """)
    assert [e[:3] for e in error_tuples(tmp_path, text)] == [
        ("PG374", "the default of Number parameter 'B' is not a number", "parameters.B.default")]


def test_reserved_tag_key_is_a_located_error(tmp_path):
    text = spec_from_parts('tags: {team: web, "aws:owner": me}\n')
    assert [e[:3] for e in error_tuples(tmp_path, text)] == [
        ("PG205", '"aws:owner" is not a valid tag key', "tags.aws:owner")]


def test_override_cannot_replace_a_whole_section(tmp_path):
    text = spec_from_parts("overrides:\n  Resources: null\n")
    assert [e[:3] for e in error_tuples(tmp_path, text)] == [
        ("PG402", "override 'Resources' replaces a whole template section with a value that "
                  "is not a mapping", "overrides.Resources")]


def test_branch_and_variable_default_take_intrinsics(tmp_path, linter):
    # AWS's own samples parameterise the branch; one template then serves every branch.
    text = """\
pipegen: 1
name: t
parameters:
  Branch: {type: String, default: main}
  Conn: {type: String}
variables:
  CHANNEL: {default: !Ref Branch}
sources:
  - {name: App, provider: codecommit, repository: app, branch: !Ref Branch}
  - name: Gh
    provider: github
    repository: acme/x
    branch: !Ref Branch
    connection: !Ref Conn
    filters: {file_paths: {include: ["src/**"]}}
stages:
  - name: Build
    actions:
      - {name: C, type: build, project: {buildspec: b.yml}, inputs: [AppSource]}
"""
    result = compile_result(tmp_path, text, linter)
    props = result.template["Resources"]["Pipeline"]["Properties"]
    branch = {"Ref": "Branch"}
    assert props["Variables"] == [{"DefaultValue": branch, "Name": "CHANNEL"}]
    assert props["Stages"][0]["Actions"][0]["Configuration"]["BranchName"] == branch
    assert props["Stages"][0]["Actions"][1]["Configuration"]["BranchName"] == branch
    assert props["Triggers"][0]["GitConfiguration"]["Push"][0]["Branches"] == {
        "Includes": [branch]}
    rule = result.template["Resources"]["AppSourceRule"]["Properties"]
    assert rule["EventPattern"]["detail"]["referenceName"] == [branch]
    lint_clean(linter, result)


def test_branch_list_still_says_one_branch_per_pipeline(tmp_path):
    text = spec_from_parts("""\
        sources:
          - {name: App, provider: codecommit, repository: app, branch: [main, dev]}
        """)
    [(code, message, path, _, _, hint)] = error_tuples(tmp_path, text)
    assert (code, path) == ("PG203", "sources[0].branch")
    assert message == "expected a string or an intrinsic function, got a list"
    assert hint == "one branch per pipeline: compile one spec per branch instead"


def test_action_under_its_stage_condition_is_not_wrapped_twice(tmp_path, linter):
    text = spec_from_parts("""\
        parameters:
          Env: {type: String, default: dev}
        conditions:
          IsProd: !Equals [!Ref Env, prod]
        stages:
          - name: Build
            actions:
              - {name: B, type: build, project: p}
          - name: Release
            when: IsProd
            actions:
              - {name: Ok, type: approval, when: IsProd}
        """)
    result = compile_result(tmp_path, text, linter)
    release = result.template["Resources"]["Pipeline"]["Properties"]["Stages"][2]
    assert release["Fn::If"][0] == "IsProd"
    assert release["Fn::If"][1]["Actions"][0]["Name"] == "Ok"  # no inner Fn::If
    lint_clean(linter, result)
