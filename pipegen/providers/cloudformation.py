"""AWS CloudFormation deploy actions, in every ActionMode, with typed keys.

`mode: change-set` expands (in the expand phase) into create change set, an optional manual
approval (`approve: true`) and execute change set: the action's inputs go to the create step,
the approval and execute steps take none, `role` and `region` apply to the create and execute
steps, and the namespace (stack outputs) and outputs to the execute step. The approval is a
real `type: approval` action (the manual provider checks and emits it) in the pipeline's own
account and region. The deploy role CloudFormation assumes is
given (an ARN) or created from `{managed_policies, permissions}`.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import GetAtt

from pipegen import cfn, iam
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted, check_artifact_path, minutes
from pipegen.providers.deploy_common import acts, arn, pass_role

MODES = {
    "create-update": "CREATE_UPDATE",
    "replace-on-failure": "REPLACE_ON_FAILURE",
    "delete": "DELETE_ONLY",
    "change-set-create": "CHANGE_SET_REPLACE",
    "change-set-execute": "CHANGE_SET_EXECUTE",
}
CAPABILITIES = {"iam": "CAPABILITY_IAM", "named-iam": "CAPABILITY_NAMED_IAM",
                "auto-expand": "CAPABILITY_AUTO_EXPAND"}
DEFAULT_CHANGE_SET = "pipegen-change-set"
SERVICE = "cloudformation.amazonaws.com"

# What the pipeline role calls for each ActionMode, all on the one stack (after AWS CDK's
# CloudFormation actions). The stack ARN ends in the stack id, hence stack/NAME/*.
_UPDATE = ["cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
           "cloudformation:GetTemplate", "cloudformation:CreateStack",
           "cloudformation:UpdateStack", "cloudformation:GetStackPolicy",
           "cloudformation:SetStackPolicy"]
_CREATE_CHANGES = ["cloudformation:DescribeStacks", "cloudformation:DescribeChangeSet",
                   "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet"]
_EXECUTE_CHANGES = ["cloudformation:DescribeStacks", "cloudformation:DescribeChangeSet",
                    "cloudformation:ExecuteChangeSet"]
STACK_ACTIONS = {
    "CREATE_UPDATE": _UPDATE,
    "REPLACE_ON_FAILURE": _UPDATE + ["cloudformation:DeleteStack"],
    "DELETE_ONLY": ["cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
                    "cloudformation:DeleteStack"],
    "CHANGE_SET_REPLACE": _CREATE_CHANGES,
    "CHANGE_SET_EXECUTE": _EXECUTE_CHANGES,
}
# Keys that only make sense when a template is read (not for delete or execute).
TEMPLATE_KEYS = ("template", "template_configuration", "parameter_overrides", "capabilities")
# Keys AWS accepts and ignores on CHANGE_SET_EXECUTE, as copied templates carry them: written
# as given, with a warning (PG385).
IGNORED_ON_EXECUTE = ("deploy_role", "capabilities")


def _mode(settings: dict) -> str:
    return settings.get("mode", "create-update")


def _created_role(settings: dict) -> bool:
    role = settings.get("deploy_role")
    return isinstance(role, dict) and not cfn.is_intrinsic(role)


# The steps of `mode: change-set`: (step, default name suffix).
STEPS = (("create", "CreateChangeSet"), ("approve", "Approve"), ("execute", "ExecuteChangeSet"))
# Keys of the written action that configure the expansion, not the create step.
EXPANSION_KEYS = ("approve", "approval", "names", "output_file", "mode")


class CloudFormationAction(ActionProvider):
    kinds = (("deploy", "cloudformation"),)
    schema = "actions/cloudformation.json"
    inputs = (0, 10)
    outputs = (0, 1)

    def default_inputs(self, settings: dict) -> bool:
        # Deleting a stack or executing a change set reads no template.
        return _mode(settings) not in ("delete", "change-set-execute")

    def check(self, action, ctx) -> None:
        self._check_roles(action, ctx)
        self._check_mode_keys(action, ctx)
        if _mode(action.settings) not in ("delete", "change-set-execute"):
            self._check_template(action, ctx)

    def _check_roles(self, action, ctx) -> None:
        s, path, mode = action.settings, action.path, _mode(action.settings)
        if mode != "change-set-execute" and "deploy_role" not in s:
            ctx.error("PG358", f"a cloudformation action in mode {mode} needs `deploy_role`, "
                      "the role CloudFormation assumes to change the stack", path,
                      "add `deploy_role: arn:aws:iam::111111111111:role/NAME`, or "
                      "`deploy_role: {managed_policies: [...]}` to create one", key=True)
        if mode == "change-set-execute":
            for key in IGNORED_ON_EXECUTE:
                if key in s:
                    ctx.warn("PG385", f"AWS ignores `{key}` in mode change-set-execute: the "
                             "change set runs with what it was created with; it is written "
                             "as given", path + (key,), "remove it, or acknowledge PG385")
        if not _created_role(s):
            return
        if action.role is not None:
            ctx.error("PG359", "a deploy role pipegen creates lives in the pipeline's account, "
                      "and this action runs in another account (`role`)",
                      path + ("deploy_role",), "give the ARN of a deploy role in the target "
                      "account (it must be in the same account as the action role)", key=True)
        # Wildcard actions in `permissions` are refused for every role (PG383).

    def _check_mode_keys(self, action, ctx) -> None:
        """Keys the action's mode does not use are errors, never silently ignored."""
        s, path, mode = action.settings, action.path, _mode(action.settings)
        if mode in ("delete", "change-set-execute"):
            for key in TEMPLATE_KEYS:
                if key in s and not (mode == "change-set-execute"
                                     and key in IGNORED_ON_EXECUTE):
                    ctx.error("PG360", f"`{key}` is not used in mode {mode}", path + (key,),
                              "remove it", key=True)
        elif "template" not in s:
            ctx.error("PG361", f"a cloudformation action in mode {mode} needs `template`",
                      path, "add `template: ARTIFACT::path/to/template.yaml` (ARTIFACT one of "
                      "the action's inputs)", key=True)
        if "change_set" in s and not mode.startswith("change-set"):
            # AWS accepts ChangeSetName in every mode and ignores it outside the change-set
            # ones; copied templates carry it: written as given, with a warning.
            ctx.warn("PG385", f"AWS ignores `change_set` in mode {mode}: only the change-set "
                     "modes read it; it is written as given", path + ("change_set",),
                     "remove it, or set a change-set mode")
        for key in ("approve", "approval", "names"):
            if key in s and mode != "change-set":
                ctx.error("PG360", f"`{key}` applies to `mode: change-set`, not {mode}",
                          path + (key,), "set `mode: change-set`, or remove it", key=True)
        if mode == "change-set" and not s.get("approve"):
            for where in (("approval",), ("names", "approve")):
                if where[0] in s and (len(where) == 1 or where[1] in s[where[0]]):
                    ctx.error("PG360", f"`{'.'.join(where)}` configures the approval step, and "
                              "this action has no `approve: true`", path + where,
                              "add `approve: true`, or remove it", key=True)
        if "output_file" in s and not action.outputs:
            ctx.error("PG362", "`output_file` is written to the action's output artifact, and "
                      "the action has no `outputs`", path + ("output_file",),
                      "add `outputs: [NAME]`", key=True)

    def _check_template(self, action, ctx) -> None:
        """ARTIFACT::path values name inputs; ParameterOverrides fit CodePipeline's limit."""
        s, path = action.settings, action.path
        for key in ("template", "template_configuration"):
            if key in s:
                check_artifact_path(ctx, action, s[key], path + (key,))
        overrides = s.get("parameter_overrides", {})
        text = json.dumps(_body(overrides), separators=(",", ":"), ensure_ascii=False)
        if len(text) > 1000 and not _has_intrinsic(overrides):
            ctx.error("PG205", f"parameter_overrides compile to {len(text)} characters of JSON; "
                      "CodePipeline takes at most 1000", path + ("parameter_overrides",),
                      "move parameters to a `template_configuration` file", key=True)
        for name, value in overrides.items():
            if isinstance(value, dict) and "get_param" in value:
                artifact, file = value["get_param"][0], value["get_param"][1]
                check_artifact_path(ctx, action, f"{artifact}::{file}",
                                    path + ("parameter_overrides", name, "get_param", 0))

    def expand(self, action, ctx):
        """mode change-set: create change set, the approval (`approve: true`), execute."""
        s = action.settings
        if _mode(s) != "change-set":
            return None
        names, path = s.get("names", {}), action.path

        def named(step: str, suffix: str) -> dict:
            where = path + ("names", step) if step in names else None
            return dict(name=names.get(step, f"{action.name}-{suffix}"), name_path=where,
                        rename=f"set `names: {{{step}: OTHER}}`, or rename the other action")

        create = ctx.step(action, "create", **named(*STEPS[0]), outputs=(), namespace=None,
                          settings={**{k: v for k, v in s.items() if k not in EXPANSION_KEYS},
                                    "mode": "change-set-create"})
        steps = [create]
        if s.get("approve"):
            # A real approval action, in the pipeline's own account and region (SPEC.md
            # section 4): it takes neither `role` nor `region`.
            spec = s.get("approval", {})
            steps.append(ctx.step(
                action, "approve", **named(*STEPS[1]), type="approval", provider="manual",
                settings=spec, path=path + ("approval",), inputs=(), outputs=(),
                namespace=None, role=None, region=None, configuration={},
                timeout_minutes=minutes(spec["timeout"]) if "timeout" in spec else None,
                after=(create.name,)))
        execute = {k: s[k] for k in ("stack", "change_set", "output_file") if k in s}
        steps.append(ctx.step(action, "execute", **named(*STEPS[2]), inputs=(),
                              configuration={}, settings={**execute,
                                                          "mode": "change-set-execute"},
                              after=(steps[-1].name,)))
        return steps

    def emit(self, action, ctx) -> list[Emitted]:
        mode = _mode(action.settings)
        return [Emitted("Deploy", "AWS", "CloudFormation", self._config(action, ctx, MODES[mode]))]

    def _config(self, action, ctx, action_mode: str, output: bool = True) -> dict[str, Any]:
        s = action.settings
        stack = s["stack"]
        config: dict[str, Any] = {"ActionMode": action_mode, "StackName": stack}
        if action_mode in ("CHANGE_SET_REPLACE", "CHANGE_SET_EXECUTE"):
            config["ChangeSetName"] = s.get("change_set", DEFAULT_CHANGE_SET)
        elif "change_set" in s:
            config["ChangeSetName"] = s["change_set"]  # ignored by AWS here (PG385)
        if action_mode == "CHANGE_SET_EXECUTE" and _mode(s) == "change-set-execute":
            if "capabilities" in s:
                config["Capabilities"] = _capabilities(s["capabilities"])
            if "deploy_role" in s:
                config["RoleArn"] = self._deploy_role(action, ctx)
        if action_mode != "CHANGE_SET_EXECUTE":
            if "template" in s:
                config["TemplatePath"] = s["template"]
            if "template_configuration" in s:
                config["TemplateConfiguration"] = s["template_configuration"]
            if "parameter_overrides" in s:
                config["ParameterOverrides"] = _overrides(s["parameter_overrides"])
            if "capabilities" in s:
                config["Capabilities"] = _capabilities(s["capabilities"])
            if "deploy_role" in s:
                role = self._deploy_role(action, ctx)
                config["RoleArn"] = role
                if acts(action):
                    pass_role(ctx, role, SERVICE)
        if output and "output_file" in s:
            config["OutputFileName"] = s["output_file"]
        if acts(action):
            stack_arn = arn(action, "cloudformation", "stack/{stack}/*", stack=stack)
            actions = STACK_ACTIONS[action_mode]
            name = config.get("ChangeSetName")
            if name is not None and "#{" not in json.dumps(cfn.plain(name)) and \
                    any(a.endswith("ChangeSet") for a in actions):
                # Only this action's change set may be created, executed or deleted
                # (cloudformation:ChangeSetName); DescribeStacks takes no such key.
                changes = [a for a in actions if a.endswith("ChangeSet")]
                ctx.policy.allow([a for a in actions if a not in changes], stack_arn)
                ctx.policy.allow(changes, stack_arn, {"StringEquals": {
                    "cloudformation:ChangeSetName": cfn.value(name)}})
            else:
                ctx.policy.allow(actions, stack_arn)
        return config

    def _deploy_role(self, action, ctx) -> Any:
        spec = action.get("deploy_role")
        if not _created_role(action.settings):
            return spec
        # Identical definitions share one role (SPEC.md section 1).
        key = "cloudformation-role:" + json.dumps(spec, sort_keys=True)
        if key not in ctx.shared:
            title = logical_id(action.stage, action.name, "DeployRole")
            policy = iam.Policy()
            iam.add_permissions(policy, spec.get("permissions"))
            ctx.add(iam.role(title, SERVICE, policy, policy_name="DeployPermissions",
                             managed=spec.get("managed_policies"), tags=ctx.tags()),
                    action.path + ("deploy_role",))
            ctx.shared[key] = GetAtt(title, "Arn")
        return ctx.shared[key]


def _capabilities(value: Any) -> Any:
    """Capabilities as CodePipeline takes them: one comma-separated string."""
    if cfn.is_intrinsic(value):
        return value
    return ",".join(CAPABILITIES.get(c, c) for c in value)


def _has_intrinsic(params: dict) -> bool:
    return any(cfn.is_intrinsic(v) for v in params.values())


def _body(params: dict) -> dict:
    """{get_param: [...]} becomes CodePipeline's own Fn::GetParam inside the JSON."""
    body = {}
    for name, value in params.items():
        if isinstance(value, dict) and "get_param" in value:
            body[name] = {"Fn::GetParam": list(value["get_param"])}
        else:
            body[name] = value
    return body


def _overrides(params: dict) -> Any:
    """ParameterOverrides: JSON text, with intrinsics spliced in by Fn::Join."""
    return cfn.json_string(_body(params))


PROVIDERS = [CloudFormationAction()]
