"""Helpers the deploy providers share: target ARNs, whether the pipeline role itself acts.

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn

PASS_ROLE = "iam:PassRole"


def acts(action) -> bool:
    """Whether the pipeline role performs the action's calls itself.

    A cross-account action (`role:`) runs as its action role, which lives in the target
    account and holds the grants; the pipeline role only assumes it (emit adds that grant).
    """
    return action.role is None


def arn(action, prefix: str, resource: str, /, **values: Any) -> Any:
    """An ARN in the action's region (its literal `region`, else the stack's) and account.

    `prefix` is the service's ARN prefix; `resource` may hold {name} placeholders for values.
    """
    region = action.region if isinstance(action.region, str) else "${AWS::Region}"
    return cfn.sub(f"arn:${{AWS::Partition}}:{prefix}:{region}:${{AWS::AccountId}}:{resource}",
                   **values)


def pass_role(ctx, role: Any, service: str) -> None:
    """Let the pipeline role pass `role` to one service only (iam:PassedToService)."""
    ctx.policy.allow(PASS_ROLE, cfn.value(role) if not hasattr(role, "to_dict") else role,
                     {"StringEquals": {"iam:PassedToService": service}})


def is_literal(value: Any) -> bool:
    return isinstance(value, str)
