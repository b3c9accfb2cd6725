"""Stage actions back into typed spec keys, keyed by (Category, Owner, Provider).

Each reader is the inverse of one provider's emit: it takes the action's Configuration, pops
the keys it types and returns them with what is left, which the caller keeps raw under the
action's `configuration:` (pipegen passes those through unchanged). A value is typed only when
the provider would write it back exactly; anything else stays raw. A reader returns None when
the action cannot be typed at all (the caller then keeps the whole action raw).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipegen import cfn
from pipegen.importer.context import MALFORMED, ImportContext

TYPES = {"Build": "build", "Test": "test", "Approval": "approval", "Invoke": "invoke",
         "Deploy": "deploy", "Compute": "build"}
MODES = {"CREATE_UPDATE": "create-update", "REPLACE_ON_FAILURE": "replace-on-failure",
         "DELETE_ONLY": "delete", "CHANGE_SET_REPLACE": "change-set-create",
         "CHANGE_SET_EXECUTE": "change-set-execute"}
CAPABILITIES = {"CAPABILITY_IAM": "iam", "CAPABILITY_NAMED_IAM": "named-iam",
                "CAPABILITY_AUTO_EXPAND": "auto-expand"}
PARTNERS = {"BlazeMeter": "blazemeter", "GhostInspector": "ghost-inspector",
            "StormRunnerLoad": "stormrunner", "Runscope": "runscope"}
VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_TYPES = ("SECRETS_MANAGER", "PARAMETER_STORE")


def _flag(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


def _text(v: Any) -> Any:
    """A Configuration scalar as the spec writes it (numbers as strings: CodePipeline's)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v


def secret_value(store: str, value: Any) -> Any:
    """The spec's form of a secret variable, as codebuild.secret_store reads it back."""
    is_sm_arn = isinstance(value, str) and value.startswith("arn:") and \
        value.split(":")[2:3] == ["secretsmanager"]
    if store == "SECRETS_MANAGER":
        return value if is_sm_arn else {"secrets_manager": value}
    if isinstance(value, str) and not is_sm_arn:
        return value
    return {"parameter_store": value}


def env_variables(text: Any) -> tuple[dict, dict] | None:
    """CodeBuild's EnvironmentVariables JSON -> (environment_variables, secrets), or None."""
    if not isinstance(text, str):
        return None
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    plain, secrets = {}, {}
    for item in items:
        if not isinstance(item, dict) or set(item) - {"name", "value", "type"}:
            return None
        name, value, kind = item.get("name"), item.get("value"), item.get("type", "PLAINTEXT")
        if not isinstance(name, str) or not VAR_NAME.match(name) or name in plain or \
                name in secrets or not isinstance(value, str):
            return None
        if kind == "PLAINTEXT":
            plain[name] = value
        elif kind in SECRET_TYPES:
            secrets[name] = secret_value(kind, value)
        else:
            return None
    return plain, secrets


class ActionReader:
    def __init__(self, ctx: ImportContext, projects):
        self.ctx = ctx
        self.projects = projects  # pipegen.importer.projects.Projects

    def read(self, stage: str, action: dict, path: tuple) -> tuple[dict, dict] | None:
        type_id = action.get("ActionTypeId") or {}
        category, owner, provider = (type_id.get("Category"), type_id.get("Owner"),
                                     type_id.get("Provider"))
        version = str(type_id.get("Version", "1"))
        config = action.get("Configuration") or {}
        if not isinstance(config, dict) or cfn.is_intrinsic(config):
            return None
        config = dict(config)
        if owner == "Custom" and category in ("Build", "Test"):
            return self.jenkins(category, provider, version, config)
        if owner == "ThirdParty" and category == "Test":
            return self.partner(provider, version, config)
        if owner != "AWS" or version != "1":
            return None
        reader = READERS.get((category, provider))
        if reader is None:
            return None
        try:
            out = reader(self, stage, action, config, path)
        except MALFORMED:
            out = None  # not a shape the provider writes: the action stays raw
        if out is None:
            return None
        spec, rest = out
        spec = {"type": TYPES[category], **spec}
        return spec, rest

    # --- build and test
    def codebuild(self, stage, action, config, path):
        project = config.pop("ProjectName", None)
        if project is None:
            return None
        spec: dict[str, Any] = {"provider": "codebuild",
                                "project": self.projects.project(stage, action, project)}
        if "PrimarySource" in config:
            spec["primary_source"] = config.pop("PrimarySource")
        if _flag(config.get("BatchEnabled")) is not None:
            spec["batch"] = _flag(config.pop("BatchEnabled"))
        if "EnvironmentVariables" in config:
            found = env_variables(config["EnvironmentVariables"])
            if found is not None:
                config.pop("EnvironmentVariables")
                plain, secrets = found
                if plain:
                    spec["environment_variables"] = plain
                if secrets:
                    spec["secrets"] = secrets
        return spec, config

    def commands(self, stage, action, config, path):
        commands = action.get("Commands")
        if not isinstance(commands, list):
            return None
        spec: dict[str, Any] = {"provider": "commands", "commands": commands}
        outputs = action.get("OutputArtifacts") or []
        if outputs and isinstance(outputs[0], dict) and "Files" in outputs[0]:
            spec["files"] = outputs[0]["Files"]
        if "OutputVariables" in action:
            spec["output_variables"] = action["OutputVariables"]
        plain, secrets = {}, {}
        for item in action.get("EnvironmentVariables") or []:
            kind = item.get("Type", "PLAINTEXT")
            if kind == "PLAINTEXT":
                plain[item["Name"]] = item["Value"]
            elif kind == "SECRETS_MANAGER":
                secrets[item["Name"]] = item["Value"]
            else:
                return None
        if plain:
            spec["environment_variables"] = plain
        if secrets:
            spec["secrets"] = secrets
        return spec, config

    def jenkins(self, category, provider, version, config):
        if "ProjectName" not in config:
            return None
        spec: dict[str, Any] = {"type": TYPES[category], "provider": "jenkins",
                                "provider_name": provider}
        if version != "1":
            spec["version"] = version
        spec["project"] = config.pop("ProjectName")
        return spec, config

    def partner(self, provider, version, config):
        name = PARTNERS.get(provider)
        spec: dict[str, Any] = {"type": "test", "provider": name or "blazemeter"}
        if name is None:
            spec["provider_name"] = provider
        if version != "1":
            spec["version"] = version
        return spec, config

    # --- approval and invoke
    def manual(self, stage, action, config, path):
        spec: dict[str, Any] = {"provider": "manual"}
        for key, typed in (("NotificationArn", "notify"), ("CustomData", "message"),
                           ("ExternalEntityLink", "url")):
            if key in config:
                spec[typed] = _text(config.pop(key))
        return spec, config

    def lambda_invoke(self, stage, action, config, path):
        if "FunctionName" not in config:
            return None
        spec: dict[str, Any] = {"provider": "lambda", "function": config.pop("FunctionName")}
        if "UserParameters" in config:
            spec["user_parameters"] = _text(config.pop("UserParameters"))
        return spec, config

    def step_functions(self, stage, action, config, path):
        if "StateMachineArn" not in config:
            return None
        spec: dict[str, Any] = {"provider": "step-functions",
                                "state_machine": config.pop("StateMachineArn")}
        kind = config.get("InputType", "Literal")
        if "Input" in config and kind in ("Literal", "FilePath"):
            config.pop("InputType", None)
            spec["input_file" if kind == "FilePath" else "input"] = _text(config.pop("Input"))
        if "ExecutionNamePrefix" in config:
            spec["execution_name_prefix"] = config.pop("ExecutionNamePrefix")
        return spec, config

    # --- deploy
    def cloudformation(self, stage, action, config, path):
        mode = MODES.get(config["ActionMode"]) if isinstance(config.get("ActionMode"), str) \
            else None
        if mode is None or "StackName" not in config:
            return None
        config.pop("ActionMode")
        spec: dict[str, Any] = {"provider": "cloudformation", "stack": config.pop("StackName")}
        if mode != "create-update":
            spec["mode"] = mode
        if mode.startswith("change-set") and "ChangeSetName" in config:
            name = config.pop("ChangeSetName")
            if name != "pipegen-change-set":
                spec["change_set"] = name
        reads_template = mode not in ("delete", "change-set-execute")
        if reads_template:
            for key, typed in (("TemplatePath", "template"),
                               ("TemplateConfiguration", "template_configuration")):
                if isinstance(config.get(key), str) or cfn.is_intrinsic(config.get(key)):
                    spec[typed] = config.pop(key)
            overrides = _parameter_overrides(config.get("ParameterOverrides"))
            if overrides is not None:
                config.pop("ParameterOverrides")
                spec["parameter_overrides"] = overrides
            caps = config.get("Capabilities")
            if isinstance(caps, str):
                names = [c.strip() for c in caps.split(",")]
                if all(c in CAPABILITIES for c in names) and \
                        ",".join(names) == caps:
                    config.pop("Capabilities")
                    spec["capabilities"] = [CAPABILITIES[c] for c in names]
        if "RoleArn" in config and mode != "change-set-execute":
            spec["deploy_role"] = config.pop("RoleArn")
        if "OutputFileName" in config and action.get("OutputArtifacts"):
            spec["output_file"] = config.pop("OutputFileName")
        return spec, config

    def codedeploy(self, stage, action, config, path):
        if not {"ApplicationName", "DeploymentGroupName"} <= set(config):
            return None
        return {"provider": "codedeploy", "application": config.pop("ApplicationName"),
                "deployment_group": config.pop("DeploymentGroupName")}, config

    def ecs(self, stage, action, config, path):
        if not {"ClusterName", "ServiceName"} <= set(config):
            return None
        spec: dict[str, Any] = {"provider": "ecs", "cluster": config.pop("ClusterName"),
                                "service": config.pop("ServiceName")}
        name = config.pop("FileName", "imagedefinitions.json")
        if name != "imagedefinitions.json":
            spec["image_definitions"] = name
        return spec, config

    def ecs_blue_green(self, stage, action, config, path):
        keys = ("ApplicationName", "DeploymentGroupName", "TaskDefinitionTemplateArtifact",
                "AppSpecTemplateArtifact")
        if not set(keys) <= set(config) or not all(isinstance(config[k], str)
                                                    for k in keys[2:]):
            return None
        service = self.projects.ecs_service(config["ApplicationName"],
                                            config["DeploymentGroupName"])
        if service is None:
            return None  # the schema asks for cluster and service, which only the group knows
        spec: dict[str, Any] = {"provider": "ecs", "cluster": service[0], "service": service[1],
                                "application": config.pop("ApplicationName"),
                                "deployment_group": config.pop("DeploymentGroupName")}
        for prefix, typed, default in (("TaskDefinitionTemplate", "task_definition",
                                        "taskdef.json"),
                                       ("AppSpecTemplate", "appspec", "appspec.yaml")):
            artifact = config.pop(prefix + "Artifact")
            file = config.pop(prefix + "Path", default)
            spec[typed] = f"{artifact}::{file}"
        images = {}
        for i in range(1, 5):
            a, c = f"Image{i}ArtifactName", f"Image{i}ContainerName"
            if a not in config and c not in config:
                break
            if not (isinstance(config.get(a), str) and isinstance(config.get(c), str)):
                return None
            images[config.pop(c)] = config.pop(a)
        if images:
            spec["images"] = images
        return spec, config

    def beanstalk(self, stage, action, config, path):
        if not {"ApplicationName", "EnvironmentName"} <= set(config):
            return None
        return {"provider": "beanstalk", "application": config.pop("ApplicationName"),
                "environment": config.pop("EnvironmentName")}, config

    def s3_deploy(self, stage, action, config, path):
        extract = _flag(config.get("Extract"))
        if extract is None and cfn.is_intrinsic(config.get("Extract")) and "ObjectKey" in config:
            extract = config["Extract"]  # chosen by a parameter or condition
        if "BucketName" not in config or extract is None:
            return None
        config.pop("Extract")
        spec: dict[str, Any] = {"provider": "s3", "bucket": config.pop("BucketName"),
                                "extract": extract}
        for key, typed in (("ObjectKey", "key"), ("KMSEncryptionKeyARN", "kms_key"),
                           ("CannedACL", "acl"), ("CacheControl", "cache_control")):
            if key in config:
                spec[typed] = _text(config.pop(key))
        return spec, config

    def lambda_deploy(self, stage, action, config, path):
        if "FunctionName" not in config:
            return None
        spec: dict[str, Any] = {"provider": "lambda", "function": config.pop("FunctionName")}
        if "FunctionAlias" in config:
            spec["alias"] = config.pop("FunctionAlias")
        if "PublishedTargetVersion" in config:
            spec["version"] = _text(config.pop("PublishedTargetVersion"))
        return spec, config

    def appconfig(self, stage, action, config, path):
        found = self.projects.appconfig(stage, action, config)
        if found is None:
            return None
        spec = {"provider": "appconfig", **found}
        for key in ("Application", "Environment", "ConfigurationProfile",
                    "InputArtifactConfigurationPath"):
            config.pop(key, None)
        return spec, config

    def devicefarm(self, stage, action, config, path):
        from pipegen.providers import devicefarm as df

        required = ("AppType", "ProjectId", "App", "DevicePoolArn", "TestType")
        if not set(required) <= set(config):
            return None
        app_types = {v: k for k, v in df.APP_TYPES.items()}
        if not isinstance(config["AppType"], str) or config["AppType"] not in app_types or \
                not isinstance(config["TestType"], str):
            return None
        spec: dict[str, Any] = {"provider": "devicefarm", "project": config.pop("ProjectId"),
                                "device_pool": config.pop("DevicePoolArn"),
                                "app_type": app_types[config.pop("AppType")],
                                "app": config.pop("App"),
                                "test_type": config.pop("TestType").lower().replace("_", "-")}
        optional = {"Test": "test", "TestSpec": "test_spec", "AppiumVersion": "appium_version",
                    "CustomHostMachineArtifacts": "custom_host_machine_artifacts",
                    "CustomDeviceArtifacts": "custom_device_artifacts"}
        for key, typed in optional.items():
            if key in config:
                spec[typed] = config.pop(key)
        for typed, key in df.FLAGS.items():
            if _flag(config.get(key)) is not None:
                spec[typed] = _flag(config.pop(key))
        radios = {typed: _flag(config.pop(key)) for typed, key in df.RADIOS.items()
                  if _flag(config.get(key)) is not None}
        if radios:
            spec["radios"] = radios
        fuzz = {}
        for typed, key in df.FUZZ.items():
            if str(config.get(key, "")).isdigit():
                fuzz[typed] = int(config.pop(key))
        if fuzz:
            spec["fuzz"] = fuzz
        if str(config.get("JobTimeoutMinutes", "")).isdigit():
            spec["job_timeout"] = f"{int(config.pop('JobTimeoutMinutes'))}m"
        if "Latitude" in config and "Longitude" in config:
            try:
                spec["location"] = {"latitude": float(config["Latitude"]),
                                    "longitude": float(config["Longitude"])}
                del config["Latitude"], config["Longitude"]
            except (TypeError, ValueError):
                pass
        return spec, config


def _parameter_overrides(text: Any) -> dict | None:
    """ParameterOverrides JSON text -> the typed mapping, when every value can be typed."""
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, str):
            out[name] = value
        elif isinstance(value, dict) and set(value) == {"Fn::GetParam"} and \
                isinstance(value["Fn::GetParam"], list) and len(value["Fn::GetParam"]) == 3 \
                and all(isinstance(x, str) for x in value["Fn::GetParam"]):
            out[name] = {"get_param": value["Fn::GetParam"]}
        else:
            return None
    return out


READERS = {
    ("Build", "CodeBuild"): ActionReader.codebuild,
    ("Test", "CodeBuild"): ActionReader.codebuild,
    ("Compute", "Commands"): ActionReader.commands,
    ("Approval", "Manual"): ActionReader.manual,
    ("Invoke", "Lambda"): ActionReader.lambda_invoke,
    ("Invoke", "StepFunctions"): ActionReader.step_functions,
    ("Deploy", "CloudFormation"): ActionReader.cloudformation,
    ("Deploy", "CodeDeploy"): ActionReader.codedeploy,
    ("Deploy", "ECS"): ActionReader.ecs,
    ("Deploy", "CodeDeployToECS"): ActionReader.ecs_blue_green,
    ("Deploy", "ElasticBeanstalk"): ActionReader.beanstalk,
    ("Deploy", "S3"): ActionReader.s3_deploy,
    ("Deploy", "Lambda"): ActionReader.lambda_deploy,
    ("Deploy", "AppConfig"): ActionReader.appconfig,
    ("Test", "DeviceFarm"): ActionReader.devicefarm,
}
