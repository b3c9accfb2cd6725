"""AWS Lambda deploy actions (the Deploy-category Lambda action, v2 pipelines only).

Without `alias` the input is deployed to $LATEST and published as a new version; with it the
alias moves to the new version (or to an already published `version`). A `strategy` becomes
the action's own DeployStrategy string (not a CodeDeploy config name): all-at-once AllAtOnce,
canary {step: "10%", bake: 5m} Canary10Percent5Minutes, linear {step: "10%", every: 1m}
Linear10PercentEvery1Minute. AWS caps the total wait of a deployment at 2 days.
"""

from __future__ import annotations

from typing import Any

from pipegen.providers.actionutil import lambda_arn
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts
from pipegen.providers.strategy_common import (
    declare,
    exact_minutes,
    minutes,
    percent,
    runs,
    strategy_path,
    warn_all_at_once,
)

# What each strategy becomes (the README's strategy table is generated from these).
STRATEGIES = {
    "all-at-once": "DeployStrategy AllAtOnce (warns, PG420)",
    "canary": "DeployStrategy `Canary<P>Percent<M>Minutes`; needs `alias`; at most 2 days",
    "linear": "DeployStrategy `Linear<P>PercentEvery<M>Minutes`; needs `alias`; at most 2 "
              "days",
}
MAX_WAIT = 2880  # minutes: the Lambda deploy action's limit on a deployment's total wait


def _unit(n: int) -> str:
    return f"{n}Minute" + ("" if n == 1 else "s")


def deploy_strategy(strategy) -> str:
    """The DeployStrategy string of a (checked) strategy."""
    s = strategy.settings
    if strategy.name == "canary":
        return f"Canary{percent(s['step'])}Percent{_unit(minutes(s['bake']))}"
    if strategy.name == "linear":
        return f"Linear{percent(s['step'])}PercentEvery{_unit(minutes(s['every']))}"
    return "AllAtOnce"


def total_wait(strategy) -> int:
    """Minutes the deployment waits in all: the canary's bake, or every linear interval
    (the first step moves at once, then one wait before each further step)."""
    s = strategy.settings
    if strategy.name == "canary":
        return minutes(s["bake"])
    step = percent(s["step"])
    return minutes(s["every"]) * (-(-100 // step) - 1)


class LambdaDeploy(ActionProvider):
    kinds = (("deploy", "lambda"),)
    schema = "actions/lambda_deploy.json"
    inputs = (0, 1)
    v2_only = True
    strategies = declare(STRATEGIES)

    def check(self, action, ctx) -> None:
        s = action.settings
        if not action.inputs and "version" not in s:
            ctx.error("PG365", "a lambda deploy without an input needs the published "
                      "`version` to deploy", action.path + (("inputs",) if "inputs" in s
                                                            else ()),
                      "add `version: \"#{variables.VERSION}\"` (or a number), or give the "
                      "action an input", key="inputs" not in s)
        if runs(action, self) is not None:
            self._check_strategy(action, ctx)
        if "version" in s and "alias" not in s:
            ctx.error("PG365", "`version` points an alias at a published version, and this "
                      "action has no `alias`", action.path + ("version",),
                      "add `alias: NAME`, or remove `version`", key=True)

    def _check_strategy(self, action, ctx) -> None:
        strategy = action.strategy
        if "alias" not in action.settings:
            ctx.error("PG429", "a lambda deploy shifts traffic between versions behind an "
                      "alias, and this action has no `alias` (without one it deploys to "
                      "$LATEST, where no strategy applies)", action.path + ("strategy",),
                      "add `alias: live` (an existing alias of the function)")
        if strategy.name == "all-at-once":
            warn_all_at_once(action, ctx, "the alias's traffic")
            return
        where = strategy_path(action)
        wait = "bake" if strategy.name == "canary" else "every"
        step = percent(strategy.settings["step"])
        if step in (0, 100):
            ctx.error("PG433", f"a {strategy.name} step of {step}% does not shift traffic "
                      "gradually", where + ("step",), "use a share between 1% and 99% (100% "
                      "is `strategy: all-at-once`)")
            return
        value = strategy.settings[wait]
        if not exact_minutes(value) or minutes(value) < 1:
            ctx.error("PG433", f"`{wait}: {value}` must be whole minutes: the Lambda deploy "
                      "action counts its waits in minutes", where + (wait,))
        elif total_wait(strategy) > MAX_WAIT:
            ctx.error("PG430", f"this {strategy.name} waits {total_wait(strategy)} minutes in "
                      "all, and the Lambda deploy action allows at most 2 days (2880)",
                      where + (wait,), "use larger steps or shorter waits")

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        function = s["function"]
        config: dict[str, Any] = {"FunctionName": function}
        if "alias" in s:
            config["FunctionAlias"] = s["alias"]
        if "version" in s:
            config["PublishedTargetVersion"] = s["version"]
        strategy = action.strategy
        if strategy is not None:
            config["DeployStrategy"] = deploy_strategy(strategy)
        if acts(action):
            # The action updates the code, publishes a version and moves the alias; versions
            # and aliases are qualified ARNs of the function (function:NAME:QUALIFIER).
            ctx.policy.allow(["lambda:GetFunction", "lambda:GetFunctionConfiguration",
                              "lambda:UpdateFunctionCode", "lambda:PublishVersion",
                              "lambda:GetAlias", "lambda:UpdateAlias"],
                             [lambda_arn(function, action),
                              lambda_arn(function, action, ":*")])
        return [Emitted("Deploy", "AWS", "Lambda", config)]


PROVIDERS = [LambdaDeploy()]
