"""AWS CloudFormation deploy actions, in every ActionMode, with typed keys.

`mode: change-set` expands into create change set, an optional manual approval
(`approve: true`) and execute change set: the action's inputs go to the create step, the
approval and execute steps take none, `role` and `region` apply to every step and the
namespace (stack outputs) to the execute step. The deploy role CloudFormation assumes is
given (an ARN) or created from `{managed_policies, permissions}`.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import GetAtt

from pipegen import cfn, iam
from pipegen.build import check_artifact_path, minutes
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted
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


def _names_of(spec: dict) -> dict[str, str]:
    """The action names an action spec becomes: its steps' names for mode change-set."""
    if spec.get("provider") != "cloudformation" or _mode(spec) != "change-set":
        return {"action": spec["name"]}
    names = spec.get("names", {})
    out = {step: names.get(step, f"{spec['name']}-{default}") for step, default in (
        ("create", "CreateChangeSet"), ("approve", "Approve"), ("execute", "ExecuteChangeSet"))}
    if not spec.get("approve"):
        del out["approve"]
    return out


class CloudFormationAction(ActionProvider):
    kinds = (("deploy", "cloudformation"),)
    schema = "actions/cloudformation.json"
    inputs = (0, 10)
    outputs = (0, 1)

    def steps(self, settings: dict) -> int:
        if _mode(settings) != "change-set":
            return 1
        return 3 if settings.get("approve") else 2

    def default_inputs(self, settings: dict) -> bool:
        # Deleting a stack or executing a change set reads no template.
        return _mode(settings) not in ("delete", "change-set-execute")

    def check(self, action, ctx) -> None:
        self._check_roles(action, ctx)
        self._check_mode_keys(action, ctx)
        if _mode(action.settings) not in ("delete", "change-set-execute"):
            self._check_template(action, ctx)
        if _mode(action.settings) == "change-set":
            self._check_names(action, ctx)

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
        timeout = s.get("approval", {}).get("timeout")
        if timeout is not None and not 5 <= minutes(timeout) <= 86400:
            ctx.error("PG205", f"an approval waits 5m to 60d; {timeout} is outside that",
                      path + ("approval", "timeout"))
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

    def _check_names(self, action, ctx) -> None:
        """The expanded actions' names must be valid and unique in the stage."""
        stage = ctx.data["stages"][action.path[1]]
        taken: set[str] = set()
        for other in stage["actions"]:
            if other is not action.settings:
                taken |= set(_names_of(other).values())
        seen: set[str] = set()
        for step, name in _names_of(action.settings).items():
            where = action.path + (("names", step) if step in action.get("names", {})
                                   else ("name",))
            if len(name) > 100:
                ctx.error("PG366", f"the expanded action name '{name}' is longer than 100 "
                          "characters", where, f"set `names: {{{step}: SHORTER}}`")
            elif name in taken or name in seen:
                ctx.error("PG366", f"the expanded action name '{name}' is already used in "
                          f"stage '{action.stage}'", where,
                          f"set `names: {{{step}: OTHER}}`, or rename the other action")
            seen.add(name)

    def emit(self, action, ctx) -> list[Emitted]:
        s, mode = action.settings, _mode(action.settings)
        if mode != "change-set":
            e = Emitted("Deploy", "AWS", "CloudFormation", self._config(action, ctx, MODES[mode]))
            return [e]
        names = _names_of(action.settings)
        out = [Emitted("Deploy", "AWS", "CloudFormation",
                       self._config(action, ctx, "CHANGE_SET_REPLACE", output=False),
                       name=names["create"], outputs=(), step=0)]
        if s.get("approve"):
            out.append(self._approval(action, ctx, names["approve"]))
        out.append(Emitted("Deploy", "AWS", "CloudFormation",
                           self._config(action, ctx, "CHANGE_SET_EXECUTE"),
                           name=names["execute"], inputs=(), step=len(out)))
        return out

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
            ctx.policy.allow(STACK_ACTIONS[action_mode],
                             arn(action, "cloudformation", "stack/{stack}/*", stack=stack))
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

    def _approval(self, action, ctx, name: str) -> Emitted:
        spec = action.get("approval", {})
        config: dict[str, Any] = {}
        if "notify" in spec:
            config["NotificationArn"] = spec["notify"]
            if acts(action):
                # The approval step runs as the pipeline role, not the action's own role.
                ctx.pipeline_policy.allow("sns:Publish", cfn.value(spec["notify"]))
        if "message" in spec:
            config["CustomData"] = spec["message"]
        if "url" in spec:
            config["ExternalEntityLink"] = spec["url"]
        extra = {"TimeoutInMinutes": minutes(spec["timeout"])} if "timeout" in spec else {}
        return Emitted("Approval", "AWS", "Manual", config, name=name, inputs=(), outputs=(),
                       step=1, extra=extra)


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
