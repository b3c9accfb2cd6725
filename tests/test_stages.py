"""v2 stage settings: on_failure (retry, rollback, conditional rollback), before_entry and
on_success conditions with their rules, and the errors users see."""

from __future__ import annotations

from helpers import compile_template, error_tuples, spec_from_stages, stage, statements

DEPLOY = """
- name: Release
{settings}
  actions:
    - name: Approve
      type: approval
"""


def with_settings(settings: str, extra: str = "") -> str:
    import textwrap
    settings = textwrap.indent(textwrap.dedent(settings).strip(), "  ")
    return spec_from_stages(DEPLOY.format(settings=settings), extra)


def test_retry_and_rollback(tmp_path, linter):
    t = compile_template(tmp_path, with_settings("on_failure: retry"), linter)
    assert stage(t, "Release")["OnFailure"] == {
        "Result": "RETRY", "RetryConfiguration": {"RetryMode": "FAILED_ACTIONS"}}
    t = compile_template(tmp_path, with_settings(
        "on_failure: {result: retry, retry_mode: all-actions}"), linter)
    assert stage(t, "Release")["OnFailure"] == {
        "Result": "RETRY", "RetryConfiguration": {"RetryMode": "ALL_ACTIONS"}}
    t = compile_template(tmp_path, with_settings("on_failure: rollback"), linter)
    assert stage(t, "Release")["OnFailure"] == {"Result": "ROLLBACK"}


def test_fail_is_the_default_and_emits_nothing(tmp_path):
    t = compile_template(tmp_path, with_settings("on_failure: fail", "type: v1"))
    assert set(stage(t, "Release")) == {"Name", "Actions"}


def test_conditions_and_rules(tmp_path, linter):
    t = compile_template(tmp_path, with_settings("""
        before_entry:
          rules:
            - deployment_window: {cron: "0 9-17 ? * MON-FRI *", timezone: UTC}
            - {name: OnMain, variable_check: {variable: "#{SourceVars.BranchName}", value: main}}
        on_success:
          rules:
            - {alarm: demo-errors, wait: 90s}
        on_failure:
          result: rollback
          rules:
            - lambda: arn:aws:lambda:us-east-1:111111111111:function:verdict
    """), linter)
    s = stage(t, "Release")

    def rule(name, provider, config):
        return {"Name": name, "RuleTypeId": {"Category": "Rule", "Owner": "AWS",
                                             "Provider": provider, "Version": "1"},
                "Configuration": config}

    assert s["BeforeEntry"] == {"Conditions": [{"Result": "FAIL", "Rules": [
        rule("DeploymentWindow1", "DeploymentWindow",
             {"Cron": "0 9-17 ? * MON-FRI *", "TimeZone": "UTC"}),
        rule("OnMain", "VariableCheck",
             {"Variable": "#{SourceVars.BranchName}", "Value": "main", "Operator": "EQ"}),
    ]}]}
    assert s["OnSuccess"] == {"Conditions": [{"Result": "ROLLBACK", "Rules": [
        rule("CloudWatchAlarm1", "CloudWatchAlarm", {"AlarmName": "demo-errors",
                                                     "WaitTime": "2"})]}]}
    assert s["OnFailure"] == {"Result": "ROLLBACK", "Conditions": [{"Result": "ROLLBACK",
                                                                    "Rules": [
        rule("LambdaInvoke1", "LambdaInvoke",
             {"FunctionName": "arn:aws:lambda:us-east-1:111111111111:function:verdict"})]}]}
    grants = statements(t)
    assert {"Action": ["cloudwatch:DescribeAlarms"], "Effect": "Allow", "Resource": [
        {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:"
                    "alarm:demo-errors"}]} in grants
    assert {"Action": ["lambda:InvokeFunction"], "Effect": "Allow", "Resource": [
        "arn:aws:lambda:us-east-1:111111111111:function:verdict"]} in grants


def test_skip_and_fail_results(tmp_path):
    t = compile_template(tmp_path, with_settings("""
        before_entry:
          result: skip
          rules: [{lambda: gate}]
        on_success:
          result: fail
          rules: [{alarm: demo-errors}]
    """))
    s = stage(t, "Release")
    assert s["BeforeEntry"]["Conditions"][0]["Result"] == "SKIP"
    assert s["OnSuccess"]["Conditions"][0]["Result"] == "FAIL"
    assert s["OnSuccess"]["Conditions"][0]["Rules"][0]["Configuration"] == {
        "AlarmName": "demo-errors"}


def test_v1_pipelines_reject_stage_conditions(tmp_path):
    found = error_tuples(tmp_path, with_settings("""
        on_failure: retry
        before_entry:
          rules: [{lambda: gate}]
    """, "type: v1"))
    assert [(f[0], f[1], f[2], f[5]) for f in found] == [
        ("PG305", "the stage setting `on_failure` needs a v2 pipeline, and this spec says "
         "`type: v1`", "stages[0].on_failure", "remove it, or set `type: v2`"),
        ("PG305", "the stage setting `before_entry` needs a v2 pipeline, and this spec says "
         "`type: v1`", "stages[0].before_entry", "remove it, or set `type: v2`"),
    ]


def test_condition_mistakes(tmp_path):
    found = error_tuples(tmp_path, with_settings("""
        before_entry:
          result: skip
          rules:
            - alarm: demo-errors
            - {lambda: gate, wait: 5m}
        on_failure:
          result: retry
          rules: [{alarm: demo-errors}]
    """))
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("PG355", "a before_entry condition that skips the stage takes lambda and "
         "variable_check rules only, not alarm", "stages[0].before_entry.rules[0].alarm"),
        ("PG355", "`wait` applies to alarm rules only", "stages[0].before_entry.rules[1].wait"),
        ("PG355", "on_failure rules can only roll the stage back, and this on_failure says "
         "`result: retry`", "stages[0].on_failure.rules"),
    ]


def test_a_rule_names_one_check(tmp_path):
    found = error_tuples(tmp_path, with_settings("""
        on_success:
          rules:
            - {alarm: a, lambda: b}
            - {name: Only}
    """))
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("PG355", "a rule names exactly one check; this one names alarm and lambda",
         "stages[0].on_success.rules[0]"),
        ("PG355", "a rule names exactly one check", "stages[0].on_success.rules[1]"),
    ]


def test_parallel_pipelines_cannot_roll_back(tmp_path):
    found = error_tuples(tmp_path, with_settings("on_failure: rollback",
                                           "execution_mode: parallel"))
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("PG355", "a stage cannot roll back in a pipeline with `execution_mode: parallel`",
         "stages[0].on_failure")]


def test_unknown_rule_key_is_a_schema_error(tmp_path):
    found = error_tuples(tmp_path, with_settings("""
        on_success:
          rules: [{alarms: demo-errors}]
    """))
    assert [(f[0], f[1], f[5]) for f in found] == [
        ("PG201", "unknown key 'alarms'", "did you mean 'alarm'?")]
