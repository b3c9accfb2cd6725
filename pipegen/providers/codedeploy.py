"""AWS CodeDeploy deployments (EC2/on-premises) to an existing application and group."""

from __future__ import annotations

from typing import Any

from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts, arn


def grant_deployment(ctx, action, app: Any, group: Any) -> None:
    """What the pipeline role needs to run a CodeDeploy deployment of app/group."""
    if not acts(action):
        return
    ctx.policy.allow(["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                     arn(action, "codedeploy", "deploymentgroup:{app}/{group}", app=app,
                         group=group))
    ctx.policy.allow(["codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                      "codedeploy:RegisterApplicationRevision"],
                     arn(action, "codedeploy", "application:{app}", app=app))
    # The group's deployment configuration is not named in the spec (it is the group's own).
    ctx.policy.allow("codedeploy:GetDeploymentConfig",
                     arn(action, "codedeploy", "deploymentconfig:*"))


class CodeDeployAction(ActionProvider):
    kinds = (("deploy", "codedeploy"),)
    schema = "actions/codedeploy.json"
    inputs = (1, 1)

    def emit(self, action, ctx) -> list[Emitted]:
        app, group = action.get("application"), action.get("deployment_group")
        grant_deployment(ctx, action, app, group)
        return [Emitted("Deploy", "AWS", "CodeDeploy",
                        {"ApplicationName": app, "DeploymentGroupName": group})]


PROVIDERS = [CodeDeployAction()]
