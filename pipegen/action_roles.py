"""Roles of their own for actions that run customer code or hold high privilege.

The pipeline role would otherwise hold every action's grants at once: a `commands` action
(shell commands from the repository, `npm ci` pulling in dependencies) running under it could
deploy to production, pass a CloudFormation deploy role or assume another account's deployer
before any approval. pipegen gives such an action a role of its own, `<Stage><Action>ActionRole`:

- trusted by the pipeline role's ARN alone (no service principal, no account root);
- holding only what that action's provider grants, its artifacts (read on the store; write only
  when the action has outputs) and its secrets;
- set as the action's `RoleArn`; the pipeline role gets `sts:AssumeRole` on exactly these
  roles, through one policy of its own (`PipelineAssumesActionRoles`): the action roles name
  the pipeline role in their trust, so a grant inside the pipeline role's inline policy would
  be a dependency cycle.

With a brought pipeline role (`role: ARN`) pipegen cannot let that role assume new ones, so the
actions stay on the brought role and PG392 says which would get a role of their own.

`pipegen import` reads a role whose logical id ends in `ActionRole` and whose only trusted
principal is the pipeline role as "no role": compile generates it again (docs/logical-ids.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from awacs.aws import Action as IamAction
from awacs.aws import Allow, PolicyDocument, Principal, Statement
from troposphere import GetAtt, Ref
from troposphere import iam as cfn_iam

from pipegen import cfn, iam
from pipegen.naming import logical_id

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext, EmitContext
    from pipegen.model import Action

SUFFIX = "ActionRole"
ASSUME_POLICY = "PipelineAssumesActionRoles"

# (type, provider) -> why the action gets a role of its own (docs/iam.md says the same).
REASONS = {
    ("build", "commands"): "it runs shell commands from the repository",
    ("deploy", "cloudformation"): "it passes a CloudFormation deploy role",
    ("deploy", "ecs"): "it passes task roles to ECS (iam:PassRole on ECS task roles)",
    ("deploy", "beanstalk"): "it needs AWS's AdministratorAccess-AWSElasticBeanstalk policy",
}


def reason(action: Action | dict) -> str | None:
    """Why this action runs as a generated role of its own, or None when it does not.

    An action with its own `role` (cross-account) already runs apart from the pipeline role.
    A CloudFormation action that passes no deploy role (change-set-execute) holds nothing the
    pipeline role should not.
    """
    if isinstance(action, dict):
        kind, settings, role = (action.get("type"), action.get("provider")), action, \
            action.get("role")
    else:
        kind, settings, role = (action.type, action.provider), action.settings, action.role
    if role is not None or kind not in REASONS:
        return None
    if kind == ("deploy", "cloudformation") and "deploy_role" not in settings:
        return None
    return REASONS[kind]


def check(ctx: BuildContext) -> None:
    """PG392: with a brought pipeline role, the actions that would get a role of their own."""
    role = ctx.data.get("role", "generated")
    if role == "generated" or (isinstance(role, dict) and not cfn.is_intrinsic(role)):
        return
    for si, stage in enumerate(ctx.data.get("stages", [])):
        for ai, a in enumerate(stage.get("actions", [])):
            if not isinstance(a, dict) or "name" not in a:
                continue
            why = reason(a)
            if why is None or a.get("provider") is None:
                continue
            ctx.warn("PG392", f"action '{a['name']}' runs under the brought pipeline role, "
                     f"which then holds its grants: {why}. With a generated pipeline role it "
                     f"would run as a role of its own", ("stages", si, "actions", ai),
                     "let pipegen generate the pipeline role (`role: generated`), or give "
                     "the action a `role:` of its own that your pipeline role may assume; "
                     "acknowledge PG392 to keep it on the brought role")


def add_role(ctx: EmitContext, action: Action, policy: iam.Policy,
             managed: list[Any]) -> GetAtt:
    """Create the action's role from what its provider granted; return its ARN."""
    from pipegen.contexts import PIPELINE_ROLE

    title = logical_id(action.stage, action.name, SUFFIX)
    if action.inputs or action.outputs:
        ctx.grant_store_for(policy, action, write=bool(action.outputs))
    trust = PolicyDocument(Version=iam.POLICY_VERSION, Statement=[Statement(
        Effect=Allow, Principal=Principal("AWS", [GetAtt(PIPELINE_ROLE, "Arn")]),
        Action=[IamAction("sts", "AssumeRole")])])
    kwargs: dict[str, Any] = {"AssumeRolePolicyDocument": trust}
    if policy:
        kwargs["Policies"] = [cfn_iam.Policy(PolicyName="ActionLeastPrivilege",
                                             PolicyDocument=policy.document())]
    if managed:
        kwargs["ManagedPolicyArns"] = iam.unique([cfn.value(m) for m in managed])
    tags = ctx.tags()
    if tags is not None:
        kwargs["Tags"] = tags
    ctx.add(cfn_iam.Role(title, **kwargs), action.path)
    ctx.action_roles.append(title)
    return GetAtt(title, "Arn")


def finish(ctx: EmitContext) -> str | None:
    """The pipeline role's grant to assume the action roles; its logical id, if any."""
    from pipegen.contexts import PIPELINE_ROLE

    if not ctx.action_roles:
        return None
    document = PolicyDocument(Version=iam.POLICY_VERSION, Statement=[Statement(
        Effect=Allow, Action=[IamAction("sts", "AssumeRole")],
        Resource=[GetAtt(t, "Arn") for t in ctx.action_roles])])
    ctx.add(cfn_iam.PolicyType(ASSUME_POLICY, PolicyName="AssumeActionRoles",
                               Roles=[Ref(PIPELINE_ROLE)], PolicyDocument=document), ("role",))
    return ASSUME_POLICY
