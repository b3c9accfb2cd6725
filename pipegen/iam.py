"""Least-privilege IAM: statements collected from the providers a spec uses, rendered with awacs.

Providers call `Policy.allow(actions, resources)` while they emit; the policy merges statements
that grant the same actions under the same condition, keeps first-seen order (the spec's order,
so output is deterministic) and never widens an action to "*".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement
from troposphere import If, Ref, iam

from pipegen import cfn

POLICY_VERSION = "2012-10-17"

# What using a customer-managed key for artifacts takes (roles, and grants in key policies).
KMS_USE = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
           "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
# What reading artifacts encrypted with it takes.
KMS_READ = ["kms:Decrypt", "kms:DescribeKey"]


def _key(v: Any) -> str:
    return json.dumps(cfn.plain(v), sort_keys=True)


@dataclass
class _Grant:
    actions: list[str]
    resources: list[Any]
    condition: dict | None
    when: str | None = None  # the CloudFormation condition the statement exists under


@dataclass
class Policy:
    """The statements of one role's inline policy."""

    grants: list[_Grant] = field(default_factory=list)
    # The CloudFormation condition of the stage or action being emitted: its grants exist only
    # under it (an Fn::If around the statement), like the action itself (conditional.py).
    when: str | None = None

    def allow(self, actions: list[str] | str, resources: list[Any] | Any,
              condition: dict | None = None) -> None:
        """Grant actions ("service:Verb") on resources (ARN strings or intrinsics)."""
        actions = [actions] if isinstance(actions, str) else list(actions)
        if not isinstance(resources, list):
            resources = [resources]
        for a in actions:
            if "*" in a or "?" in a:
                raise ValueError(f"refusing wildcard action {a!r}")
        akey = (sorted(set(actions)), _key(condition), self.when)
        for g in self.grants:
            if (sorted(set(g.actions)), _key(g.condition), g.when) == akey:
                seen = {_key(r) for r in g.resources}
                g.resources.extend(r for r in resources if _key(r) not in seen)
                return
        # Same resources and condition: fold the actions into one statement.
        rkey = ([_key(r) for r in resources], _key(condition), self.when)
        for g in self.grants:
            if ([_key(r) for r in g.resources], _key(g.condition), g.when) == rkey:
                g.actions.extend(a for a in actions if a not in g.actions)
                return
        self.grants.append(_Grant(list(dict.fromkeys(actions)), unique(resources), condition,
                                  self.when))

    def __bool__(self) -> bool:
        return bool(self.grants)

    def document(self) -> Any:
        statements = []
        whens = []
        for g in self.grants:
            resources, when = _optional(g.resources), g.when
            if resources is not None and when in (None, resources[1]):
                # every resource is `!If [C, ARN, !Ref AWS::NoValue]`: without C the statement
                # would have none, which IAM refuses; it exists under C instead
                when = resources[1]
                resources = resources[0]
            else:
                resources = g.resources
            whens.append(when)
            kwargs: dict[str, Any] = {
                "Effect": Allow,
                "Action": [Action(*a.split(":", 1)) for a in g.actions],
                "Resource": resources,
            }
            if g.condition:
                kwargs["Condition"] = _RawCondition(g.condition)
            statements.append(Statement(**kwargs))
        if not any(whens):
            return PolicyDocument(Version=POLICY_VERSION, Statement=statements)
        # awacs takes Statement objects only: a conditional statement needs the plain form
        return {"Version": POLICY_VERSION, "Statement": [
            If(when, st, Ref("AWS::NoValue")) if when else st
            for when, st in zip(whens, statements, strict=True)]}


def _optional(resources: list[Any]) -> tuple[list[Any], str] | None:
    """(the resources unwrapped, C) when every one is `!If [C, value, !Ref AWS::NoValue]` with
    one same condition C, else None."""
    inner, conditions = [], set()
    for r in resources:
        v = cfn.plain(r)
        args = v.get("Fn::If") if isinstance(v, dict) and len(v) == 1 else None
        if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str) and
                args[2] == {"Ref": "AWS::NoValue"}):
            return None
        conditions.add(args[0])
        inner.append(cfn.value(args[1]))
    if len(conditions) != 1:
        return None
    return inner, conditions.pop()


def unique(resources: list[Any]) -> list[Any]:
    """Values in first-seen order, duplicates (by their CloudFormation JSON) dropped."""
    out, seen = [], set()
    for r in resources:
        k = _key(r)
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


class _RawCondition(Condition):
    """A condition block given as a plain mapping ({"StringEquals": {...}})."""

    def __init__(self, data: dict):
        self.data = data

    def to_dict(self):
        return cfn.plain(self.data)


def trust(service: str, condition: dict | None = None) -> PolicyDocument:
    """A trust policy letting one AWS service principal assume the role.

    `condition` (aws:SourceAccount, aws:SourceArn) keeps the service from assuming it on
    another account's or resource's behalf (the confused deputy); only services documented to
    set those keys get it, since a key the service does not set makes the role unusable.
    """
    kwargs: dict[str, Any] = {"Effect": Allow, "Principal": Principal("Service", [service]),
                              "Action": [Action("sts", "AssumeRole")]}
    if condition:
        kwargs["Condition"] = _RawCondition(condition)
    return PolicyDocument(Version=POLICY_VERSION, Statement=[Statement(**kwargs)])


def source_condition(source_arn: Any = None) -> dict:
    """aws:SourceAccount = this account (and aws:SourceArn like `source_arn`, when known)."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return condition


def role(title: str, service: str, policy: Policy, *, policy_name: str,
         managed: list[Any] | None = None, boundary: Any = None, name: Any = None,
         tags: Any = None, condition: dict | None = None) -> iam.Role:
    """An IAM role for one service with one inline least-privilege policy."""
    kwargs: dict[str, Any] = {"AssumeRolePolicyDocument": trust(service, condition)}
    if policy:
        kwargs["Policies"] = [iam.Policy(PolicyName=policy_name, PolicyDocument=policy.document())]
    if managed:
        kwargs["ManagedPolicyArns"] = [cfn.value(m) for m in managed]
    if boundary is not None:
        kwargs["PermissionsBoundary"] = cfn.value(boundary)
    if name is not None:
        kwargs["RoleName"] = cfn.value(name)
    if tags is not None:
        kwargs["Tags"] = tags
    return iam.Role(title, **kwargs)


def add_permissions(policy: Policy, statements: Any) -> None:
    """A spec's `permissions:` ([{actions, resources, condition}]) added to a generated role.

    Wildcard actions ('*' or '?' anywhere) were refused by the build phase (PG383). A
    `condition` is IAM's own Condition block, passed through (intrinsics inside kept).
    """
    for statement in statements or ():
        policy.allow(list(statement["actions"]), [cfn.value(r) for r in statement["resources"]],
                     statement.get("condition"))


def allow_key(policy: Policy, key: Any, actions: list[str] | None = None) -> None:
    """Let a role use a KMS key given by key ARN, alias ARN or intrinsic.

    IAM cannot name a key by its alias: for an alias ARN the grant is on the account's keys
    in that region, limited by condition to the key behind that alias.
    """
    actions = actions or KMS_USE
    if isinstance(key, str) and ":alias/" in key:
        _, partition, _, region, account, alias = key.split(":", 5)
        policy.allow(actions, f"arn:{partition}:kms:{region}:{account}:key/*",
                     {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}})
    else:
        policy.allow(actions, cfn.value(key) if isinstance(key, (str, dict)) else key)
