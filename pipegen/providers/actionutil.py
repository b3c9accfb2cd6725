"""Checks and value helpers that several build, test, approval and invoke providers share.

Not a provider module (it defines no PROVIDERS); the registry skips it.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn
from pipegen.model import HOME_REGION

CONFIG_VALUE_MAX = 1000  # characters per Configuration value (CodePipeline API)


def no_action_timeout(action, ctx) -> None:
    """CodePipeline takes TimeoutInMinutes on manual approvals only."""
    if "timeout" in action.settings:
        hint = ("set the build's own limit with `project: {timeout: ...}`"
                if action.provider == "codebuild" else "remove `timeout`")
        ctx.error("PG340", f"a {action.provider} {action.type} action takes no `timeout`: "
                  "CodePipeline accepts an action timeout on manual approvals only",
                  action.path + ("timeout",), hint, key=True)


def home_region_only(action, ctx, kind: str) -> None:
    """Custom and third-party actions cannot be cross-region."""
    if not action.in_home_region:
        ctx.error("PG348", f"a {kind} action cannot run in another region", action.path
                  + ("region",), "remove `region`, or write `region: !Ref AWS::Region`")


def check_length(ctx, value: Any, path: tuple, what: str,
                 limit: int = CONFIG_VALUE_MAX) -> None:
    """A literal Configuration value must fit CodePipeline's per-value limit."""
    if isinstance(value, str) and len(value) > limit:
        ctx.error("PG341", f"{what} is {len(value)} characters long; CodePipeline takes at "
                  f"most {limit}", path)


def region_of(action) -> Any:
    """The region an action's target lives in: its own `region`, else the stack's."""
    return HOME_REGION if action.in_home_region else action.region


def regional_arn(action, prefix: str, resource: str, /, **values: Any) -> Any:
    """An ARN in the action's region (the stack's unless `region` says otherwise).

    `prefix` is the service's ARN prefix; `resource` may hold {name} placeholders for values.
    """
    region = region_of(action)
    if region == HOME_REGION:
        return cfn.arn(prefix, resource, **values)
    return cfn.sub(f"arn:${{AWS::Partition}}:{prefix}:{{region}}:${{AWS::AccountId}}:"
                   + resource, region=region, **values)


def lambda_arn(function: Any, action=None, suffix: str = "") -> Any:
    """The ARN IAM checks for a Lambda function, however the spec names it.

    `function` is a name, `name:qualifier`, an ARN or `!GetAtt Fn.Arn`; `suffix` (":*") adds
    the function's versions and aliases. The function lives in the action's region (the
    stack's when there is no action). Lambda invoke and deploy actions and stage rules all
    read a function's ARN here.
    """
    if is_arn(function, "lambda"):
        return function + suffix
    if cfn.is_intrinsic(function) and "Fn::GetAtt" in function:
        return cfn.sub("{function}" + suffix, function=function) if suffix else function
    if action is None:
        return cfn.arn("lambda", "function:{function}" + suffix, function=function)
    return regional_arn(action, "lambda", "function:{function}" + suffix, function=function)


def is_arn(value: Any, service: str) -> bool:
    return isinstance(value, str) and value.startswith("arn:") and \
        value.split(":")[2:3] == [service]
