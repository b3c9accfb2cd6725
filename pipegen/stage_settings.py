"""v2 stage settings: `on_failure` (retry, rollback), and the stage conditions `before_entry`
and `on_success` with their rules (alarm, deployment window, Lambda, variable check).

These are CodePipeline's own stage conditions (SPEC.md section 4), not CloudFormation's
`conditions:`. The build phase calls `check` for each stage; the emitter calls `emit` for the
properties of the stage (OnFailure, BeforeEntry, OnSuccess) and the pipeline role's grants the
rules need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from troposphere import codepipeline

from pipegen import cfn
from pipegen.providers.actionutil import lambda_arn

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext, EmitContext
    from pipegen.model import Stage

KEYS = ("on_failure", "before_entry", "on_success")
RULE_KINDS = {  # spec key -> rule provider (also the default rule name prefix)
    "alarm": "CloudWatchAlarm",
    "deployment_window": "DeploymentWindow",
    "lambda": "LambdaInvoke",
    "variable_check": "VariableCheck",
}
OPERATORS = {"eq": "EQ", "ne": "NE", "contains": "CONTAINS", "matches": "MATCHES"}
# A before_entry condition may skip the stage only with these rules (AWS documents SKIP for
# LambdaInvoke and VariableCheck rules alone).
SKIP_RULES = ("lambda", "variable_check")


def _failure(spec: Any) -> dict:
    """on_failure in its mapping form: {result, retry_mode?, rules?}."""
    return {"result": spec} if isinstance(spec, str) else spec


def check(ctx: BuildContext, stage: dict, path: tuple) -> None:
    """Semantic checks of a stage's v2 settings; the schema has passed."""
    for key in KEYS:
        if key in stage and not (key == "on_failure" and _failure(stage[key]) == {
                "result": "fail"}):
            ctx.v2_only(f"the stage setting `{key}`", path + (key,))
    parallel = ctx.data.get("execution_mode") == "parallel"
    for key in stage:  # in the spec's order, so errors come out in file order
        if key in KEYS:
            CHECKS[key](ctx, stage[key], path + (key,), parallel)


def _check_on_failure(ctx: BuildContext, spec: Any, fpath: tuple, parallel: bool) -> None:
    spec = _failure(spec)
    result = spec.get("result", "fail")
    if "retry_mode" in spec and result != "retry":
        ctx.error("PG355", f"retry_mode applies to `result: retry`, and this on_failure "
                  f"says `result: {result}`", fpath + ("retry_mode",),
                  "remove retry_mode, or set `result: retry`", key=True)
    if "rules" in spec and result != "rollback":
        ctx.error("PG355", f"on_failure rules can only roll the stage back, and this "
                  f"on_failure says `result: {result}`", fpath + ("rules",),
                  "set `result: rollback`, or remove the rules (CodePipeline cannot combine "
                  "automatic retry with failure conditions)", key=True)
    if result == "rollback" and parallel:
        ctx.error("PG355", "a stage cannot roll back in a pipeline with `execution_mode: "
                  "parallel`", fpath, "use `execution_mode: queued` or `superseded`, or "
                  "another on_failure result")
    _check_rules(ctx, spec.get("rules", []), fpath + ("rules",))


def _check_before_entry(ctx: BuildContext, spec: dict, bpath: tuple, parallel: bool) -> None:
    if spec.get("result", "fail") == "skip":
        for i, rule in enumerate(spec["rules"]):
            kind = _kind(rule)
            if kind is not None and kind not in SKIP_RULES:
                ctx.error("PG355", f"a before_entry condition that skips the stage takes "
                          f"lambda and variable_check rules only, not {kind}",
                          bpath + ("rules", i, kind), "use `result: fail` with this rule, "
                          "or move it to another condition", key=True)
    _check_rules(ctx, spec["rules"], bpath + ("rules",))


def _check_on_success(ctx: BuildContext, spec: dict, spath: tuple, parallel: bool) -> None:
    if spec.get("result", "rollback") == "rollback" and parallel:
        ctx.error("PG355", "a stage cannot roll back in a pipeline with `execution_mode: "
                  "parallel`", spath, "use `result: fail`, or `execution_mode: queued`")
    _check_rules(ctx, spec["rules"], spath + ("rules",))


CHECKS = {"on_failure": _check_on_failure, "before_entry": _check_before_entry,
          "on_success": _check_on_success}


def _kind(rule: dict) -> str | None:
    kinds = [k for k in RULE_KINDS if k in rule]
    return kinds[0] if len(kinds) == 1 else None


def _check_rules(ctx: BuildContext, rules: list, path: tuple) -> None:
    names: dict[str, int] = {}
    for i, rule in enumerate(rules):
        kinds = [k for k in RULE_KINDS if k in rule]
        if len(kinds) != 1:
            ctx.error("PG355", "a rule names exactly one check" + (
                f"; this one names {' and '.join(kinds)}" if kinds else ""), path + (i,),
                "write one of alarm, deployment_window, lambda, variable_check per rule",
                key=bool(kinds))
            continue
        if "wait" in rule and kinds[0] != "alarm":
            ctx.error("PG355", "`wait` applies to alarm rules only", path + (i, "wait"),
                      "remove it", key=True)
        name = _rule_name(rule, i)
        if name in names:
            ctx.error("PG301", f"two rules of this condition are named '{name}'",
                      path + (i, "name") if "name" in rule else path + (i,),
                      "give each rule a distinct `name`")
        names[name] = i


def _rule_name(rule: dict, index: int) -> str:
    if "name" in rule:
        return rule["name"]
    return f"{RULE_KINDS[_kind(rule)]}{index + 1}"


def emit(stage: Stage, ctx: EmitContext) -> dict[str, Any]:
    """The stage's OnFailure, BeforeEntry and OnSuccess properties (v2)."""
    s = stage.settings
    out: dict[str, Any] = {}
    if "on_failure" in s:
        spec = _failure(s["on_failure"])
        result = spec.get("result", "fail")
        if result == "retry":
            mode = spec.get("retry_mode", "failed-actions").upper().replace("-", "_")
            out["OnFailure"] = codepipeline.FailureConditions(
                Result="RETRY", RetryConfiguration=codepipeline.RetryConfiguration(
                    RetryMode=mode))
        elif result == "rollback":
            kwargs: dict[str, Any] = {"Result": "ROLLBACK"}
            if spec.get("rules"):
                kwargs["Conditions"] = [_condition("ROLLBACK", spec["rules"], ctx)]
            out["OnFailure"] = codepipeline.FailureConditions(**kwargs)
    if "before_entry" in s:
        spec = s["before_entry"]
        out["BeforeEntry"] = codepipeline.BeforeEntryConditions(Conditions=[
            _condition(spec.get("result", "fail").upper(), spec["rules"], ctx)])
    if "on_success" in s:
        spec = s["on_success"]
        out["OnSuccess"] = codepipeline.SuccessConditions(Conditions=[
            _condition(spec.get("result", "rollback").upper(), spec["rules"], ctx)])
    return out


def _condition(result: str, rules: list, ctx: EmitContext) -> codepipeline.Condition:
    return codepipeline.Condition(Result=result, Rules=[_rule(r, i, ctx)
                                                        for i, r in enumerate(rules)])


def _rule(rule: dict, index: int, ctx: EmitContext) -> codepipeline.RuleDeclaration:
    kind = _kind(rule)
    config: dict[str, Any] = {}
    if kind == "alarm":
        config["AlarmName"] = rule["alarm"]
        if "wait" in rule:
            from pipegen.contexts import minutes
            wait = minutes(rule["wait"])
            config["WaitTime"] = wait if cfn.is_intrinsic(wait) else str(wait)
        # The rule reads the alarm's state through the pipeline role. DescribeAlarms scoped to
        # the alarm covers metric alarms; CloudWatch shows composite alarms only to a "*"
        # grant, which a spec can add with role.extra_policies.
        ctx.policy.allow("cloudwatch:DescribeAlarms",
                         cfn.arn("cloudwatch", "alarm:{alarm}", alarm=rule["alarm"]))
    elif kind == "deployment_window":
        window = rule["deployment_window"]
        config["Cron"] = window["cron"]
        if "timezone" in window:
            config["TimeZone"] = window["timezone"]
    elif kind == "lambda":
        config["FunctionName"] = rule["lambda"]
        ctx.policy.allow("lambda:InvokeFunction", lambda_arn(rule["lambda"]))
    else:
        check = rule["variable_check"]
        config["Variable"] = check["variable"]
        config["Value"] = check["value"]
        config["Operator"] = OPERATORS[check.get("operator", "eq")]
    return codepipeline.RuleDeclaration(
        Name=_rule_name(rule, index),
        RuleTypeId=codepipeline.RuleTypeId(Category="Rule", Owner="AWS",
                                           Provider=RULE_KINDS[kind], Version="1"),
        Configuration=cfn.value(config))


