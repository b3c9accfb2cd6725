"""Rules on the IAM a spec adds and on escape hatches that could weaken pipegen's own resources.

- PG383 (error): a wildcard action ('*' or '?' anywhere, s3:GetObject* too) in any
  `permissions:` list: generated roles name every action they allow.
- PG394 (warning): `permissions` granting iam:PassRole or sts:AssumeRole on "*" with no
  condition: any role of the account, to any service.
- PG395 (warning): an admin-level managed policy (AdministratorAccess, PowerUserAccess,
  IAMFullAccess, any `*FullAccess`) on a role pipegen generates.
- PG330 (error): `overrides` that set lint waivers (`Metadata` `cfn-lint`, `checkov`) on pipegen's
  own resources or for the whole template: the lint gate and scanners judge what pipegen emits.
- PG396 (warning): an override that changes a policy of a resource pipegen generates (a role's
  policies or trust, a bucket or key policy): the IAM reviewers read in docs/iam.md no longer
  holds.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipegen import cfn
from pipegen.errors import Diagnostic, diag

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext
    from pipegen.loader import Loaded

ROLE_GRANTS = ("iam:PassRole", "sts:AssumeRole")
ADMIN_POLICY = re.compile(r":policy/(?:.*/)?(AdministratorAccess|PowerUserAccess|IAMFullAccess"
                          r"|[A-Za-z0-9_]*FullAccess)$")
WAIVERS = ("cfn-lint", "checkov")
# Template keys whose values are IAM policies, trust policies or their attachments.
POLICY_KEYS = {"Policies", "PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy",
               "ManagedPolicyArns", "PermissionsBoundary"}
POLICY_TYPES = {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
                "AWS::S3::BucketPolicy", "AWS::KMS::Key"}


def has_wildcard(action: str) -> bool:
    """Whether an IAM action name matches more than itself ('*' or '?' anywhere)."""
    return "*" in action or "?" in action


def check(ctx: BuildContext) -> None:
    _walk(ctx, ctx.data, ())


def _walk(ctx: BuildContext, v: Any, path: tuple) -> None:
    if isinstance(v, dict) and not cfn.is_intrinsic(v):
        for k, x in v.items():
            if k in ("resources", "overrides") and not path:
                continue  # raw CloudFormation: the lint gate and scanners judge it
            if k == "permissions" and isinstance(x, list):
                _wildcard_actions(ctx, x, path + (k,))
                _role_grants(ctx, x, path + (k,))
            elif k in ("managed_policies", "extra_policies") and isinstance(x, list):
                _admin_policies(ctx, x, path + (k,))
            else:
                _walk(ctx, x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _walk(ctx, x, path + (i,))


def _wildcard_actions(ctx: BuildContext, statements: list, path: tuple) -> None:
    for i, st in enumerate(statements):
        for j, action in enumerate(st.get("actions", []) if isinstance(st, dict) else []):
            if isinstance(action, str) and has_wildcard(action):
                ctx.error("PG383", f"the wildcard action '{action}' would grant every action "
                          "it matches, including those AWS adds later",
                          path + (i, "actions", j), _wildcard_hint(action))


def _wildcard_hint(action: str) -> str:
    """List the actions; a read-only family too large to list (every ec2:Describe*) is
    covered by the service's AWS managed read-only policy, which `managed_policies` attaches."""
    hint = "list the actions the role needs (pipegen's roles are least privilege)"
    if action.partition(":")[2] in ("Describe*", "Get*", "List*"):
        hint += ("; to allow every one of them, attach the service's AWS managed read-only "
                 "policy with `managed_policies` (each role that takes `permissions` takes it)")
    return hint


def _role_grants(ctx: BuildContext, statements: list, path: tuple) -> None:
    for i, st in enumerate(statements):
        if not isinstance(st, dict) or st.get("condition"):
            continue
        actions = [a for a in st.get("actions", []) if a in ROLE_GRANTS]
        resources = st.get("resources", [])
        if actions and "*" in resources:
            ctx.warn("PG394", f"{' and '.join(actions)} on \"*\" without a condition lets the "
                     "role pass or assume any role of the account", path + (i, "resources",
                                                                           resources.index("*")),
                     "name the roles (ARNs or a path pattern such as role/app-*), or add a "
                     "`condition` (iam:PassedToService, aws:ResourceTag)")


def _admin_policies(ctx: BuildContext, arns: list, path: tuple) -> None:
    for i, arn in enumerate(arns):
        text = arn if isinstance(arn, str) else arn.get("Fn::Sub") if isinstance(arn, dict) \
            else None
        text = text[0] if isinstance(text, list) and text else text
        match = ADMIN_POLICY.search(text) if isinstance(text, str) else None
        if match:
            ctx.warn("PG395", f"the managed policy {match.group(1)} gives the role "
                     "administrator-level access", path + (i,),
                     "list the actions the role needs under `permissions` instead; "
                     "acknowledge PG395 once the role's reach is reviewed")


def check_overrides(doc: dict, overrides: dict, loaded: Loaded,
                    own: set[str]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(errors, warnings) for `overrides` on the compiled template; `own` = pipegen's ids."""
    errors, warnings = [], []
    resources = doc.get("Resources", {})
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        path = ("overrides", dotted)
        span = loaded.key_span(path)
        waiver = any(p in WAIVERS for p in parts) or _mentions(value, WAIVERS)
        target = parts[1] if parts[0] == "Resources" and len(parts) > 1 else None
        if waiver and (parts[0] == "Metadata" or target in own or
                       (parts[0] == "Resources" and target is None)):
            what = f"pipegen's resource '{target}'" if target else "the whole template"
            errors.append(diag(
                "PG330", f"override '{dotted}' switches off lint or scanner rules for {what}",
                span, path, "fix what the rule finds in the spec; a waiver may sit only on a "
                "resource of your own under `resources:`"))
            continue
        if target in own and isinstance(resources.get(target), dict):
            kind = resources[target].get("Type")
            touches = any(p in POLICY_KEYS for p in parts[2:]) or (
                kind in POLICY_TYPES and (len(parts) <= 3 or _mentions(value, POLICY_KEYS)))
            if touches:
                warnings.append(diag(
                    "PG396", f"override '{dotted}' changes a policy of pipegen's resource "
                    f"'{target}' ({kind})", span, path,
                    "prefer the spec's own keys (`permissions`, `managed_policies`, "
                    "`artifacts.grant`); acknowledge PG396 once the policy is reviewed",
                    "warning"))
    return errors, warnings


def _mentions(v: Any, keys) -> bool:
    if isinstance(v, dict):
        return any(k in keys or _mentions(x, keys) for k, x in v.items())
    if isinstance(v, list):
        return any(_mentions(x, keys) for x in v)
    return False
