"""Helpers the deploy providers share: target ARNs (actionutil's), whether the pipeline role acts.

Not a provider module (no PROVIDERS): the registry skips it.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn
from pipegen.providers.actionutil import regional_arn as arn  # noqa: F401  (re-export)

PASS_ROLE = "iam:PassRole"


def acts(action) -> bool:
    """Whether the pipeline role performs the action's calls itself.

    A cross-account action (`role:`) runs as its action role, which lives in the target
    account and holds the grants; the pipeline role only assumes it (emit adds that grant).
    """
    return action.role is None


def pass_role(ctx, role: Any, service: str) -> None:
    """Let the pipeline role pass `role` to one service only (iam:PassedToService)."""
    ctx.policy.allow(PASS_ROLE, cfn.value(role) if not hasattr(role, "to_dict") else role,
                     {"StringEquals": {"iam:PassedToService": service}})
