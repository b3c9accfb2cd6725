"""AWS CodeDeploy deployments (EC2/on-premises) to an existing application and group."""

from __future__ import annotations

from pipegen import cfn
from pipegen.providers.base import ActionProvider, Emitted


class CodeDeployAction(ActionProvider):
    kinds = (("deploy", "codedeploy"),)
    schema = "actions/codedeploy.json"
    inputs = (1, 1)

    def emit(self, action, ctx) -> list[Emitted]:
        app, group = action.get("application"), action.get("deployment_group")
        ctx.policy.allow(["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
                         cfn.arn("codedeploy", "deploymentgroup:{app}/{group}", app=app,
                                 group=group))
        ctx.policy.allow(["codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                          "codedeploy:RegisterApplicationRevision"],
                         cfn.arn("codedeploy", "application:{app}", app=app))
        ctx.policy.allow("codedeploy:GetDeploymentConfig",
                         cfn.arn("codedeploy", "deploymentconfig:*"))
        return [Emitted("Deploy", "AWS", "CodeDeploy",
                        {"ApplicationName": app, "DeploymentGroupName": group})]


PROVIDERS = [CodeDeployAction()]
