"""The expand phase and the strategy registry: expanded actions are ordinary actions of the
plan (names, run order, artifact flow checked once for every expander), and strategies'
schema choices, unsupported-pair errors, docs table and resource contributions all derive
from what deploy providers declare."""

from __future__ import annotations

import textwrap

import pytest
from conftest import ROOT
from helpers import compile_template, error_tuples, spec_from_stages, stage_actions, statements
from troposphere import sns

from pipegen import providers, schema, strategies
from pipegen.naming import logical_id
from pipegen.providers.base import Strategy
from pipegen.providers.codedeploy import CodeDeployAction
from pipegen.providers.lambda_deploy import LambdaDeploy

BUILD = """
- name: Build
  actions:
    - name: Package
      type: build
      project: my-project
      outputs: [Built]
"""


def deploy(action: str, extra: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(action).strip(), "    ")
    return spec_from_stages(
        textwrap.dedent(BUILD).strip() + "\n- name: Deploy\n  actions:\n" + body, extra)


# --- a test strategy: deploy a share, wait for a person, deploy the rest; plus a topic

def _trickle(action, use, ctx):
    share = use.settings.get("step", "10%").rstrip("%")
    first = ctx.step(action, "first", f"{action.name}-First{share}")
    wait = ctx.step(action, "bake", f"{action.name}-Bake", type="approval", provider="manual",
                    settings={"message": f"{share}% deployed"}, path=use.path, inputs=(),
                    outputs=(), namespace=None, role=None, region=None, configuration={},
                    after=(first.name,))
    rest = ctx.step(action, "rest", f"{action.name}-Rest", after=(wait.name,))
    return [first, wait, rest]


def _topic(action, use, ctx):
    title = logical_id(action.stage, action.name, "BakeTopic")
    ctx.add(sns.Topic(title, KmsMasterKeyId="alias/aws/sns"), use.path)
    ctx.policy.allow("sns:Publish", {"Ref": title})


TRICKLE = Strategy(
    "trickle", _trickle, aliases=("drip",), emit=_topic, summary="a share, a bake, the rest",
    settings={"type": "object", "additionalProperties": False,
              "properties": {"step": {"type": "string", "pattern": "^[0-9]+%$"}}})
NEEDS = Strategy("measured", _trickle, settings={
    "type": "object", "required": ["step"], "properties": {"step": {"type": "string"}}})


class TrickleCodeDeploy(CodeDeployAction):
    strategies = (TRICKLE, NEEDS)


class NoTrickleLambda(LambdaDeploy):
    strategies = ()  # a deploy provider that runs none
    unsupported = {"trickle": "Lambda aliases shift traffic by weight, not by hosts"}


@pytest.fixture
def registry(monkeypatch):
    """The real registry with codedeploy running `trickle` and lambda refusing it."""
    real = providers._discover()
    actions = dict(real[1])
    actions[("deploy", "codedeploy")] = TrickleCodeDeploy()
    actions[("deploy", "lambda")] = NoTrickleLambda()
    monkeypatch.setattr(providers, "_discover", lambda: (real[0], actions))
    schema.composed.cache_clear()
    schema._validator.cache_clear()
    yield
    schema.composed.cache_clear()
    schema._validator.cache_clear()


CODEDEPLOY = """
- name: Web
  type: deploy
  provider: codedeploy
  application: web
  deployment_group: web-prod
  strategy: {trickle: {step: "25%"}}
- name: Smoke
  type: approval
  after: [Web]
"""


def test_strategy_expands_into_steps_in_the_stage(tmp_path, registry):
    t = compile_template(tmp_path, deploy(CODEDEPLOY))
    steps = stage_actions(t, "Deploy")
    assert [(a["Name"], a["ActionTypeId"]["Provider"], a["RunOrder"]) for a in steps] == [
        ("Web-First25", "CodeDeploy", 1), ("Web-Bake", "Manual", 2),
        ("Web-Rest", "CodeDeploy", 3), ("Smoke", "Manual", 4)]
    # The bake is a real approval: no input, the action's configuration from its settings.
    assert steps[1]["Configuration"] == {"CustomData": "25% deployed"}
    assert "InputArtifacts" not in steps[1]
    assert steps[0]["InputArtifacts"] == [{"Name": "AppSource"}]  # the default input
    # The strategy's resource and its grant, contributed once.
    assert t["Resources"]["DeployWebBakeTopic"]["Type"] == "AWS::SNS::Topic"
    assert {"Action": ["sns:Publish"], "Effect": "Allow",
            "Resource": [{"Ref": "DeployWebBakeTopic"}]} in statements(t)


def test_alias_and_bare_name(tmp_path, registry):
    t = compile_template(tmp_path, deploy(CODEDEPLOY.replace("{trickle: {step: \"25%\"}}",
                                                              "drip")))
    assert [a["Name"] for a in stage_actions(t, "Deploy")][:3] == [
        "Web-First10", "Web-Bake", "Web-Rest"]


def test_strategy_settings_are_checked_by_the_schema(tmp_path, registry):
    found = error_tuples(tmp_path, deploy(CODEDEPLOY.replace('"25%"', "quarter")))
    assert [(f[0], f[2]) for f in found] == [
        ("PG205", "stages[1].actions[0].strategy.trickle.step")]


def test_unsupported_pair_names_the_providers_that_run_it(tmp_path, registry):
    found = error_tuples(tmp_path, deploy("""
        - name: Fn
          type: deploy
          provider: lambda
          function: orders
          alias: live
          strategy: trickle
    """))
    assert [(f[0], f[1], f[2], f[5]) for f in found] == [(
        "PG410", "strategy 'trickle' is not available for lambda deploy actions: Lambda "
        "aliases shift traffic by weight, not by hosts", "stages[1].actions[0].strategy",
        "deploy providers that run it: codedeploy; strategies lambda runs: none (omit "
        "`strategy`: the deploy then uses its target's own configuration)")]


def test_strategy_that_needs_settings(tmp_path, registry):
    found = error_tuples(tmp_path, deploy(CODEDEPLOY.replace("{trickle: {step: \"25%\"}}",
                                                              "measured")))
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("PG411", "strategy 'measured' needs settings", "stages[1].actions[0].strategy")]


def test_strategy_choices_come_from_the_declarations(registry):
    deploy_then = next(b["then"] for b in schema.composed()["$defs"]["action"]["allOf"]
                       if b["if"]["properties"] == {"type": {"const": "deploy"}})
    choices = deploy_then["properties"]["strategy"]["anyOf"][0]["enum"]
    # The test strategies, beside every real provider's (ecs and lambda keep theirs here).
    assert {"drip", "measured", "trickle"} <= set(choices)
    assert choices == list(strategies.aliases())
    table = strategies.markdown()
    assert "| `trickle` | `drip` |" in table
    assert "a share, a bake, the rest" in table
    assert "— Lambda aliases shift traffic by weight, not by hosts" in table


def test_no_strategy_key_without_declarations():
    """Until a provider declares one, `strategy` is an unknown key, not a silent no-op."""
    assert not strategies.table() or "strategy" in str(schema.composed())


def test_docs_table_is_current():
    assert (ROOT / "docs" / "strategies.md").read_text("utf-8") == strategies.markdown(), \
        "run `python -m pipegen.strategies > docs/strategies.md`"


# --- expanded names clash with written ones, for every provider that expands

CLASHES = {
    "cloudformation change-set": ("""
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
    """, "Stack-ExecuteChangeSet", "stages[1].actions[0].name", "- name: Stack"),
    "strategy (codedeploy trickle)": ("""
        - name: Web-Bake
          type: approval
        - name: Web
          type: deploy
          provider: codedeploy
          application: web
          deployment_group: web-prod
          strategy: trickle
    """, "Web-Bake", "stages[1].actions[1].name", "- name: Web"),
}


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_expanded_name_clashing_with_a_written_one_is_located(tmp_path, registry, case):
    action, name, path, written = CLASHES[case]
    text = deploy(action)
    found = error_tuples(tmp_path, text)
    # Located at the name of the action the spec wrote, which the expanded name comes from.
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.strip() == written)
    col = text.splitlines()[line - 1].index(written) + len("- name: ") + 1
    assert [(f[0], f[1], f[2], f[3], f[4]) for f in found] == [(
        "PG366", f"the expanded action name '{name}' is already used in stage 'Deploy'", path,
        line, col)]


def test_every_expander_has_a_clash_case():
    """A provider that expands (or declares strategies) adds a CLASHES case above."""
    from pipegen.providers.strategy_common import no_steps

    # Strategies that add no actions (codedeploy, ecs, lambda: the deploy action carries
    # them) cannot clash.
    expanders = sorted({type(p).__name__ for p in providers.actions().values()
                        if type(p).expand is not providers.base.ActionProvider.expand
                        or any(s.expand is not no_steps for s in p.strategies)})
    assert expanders == ["CloudFormationAction"], (
        "add a case to CLASHES for each new expanding provider or strategy, then list it here")


# --- the change-set approval is a real approval action

CHANGE_SET = """
- name: Stack
  type: deploy
  provider: cloudformation
  mode: change-set
  approve: true
  approval: {notify: {emails: [EMAIL]}, timeout: 2h}
  stack: demo
  template: Built::stack.yaml
  deploy_role: arn:aws:iam::222222222222:role/cfn
  role: arn:aws:iam::222222222222:role/deployer
  inputs: [Built]
"""


def test_change_set_approval_takes_the_approval_keys(tmp_path, linter):
    from helpers import compile_result, lint_clean

    result = compile_result(tmp_path, deploy(CHANGE_SET.replace("EMAIL", "ops@example.com"),
                                             "artifacts: {encryption: generated}"), linter)
    create, approve, execute = stage_actions(result.template, "Deploy")
    # Like any `type: approval`: a created topic; and it runs in the pipeline's own account.
    assert approve["Configuration"] == {"NotificationArn": {"Ref": "DeployStackApproveTopic"}}
    assert approve["TimeoutInMinutes"] == 120
    assert "RoleArn" not in approve and "RoleArn" in create and "RoleArn" in execute
    assert result.template["Resources"]["DeployStackApproveTopic"]["Type"] == "AWS::SNS::Topic"
    lint_clean(linter, result)


def test_change_set_approval_has_the_approval_checks(tmp_path):
    found = error_tuples(tmp_path, deploy(CHANGE_SET.replace("EMAIL", "ops-at-example")
                                          .replace("2h", "1m"),
                                          "artifacts: {encryption: generated}"))
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("PG205", "'ops-at-example' is not an email address",
         "stages[1].actions[0].approval.notify.emails[0]"),
        ("PG205", "an approval waits 5m to 60d; 1m is outside that",
         "stages[1].actions[0].approval.timeout"),
    ]
