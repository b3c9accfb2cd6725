"""Amazon ECS deploys: a rolling update of an existing service (the ECS action), or, with an
existing CodeDeploy application and deployment group, a blue/green deploy (CodeDeployToECS)
whose traffic shifting is the group's own (SPEC.md section 4, the `ecs` row).

Creating the CodeDeploy application and group (`load_balancer:`) and the `strategy` key
belong to the deployment strategies, which are not part of this module yet.
"""

from __future__ import annotations

from typing import Any

from pipegen.providers.base import ActionProvider, Emitted, check_artifact_path
from pipegen.providers.codedeploy import grant_deployment
from pipegen.providers.deploy_common import acts, arn, pass_role

BLUE_GREEN_KEYS = ("task_definition", "appspec", "images")
TASKS = "ecs-tasks.amazonaws.com"


def _blue_green(settings: dict) -> bool:
    return "application" in settings or "deployment_group" in settings


def _split(action, value: str) -> tuple[str | None, str]:
    """'ARTIFACT::path' -> (ARTIFACT, path); a bare path lives in the only input."""
    if "::" in value:
        artifact, path = value.split("::", 1)
        return artifact, path
    return (action.inputs[0] if len(action.inputs) == 1 else None), value


class EcsDeploy(ActionProvider):
    kinds = (("deploy", "ecs"),)
    schema = "actions/ecs.json"
    inputs = (1, 5)  # rolling: exactly 1 (checked below); blue/green: up to 5

    def check(self, action, ctx) -> None:
        s, path = action.settings, action.path
        if not _blue_green(s):
            for key in BLUE_GREEN_KEYS:
                if key in s:
                    ctx.error("PG367", f"`{key}` applies to blue/green ECS deploys, which need "
                              "an existing CodeDeploy `application` and `deployment_group`",
                              path + (key,), "add `application` and `deployment_group`, or "
                              "remove it (rolling deploys read `image_definitions`)", key=True)
            if len(action.inputs) > 1:
                ctx.error("PG307", f"a rolling ecs deploy action takes exactly 1 input, and "
                          f"'{action.name}' has {len(action.inputs)}", path + ("inputs",),
                          "adjust `inputs`")
            return
        for key in ("application", "deployment_group"):
            if key not in s:
                ctx.error("PG367", "a blue/green ECS deploy names both an existing "
                          "`application` and its `deployment_group`", path, f"add `{key}:`",
                          key=True)
        if "image_definitions" in s:
            ctx.error("PG367", "`image_definitions` is read by rolling deploys; a blue/green "
                      "deploy reads `task_definition`, `appspec` and `images`",
                      path + ("image_definitions",), "remove it", key=True)
        for key, default in (("task_definition", "taskdef.json"), ("appspec", "appspec.yaml")):
            value = s.get(key, default)
            where = path + ((key,) if key in s else ())
            if "::" in value:
                check_artifact_path(ctx, action, value, where)
            elif len(action.inputs) > 1:
                ctx.error("PG367", f"the action has several inputs, so `{key}` must name its "
                          f"artifact: ARTIFACT::{value}", where, "inputs: "
                          + ", ".join(action.inputs), key=key not in s)
        for placeholder, artifact in s.get("images", {}).items():
            if artifact not in action.inputs:
                ctx.error("PG309", f"images: '{artifact}' is not one of the inputs of action "
                          f"'{action.name}'", path + ("images", placeholder),
                          "the action's inputs: " + (", ".join(action.inputs) or "none"))

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        if _blue_green(s):
            return [self._blue_green(action, ctx)]
        cluster, service = s["cluster"], s["service"]
        if acts(action):
            ctx.policy.allow(["ecs:DescribeServices", "ecs:UpdateService"],
                             arn(action, "ecs", "service/{cluster}/{service}", cluster=cluster,
                                 service=service))
            ctx.policy.allow(["ecs:DescribeTasks"],
                             arn(action, "ecs", "task/{cluster}/*", cluster=cluster))
            # ListTasks is authorized on container instances, which the spec does not name;
            # the ecs:cluster condition keeps it to the service's cluster.
            ctx.policy.allow(["ecs:ListTasks"], "*", {"ArnEquals": {
                "ecs:cluster": arn(action, "ecs", "cluster/{cluster}", cluster=cluster)}})
            self._grant_task_definitions(ctx)
        return [Emitted("Deploy", "AWS", "ECS", {
            "ClusterName": cluster, "ServiceName": service,
            "FileName": s.get("image_definitions", "imagedefinitions.json")})]

    def _grant_task_definitions(self, ctx) -> None:
        # Task definitions are registered under families the spec does not name, and
        # DescribeTaskDefinition/RegisterTaskDefinition take no resource-level permissions:
        # AWS offers nothing narrower than "*".
        ctx.policy.allow(["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"], "*")
        # The new revision passes its task and execution roles, which the spec does not name
        # either: "*" limited to the ECS tasks service is AWS's documented practice.
        pass_role(ctx, "*", TASKS)

    def _blue_green(self, action, ctx) -> Emitted:
        s = action.settings
        app, group = s["application"], s["deployment_group"]
        task_artifact, task_path = _split(action, s.get("task_definition", "taskdef.json"))
        spec_artifact, spec_path = _split(action, s.get("appspec", "appspec.yaml"))
        config: dict[str, Any] = {
            "ApplicationName": app, "DeploymentGroupName": group,
            "TaskDefinitionTemplateArtifact": task_artifact,
            "TaskDefinitionTemplatePath": task_path,
            "AppSpecTemplateArtifact": spec_artifact,
            "AppSpecTemplatePath": spec_path,
        }
        for i, (placeholder, artifact) in enumerate(s.get("images", {}).items(), start=1):
            config[f"Image{i}ArtifactName"] = artifact
            config[f"Image{i}ContainerName"] = placeholder
        grant_deployment(ctx, action, app, group)
        if acts(action):
            self._grant_task_definitions(ctx)
        return Emitted("Deploy", "AWS", "CodeDeployToECS", config)


PROVIDERS = [EcsDeploy()]
