"""Artifact flow: default inputs, inputs produced earlier, unique outputs, counts per provider."""

from __future__ import annotations

import pytest
from helpers import HEAD, TWO_SOURCES_HEAD, actions_by_name, compile_stages, error_report


def names(artifacts: list | None) -> list[str]:
    return [a["Name"] for a in artifacts or []]


# --- default inputs (SPEC.md section 4)

def test_build_test_and_deploy_default_to_the_only_source_output(write_spec):
    t = compile_stages(write_spec, """\
      - name: Work
        actions:
          - {name: Build, type: build, project: b}
          - {name: Test, type: test, project: t}
          - {name: Jenkins, type: build, provider: jenkins, provider_name: JenkinsBuild, project: j}
          - {name: Cmd, type: build, provider: commands, commands: [make]}
          - {name: Deploy, type: deploy, provider: codedeploy, application: a, deployment_group: g}
    """)
    for a in actions_by_name(t).values():
        assert names(a.get("InputArtifacts")) == ["AppSource"], a["Name"]


def test_approval_invoke_and_partner_tests_take_no_input_unless_given(write_spec):
    t = compile_stages(write_spec, """\
      - name: Work
        actions:
          - {name: Approve, type: approval}
          - {name: Fn, type: invoke, provider: lambda, function: f}
          - {name: Sfn, type: invoke, provider: step-functions, state_machine: m}
          - {name: Load, type: test, provider: blazemeter}
          - {name: FnIn, type: invoke, provider: lambda, function: g, inputs: [AppSource]}
    """)
    got = {n: names(a.get("InputArtifacts")) for n, a in actions_by_name(t).items()}
    assert got == {"Approve": [], "Fn": [], "Sfn": [], "Load": [], "FnIn": ["AppSource"]}


def test_empty_inputs_means_none(write_spec):
    t = compile_stages(write_spec, """\
      - name: Work
        actions:
          - {name: J, type: build, provider: jenkins, provider_name: JB, project: j, inputs: []}
    """)
    assert "InputArtifacts" not in actions_by_name(t)["J"]


def test_several_sources_need_inputs_once(write_spec):
    assert error_report(write_spec, """\
      - name: Work
        actions:
          - name: Build
            type: build
            project: b
    """, TWO_SOURCES_HEAD) == """\
spec.yaml:15:7: error PG303 action 'Build' needs `inputs`: the pipeline has 2 sources
  (stages[0].actions[0])
         - name: Build
           ^^^^^^^^^^^
  hint: available source outputs: AppSource, ConfigSource
"""


# --- inputs produced earlier

@pytest.mark.parametrize(("stages", "report"), [
    pytest.param("""\
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            outputs: [Built]
      - name: Deploy
        actions:
          - name: Ship
            type: deploy
            provider: codedeploy
            application: a
            deployment_group: g
            inputs: [Biult]
    """, """\
spec.yaml:22:16: error PG302 input 'Biult' is not produced by any earlier action
  (stages[1].actions[0].inputs[0])
           inputs: [Biult]
                    ^^^^^
  hint: outputs produced before this action: AppSource, Built
""", id="input_produced_nowhere"),
    pytest.param("""\
      - name: Deploy
        actions:
          - name: Ship
            type: deploy
            provider: codedeploy
            application: a
            deployment_group: g
            inputs: [Built]
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            outputs: [Built]
    """, """\
spec.yaml:16:16: error PG302 input 'Built' is not produced before this action: 'Compile' \
in stage 'Build' produces it, and runs later
  (stages[0].actions[0].inputs[0])
           inputs: [Built]
                    ^^^^^
  hint: outputs produced before this action: AppSource; or make 'Ship' run after its \
producer
""", id="input_produced_by_a_later_stage"),
])
def test_input_not_produced_before_the_action(write_spec, stages, report):
    """PG302, with the outputs available instead."""
    assert error_report(write_spec, stages) == report


def test_input_that_is_the_actions_own_output(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - {name: Loop, type: build, project: l, inputs: [Self], outputs: [Self]}
    """)
    assert "error PG302 input 'Self' is the action's own output; an action cannot read what " \
           "it produces" in text
    assert "hint: outputs produced before this action: AppSource" in text


@pytest.mark.parametrize(("stages", "report"), [
    pytest.param("""\
      - name: Build
        actions:
          - name: Twice
            type: build
            project: b
            inputs: [AppSource, AppSource]
            primary_source: AppSource
    """, """\
spec.yaml:14:27: error PG346 'Twice' lists the input 'AppSource' twice
  (stages[0].actions[0].inputs[1])
           inputs: [AppSource, AppSource]
                               ^^^^^^^^^
  hint: list each input once
""", id="input_listed_twice"),
    pytest.param("""\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            outputs: [Built, Built]
    """, """\
spec.yaml:14:24: error PG346 'A' lists the output 'Built' twice
  (stages[0].actions[0].outputs[1])
           outputs: [Built, Built]
                            ^^^^^
  hint: list each output once
""", id="output_listed_twice"),
])
def test_artifact_listed_twice(write_spec, stages, report):
    """PG346 for inputs and for outputs."""
    assert error_report(write_spec, stages) == report


COND_HEAD = HEAD.replace("sources:\n", """\
parameters:
  Env: {type: String}
conditions:
  IsProd: !Equals [!Ref Env, prod]
sources:
""")


def test_input_from_a_conditional_action(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - {name: Always, type: build, project: a}
          - {name: Sign, type: build, project: s, outputs: [Signed], when: IsProd}
      - name: Deploy
        actions:
          - name: Ship
            type: deploy
            provider: codedeploy
            application: a
            deployment_group: g
            inputs: [Signed]
    """, COND_HEAD) == """\
spec.yaml:24:16: error PG353 input 'Signed' exists only when IsProd holds ('Sign' has \
`when:`), and 'Ship' does not share that condition
  (stages[1].actions[0].inputs[0])
           inputs: [Signed]
                    ^^^^^^
  hint: add `when: IsProd` to 'Ship' or its stage, or produce the artifact unconditionally
"""


def test_conditional_inputs_flow_under_the_same_condition(write_spec, linter):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - {name: Always, type: build, project: a}
          - {name: Sign, type: build, project: s, outputs: [Signed], when: IsProd}
      - name: Deploy
        when: IsProd
        actions:
          - {name: Ship, type: deploy, provider: codedeploy, application: a,
             deployment_group: g, inputs: [Signed]}
      - name: Verify
        actions:
          - {name: Check, type: test, project: c, inputs: [Signed], when: IsProd}
          - {name: Other, type: test, project: o}
    """, COND_HEAD, linter=linter)
    stages = t["Resources"]["Pipeline"]["Properties"]["Stages"]
    assert stages[2]["Fn::If"][0] == "IsProd"
    assert stages[3]["Actions"][0]["Fn::If"][0] == "IsProd"


# --- unique outputs

def test_output_already_produced_by_another_action(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            outputs: [Built]
      - name: Again
        actions:
          - name: B
            type: build
            project: b
            outputs: [Built]
    """) == """\
spec.yaml:20:17: error PG301 the artifact 'Built' is already produced by another action
  (stages[1].actions[0].outputs[0])
           outputs: [Built]
                     ^^^^^
  hint: output artifact names must be unique in a pipeline; names taken so far: \
AppSource, Built
"""


def test_output_named_like_a_source_output(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - {name: A, type: build, project: a, outputs: [AppSource]}
    """)
    assert "error PG301 the artifact 'AppSource' is already produced by another action" in text


def test_parallel_actions_cannot_share_an_output_name(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - {name: A, type: build, project: a, outputs: [Built]}
          - {name: B, type: build, project: b, outputs: [Built]}
    """)
    assert text.count("error PG301 the artifact 'Built' is already produced") == 1


def test_artifact_names_follow_the_pattern(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            outputs: [app.zip]
    """) == """\
spec.yaml:14:17: error PG205 "app.zip" is not a valid artifact name
  (stages[0].actions[0].outputs[0])
           outputs: [app.zip]
                     ^^^^^^^
  hint: use 1 to 100 letters, digits, '-' or '_' (no '.')
"""


# --- counts per provider (pipegen's own table)

@pytest.mark.parametrize(("stages", "report"), [
    pytest.param("""\
      - name: Release
        actions:
          - name: Approve
            type: approval
            inputs: [AppSource]
    """, """\
spec.yaml:13:15: error PG307 a manual approval action takes no inputs, and 'Approve' has 1
  (stages[0].actions[0].inputs)
           inputs: [AppSource]
                   ^^^^^^^^^^^
  hint: adjust `inputs`; artifacts available here: AppSource
""", id="approval_takes_no_inputs"),
    pytest.param("""\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            inputs: []
    """, """\
spec.yaml:14:15: error PG307 a codebuild build action takes 1 to 5 inputs, and 'A' has 0
  (stages[0].actions[0].inputs)
           inputs: []
                   ^^
  hint: adjust `inputs`; artifacts available here: AppSource
""", id="codebuild_needs_an_input"),
])
def test_input_count_outside_the_providers_range(write_spec, stages, report):
    """PG307 from pipegen's own count table."""
    assert error_report(write_spec, stages) == report


@pytest.mark.parametrize(("action", "message"), [
    ("{name: X, type: test, provider: devicefarm, project: p, app_type: web, app: a, "
     "test_type: builtin-fuzz, device_pool: !Ref P, inputs: [AppSource, More]}",
     "a devicefarm test action takes exactly 1 input, and 'X' has 2"),
    ("{name: X, type: test, provider: devicefarm, project: p, app_type: web, app: a, "
     "test_type: builtin-fuzz, device_pool: !Ref P, outputs: [Report]}",
     "a devicefarm test action takes no outputs, and 'X' has 1"),
    ("{name: X, type: invoke, provider: step-functions, state_machine: m, "
     "inputs: [AppSource, More]}",
     "a step-functions invoke action takes 0 to 1 inputs, and 'X' has 2"),
    ("{name: X, type: invoke, provider: lambda, function: f, outputs: [A1, A2, A3, A4, A5, A6]}",
     "a lambda invoke action takes 0 to 5 outputs, and 'X' has 6"),
    ("{name: X, type: build, provider: commands, commands: [make], outputs: [A1, A2], "
     "files: ['**/*']}",
     "a commands build action takes 0 to 1 outputs, and 'X' has 2"),
    ("{name: X, type: build, project: p, primary_source: AppSource, "
     "inputs: [AppSource, More, M2, M3, M4, M5]}",
     "a codebuild build action takes 1 to 5 inputs, and 'X' has 6"),
    ("{name: X, type: build, provider: jenkins, provider_name: J, project: p, "
     "outputs: [A1, A2, A3, A4, A5, A6]}",
     "a jenkins build action takes 0 to 5 outputs, and 'X' has 6"),
    ("{name: X, type: test, provider: runscope, inputs: [AppSource, More, M2, M3, M4, M5]}",
     "a runscope test action takes 0 to 5 inputs, and 'X' has 6"),
])
def test_counts_per_provider(write_spec, action, message):
    head = HEAD.replace("stages:\n", "parameters:\n  P: {type: String}\nstages:\n")
    text = error_report(write_spec, f"""\
      - name: Build
        actions:
          - {{name: Many, type: build, project: m, outputs: [More, M2, M3, M4, M5]}}
      - name: Check
        actions:
          - {action}
    """, head)
    assert f"error PG307 {message}\n" in text
    assert "artifacts available here: AppSource, More, M2, M3, M4, M5" in text or \
        "inputs" not in message
