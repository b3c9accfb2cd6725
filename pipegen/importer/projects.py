"""Resources an action names that pipegen can generate instead: inline CodeBuild projects with
their roles, AppConfig applications, environments and profiles; and lookups the readers need
(the ECS service behind a CodeDeploy deployment group).

A resource is replaced only when pipegen's generated one does the same job: one action uses
it, and every property it sets has a spec key. Otherwise it stays in `resources:` as written and
the action references it, and the header says why.
"""

from __future__ import annotations

import re
from typing import Any

from pipegen import cfn
from pipegen.importer.context import ImportContext, tolerant
from pipegen.importer.template import props_of, ref_target, refs
from pipegen.naming import logical_id
from pipegen.providers import codebuild

COMPUTE = {v: k for k, v in codebuild.COMPUTE.items()}
ARCH = {"LINUX_CONTAINER": "x86-64", "ARM_CONTAINER": "arm64"}
VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$")
# What pipegen's generated project role already allows (its log group, the artifact store and
# its key, the secrets it names, clone-ref sources): statements made only of these are dropped.
PROJECT_COVERED = {
    "logs:createloggroup", "logs:createlogstream", "logs:putlogevents",
    "s3:getobject", "s3:getobjectversion", "s3:putobject", "s3:getbucketacl",
    "s3:getbucketlocation", "s3:getbucketversioning", "kms:decrypt", "kms:encrypt",
    "kms:generatedatakey", "kms:generatedatakey*", "kms:reencrypt*", "kms:describekey",
    "ssm:getparameters", "secretsmanager:getsecretvalue", "codecommit:gitpull",
}


def actions_of(statement: dict) -> list[str] | None:
    a = statement.get("Action")
    if isinstance(a, str):
        return [a]
    if isinstance(a, list) and all(isinstance(x, str) for x in a):
        return list(a)
    return None


class Projects:
    def __init__(self, ctx: ImportContext, store_ids: set[str]):
        self.ctx = ctx
        self.store_ids = store_ids  # the original bucket and key ids (replaced or not)
        self.uses: dict[str, int] = {}  # project id -> how many actions name it
        for stage in ctx.props.get("Stages") or []:
            for action in (stage.get("Actions") or []) if isinstance(stage, dict) else []:
                config = action.get("Configuration") if isinstance(action, dict) else None
                target = ref_target((config or {}).get("ProjectName")) if isinstance(
                    config, dict) else None
                if target:
                    self.uses[target] = self.uses.get(target, 0) + 1

    # --- CodeBuild
    @tolerant(lambda self, stage, action, value: value)
    def project(self, stage: str, action: dict, value: Any) -> Any:
        """The spec's `project`: an inline definition replacing the original, or the value."""
        target = value.get("Ref") if isinstance(value, dict) and set(value) == {"Ref"} else None
        body = self.ctx.resource(target)
        if body is None or body.get("Type") != "AWS::CodeBuild::Project":
            return value
        name = action.get("Name", "")
        title = logical_id(stage, name, "Project")
        why = self._not_inline(target, body, stage, name)
        if why is None:
            spec, role_note, role_id = self._inline(target, body, stage, name, title)
            if spec is not None:
                self.ctx.replace(target, title, f"CodeBuild project -> pipegen's inline "
                                 f"project {title} (stages[{stage}].{name}.project)")
                if role_id is not None:
                    self.ctx.replace(role_id, title + "Role", role_note)
                elif role_note:
                    self.ctx.note("kept", target + " role", role_note)
                return spec
            why = role_note
        self.ctx.note("kept", target, f"CodeBuild project kept in `resources:` ({why})")
        return value

    def _not_inline(self, pid: str, body: dict, stage: str, name: str) -> str | None:
        if self.uses.get(pid, 0) != 1:
            return f"{self.uses.get(pid, 0)} actions use it; pipegen's inline project serves one"
        for key in body:
            if key not in ("Type", "Properties", "DependsOn"):
                return f"it sets {key}"
        users = [u for u in self.ctx.users(pid) if u != self.ctx.pipeline_id
                 and not u.startswith("Outputs.") and u not in self.ctx.removed]
        role = ref_target(props_of(body).get("ServiceRole"))
        others = [u for u in users if u != role and not self._attached_to(u, role)]
        if others:
            return "referenced by " + ", ".join(others)
        return None

    def _attached_to(self, rid: str, role: str | None) -> bool:
        body = self.ctx.resource(rid)
        if not body or body.get("Type") not in ("AWS::IAM::Policy",) or role is None:
            return False
        roles = props_of(body).get("Roles") or []
        return [ref_target(r) for r in roles] == [role] and not (
            props_of(body).get("Users") or
            props_of(body).get("Groups"))

    def _inline(self, pid: str, body: dict, stage: str, name: str, title: str):
        """(spec, role note, role id to replace) or (None, reason, None)."""
        props = dict(props_of(body))
        spec: dict[str, Any] = {}
        unknown = set(props) - {"Name", "Environment", "Source", "Artifacts", "ServiceRole",
                                "TimeoutInMinutes", "EncryptionKey", "LogsConfig", "Tags",
                                "Cache"}
        if unknown:
            return None, "pipegen's inline projects have no key for " + ", ".join(
                sorted(unknown)), None
        if props.get("Artifacts") != {"Type": "CODEPIPELINE"}:
            return None, "its Artifacts are not just {Type: CODEPIPELINE}", None
        source = props.get("Source") or {}
        if source.get("Type") != "CODEPIPELINE" or set(source) - {"Type", "BuildSpec"}:
            return None, "its Source is not CODEPIPELINE with a BuildSpec", None
        if "Cache" in props and props["Cache"] != {"Type": "NO_CACHE"}:
            return None, "it has a cache", None
        tags = (self.ctx.props.get("Tags") or [])
        if "Tags" in props and props["Tags"] != tags:
            return None, "its tags differ from the pipeline's (a spec tags everything alike)", \
                None
        if "Name" in props:
            default = {"Fn::Sub": "${AWS::StackName}-" + title.removesuffix("Project")}
            if props["Name"] != default:
                if isinstance(props["Name"], str) and not PROJECT_NAME.match(props["Name"]):
                    return None, "its name is not one pipegen accepts", None
                spec["name"] = props["Name"]
        env = props.get("Environment") or {}
        if set(env) - {"Type", "ComputeType", "Image", "EnvironmentVariables",
                       "PrivilegedMode", "ImagePullCredentialsType"} or \
                env.get("ImagePullCredentialsType", "CODEBUILD") != "CODEBUILD":
            return None, "its Environment sets keys pipegen's inline projects do not have", None
        arch = ARCH.get(env.get("Type"))
        if arch is None:
            return None, f"its environment type {env.get('Type')!r} is not a Linux or ARM " \
                "container", None
        if "Image" in env and env["Image"] != codebuild.IMAGE[arch]:
            spec["image"] = env["Image"]
        compute = env.get("ComputeType", "BUILD_GENERAL1_SMALL")
        if isinstance(compute, str) and compute in COMPUTE:
            if compute != "BUILD_GENERAL1_SMALL":
                spec["compute"] = COMPUTE[compute]
        elif isinstance(compute, str) and re.match(r"^BUILD_[A-Z0-9_]+$", compute) or \
                cfn.is_intrinsic(compute):
            spec["compute"] = compute
        else:
            return None, f"its compute type {compute!r} is not one pipegen takes", None
        if arch != "x86-64":
            spec["arch"] = arch
        if "BuildSpec" in source:
            spec["buildspec"] = source["BuildSpec"]
        variables = self._variables(env.get("EnvironmentVariables") or [])
        if variables is None:
            return None, "its environment variables are not plain name/value pairs", None
        spec.update(variables)
        privileged = env.get("PrivilegedMode")
        if privileged in (True, "true", "True"):
            spec["privileged"] = True
        elif isinstance(privileged, dict):
            spec["privileged"] = privileged  # an intrinsic (a parameter, a condition)
        timeout = props.get("TimeoutInMinutes")
        if timeout is not None:
            if not str(timeout).isdigit():
                return None, "its timeout is not a literal number of minutes", None
            spec["timeout"] = f"{int(timeout)}m"
        key = props.get("EncryptionKey")
        if key is not None and ref_target(key) not in self.store_ids:
            spec["encryption_key"] = key
        logs = self._logs(props.get("LogsConfig"))
        if logs is False:
            return None, "its LogsConfig sets more than a CloudWatch Logs group and stream", None
        if logs:
            spec["logs"] = logs
        role_spec, role_note, role_id = self._project_role(props.get("ServiceRole"), pid,
                                                           title)
        spec.update(role_spec)
        return spec, role_note, role_id

    def _variables(self, items: list) -> dict | None:
        plain, secrets = {}, {}
        for item in items:
            if not isinstance(item, dict) or set(item) - {"Name", "Value", "Type"}:
                return None
            name, value = item.get("Name"), item.get("Value")
            if not isinstance(name, str) or not VAR_NAME.match(name) or name in plain or \
                    name in secrets:
                return None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if not (isinstance(value, str) or cfn.is_intrinsic(value)):
                return None
            kind = item.get("Type", "PLAINTEXT")
            if kind == "PLAINTEXT":
                plain[name] = value
            elif kind in ("SECRETS_MANAGER", "PARAMETER_STORE"):
                from pipegen.importer.actions import secret_value
                secrets[name] = secret_value(kind, value)
            else:
                return None
        out: dict[str, Any] = {}
        if plain:
            out["environment"] = plain
        if secrets:
            out["secrets"] = secrets
        return out

    @staticmethod
    def _logs(config: Any) -> dict | bool | None:
        if config is None:
            return None
        if not isinstance(config, dict) or set(config) - {"CloudWatchLogs", "S3Logs"}:
            return False
        s3 = config.get("S3Logs")
        if s3 is not None and s3 != {"Status": "DISABLED"}:
            return False
        cw = config.get("CloudWatchLogs")
        if cw is None:
            return None
        if cw.get("Status") != "ENABLED" or set(cw) - {"Status", "GroupName", "StreamName"} \
                or not isinstance(cw.get("GroupName"), str):
            return False
        out = {"group": cw["GroupName"]}
        if "StreamName" in cw:
            out["stream"] = cw["StreamName"]
        return out

    def _project_role(self, value: Any, pid: str, title: str):
        """({service_role} | {permissions, managed_policies}, note, role id to replace)."""
        rid = ref_target(value)
        body = self.ctx.resource(rid)
        if value is None:
            return {}, "", None
        if body is None or body.get("Type") != "AWS::IAM::Role":
            return {"service_role": value}, "", None
        users = [u for u in self.ctx.users(rid) if u != pid and not self._attached_to(u, rid)
                 and u not in self.ctx.removed]
        if users:
            return {"service_role": value}, f"its service role {rid} is also used by " + \
                ", ".join(users), None
        found = role_statements(self.ctx, rid)
        if isinstance(found, str):
            return {"service_role": value}, f"its service role {rid} is kept: {found}", None
        statements, attached, managed = found
        permissions, dropped = [], 0
        for st in statements:
            verdict = classify(st, PROJECT_COVERED, self.store_ids)
            if verdict == "covered":
                dropped += 1
            elif verdict == "permission":
                permissions.append(permission(st))
            else:
                return {"service_role": value}, f"its service role {rid} is kept: {verdict}", \
                    None
        spec: dict[str, Any] = {}
        if permissions:
            spec["permissions"] = permissions
        if managed:
            spec["managed_policies"] = managed
        for a in attached:
            self.ctx.removed[a] = f"policy of {rid}, which pipegen's {title}Role replaces"
            self.ctx.note("replaced", a, f"policy of {rid} -> folded into {title}Role")
        note = (f"CodeBuild service role -> pipegen's {title}Role: its own log group, the "
                f"artifact store, the secrets it names; {dropped} original statement(s) "
                "covered by those dropped" + (f", {len(permissions)} kept as `permissions`"
                                              if permissions else "")
                + (", managed policies kept as `managed_policies`" if managed else ""))
        return spec, note, rid

    # --- CodeDeploy and AppConfig lookups
    @tolerant(None)
    def ecs_service(self, app: Any, group: Any) -> tuple[Any, Any] | None:
        target = ref_target(group)
        candidates = [target] if target else [
            k for k, v in self.ctx.resources.items()
            if isinstance(v, dict) and v.get("Type") == "AWS::CodeDeploy::DeploymentGroup"
            and props_of(v).get("DeploymentGroupName") == group]
        for cid in candidates:
            body = self.ctx.resource(cid)
            if body and body.get("Type") == "AWS::CodeDeploy::DeploymentGroup":
                services = props_of(body).get("ECSServices") or []
                if len(services) == 1 and isinstance(services[0], dict) and \
                        {"ClusterName", "ServiceName"} <= set(services[0]):
                    return services[0]["ClusterName"], services[0]["ServiceName"]
        return None

    @tolerant(None)
    def appconfig(self, stage: str, action: dict, config: dict) -> dict | None:
        parts = {}
        for key, kind in (("Application", "Application"), ("Environment", "Environment"),
                          ("ConfigurationProfile", "ConfigurationProfile")):
            target = ref_target(config.get(key))
            body = self.ctx.resource(target)
            if body is None or body.get("Type") != f"AWS::AppConfig::{kind}":
                return None
            props = props_of(body)
            allowed = {"Name", "ApplicationId", "Tags", "LocationUri", "Type"}
            if set(props) - allowed or not isinstance(props.get("Name"), str) or \
                    set(body) - {"Type", "Properties", "Condition"}:
                return None
            if kind == "ConfigurationProfile" and (
                    props.get("Type", "AWS.Freeform") != "AWS.Freeform" or
                    not str(props.get("LocationUri", "")).startswith("codepipeline://")):
                return None
            parts[kind] = (target, props["Name"])
        path = config.get("InputArtifactConfigurationPath")
        if not isinstance(path, str):
            return None
        app = parts["Application"][1]
        ids = {"Application": logical_id("AppConfig", app, "Application"),
               "Environment": logical_id("AppConfig", app, parts["Environment"][1],
                                         "Environment"),
               "ConfigurationProfile": logical_id("AppConfig", app,
                                                  parts["ConfigurationProfile"][1], "Profile")}
        for kind, (target, _) in parts.items():
            if target not in self.ctx.renames:
                self.ctx.replace(target, ids[kind], f"AppConfig {kind.lower()} -> pipegen's "
                                 f"{ids[kind]} (same name)")
        return {"application": app, "environment": parts["Environment"][1],
                "profile": parts["ConfigurationProfile"][1], "path": path}


@tolerant("its policies are not in the documented shape")
def role_statements(ctx: ImportContext, rid: str):
    """(statements, attached policy ids, managed policy ARNs) of a role, or why not."""
    body = ctx.resource(rid) or {}
    props = props_of(body)
    for key in ("RoleName", "PermissionsBoundary"):
        if key in props:
            return f"it sets {key}"
    if set(body) - {"Type", "Properties", "DependsOn"}:
        return "it sets " + ", ".join(sorted(set(body) - {"Type", "Properties", "DependsOn"}))
    statements = []
    for policy in props.get("Policies") or []:
        doc = policy.get("PolicyDocument") if isinstance(policy, dict) else None
        st = doc.get("Statement") if isinstance(doc, dict) else None
        if isinstance(st, dict):
            st = [st]
        if not isinstance(st, list):
            return "its inline policy is not a plain document"
        statements += st
    attached = []
    for k, v in ctx.resources.items():
        if not isinstance(v, dict) or v.get("Type") != "AWS::IAM::Policy":
            continue
        p = props_of(v)
        roles = [ref_target(r) for r in p.get("Roles") or []]
        if rid not in roles:
            continue
        if roles != [rid] or p.get("Users") or p.get("Groups"):
            return f"policy {k} is shared with other principals"
        doc = p.get("PolicyDocument") or {}
        st = doc.get("Statement") if isinstance(doc, dict) else None
        if isinstance(st, dict):
            st = [st]
        if not isinstance(st, list):
            return f"policy {k} is not a plain document"
        statements += st
        attached.append(k)
    for k, v in ctx.resources.items():
        if isinstance(v, dict) and v.get("Type") == "AWS::IAM::ManagedPolicy" and rid in [
                ref_target(r) for r in props_of(v).get("Roles") or []]:
            return f"managed policy {k} is attached to it"
    managed = props.get("ManagedPolicyArns") or []
    if not isinstance(managed, list):
        return "its managed policies are not a list"
    return statements, attached, list(managed)


def classify(st: Any, covered: set[str], store_ids: set[str]) -> str:
    """'covered', 'permission', or the reason the statement cannot become a permission."""
    if not isinstance(st, dict) or cfn.is_intrinsic(st):
        return "a statement is not a plain mapping"
    if st.get("Effect") != "Allow":
        return "a statement denies"
    if set(st) - {"Effect", "Action", "Resource", "Condition", "Sid"}:
        return "a statement uses " + ", ".join(sorted(set(st) - {"Effect", "Action",
                                                                   "Resource", "Condition",
                                                                   "Sid"}))
    actions = actions_of(st)
    if actions is None or "Resource" not in st:
        return "a statement's actions or resources are not literal"
    lowered = [a.lower() for a in actions]
    on_store = bool(refs(st.get("Resource")) & store_ids) and "*" not in json_resources(st)
    if all(a in covered or a.startswith("logs:") or (a.startswith("s3:") and on_store) or
           (a.startswith("kms:") and on_store) for a in lowered):
        return "covered"
    if any("*" in a or "?" in a for a in actions):
        wild = next(a for a in actions if "*" in a or "?" in a)
        return f"it allows the wildcard action {wild}, which `permissions` refuse"
    return "permission"


def json_resources(st: dict) -> list:
    r = st.get("Resource")
    return r if isinstance(r, list) else [r]


def permission(st: dict) -> dict:
    out: dict[str, Any] = {"actions": actions_of(st), "resources": json_resources(st)}
    if "Condition" in st:
        out["condition"] = st["Condition"]
    return out
