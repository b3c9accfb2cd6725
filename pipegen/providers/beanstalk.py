"""AWS Elastic Beanstalk deploys to an existing application environment.

A Beanstalk deploy touches EC2, Auto Scaling, load balancers, CloudFormation and S3 on the
environment's behalf; AWS advises its managed policy for it, which cannot be scoped further,
so the generated pipeline role gets AdministratorAccess-AWSElasticBeanstalk (SPEC.md
section 1). A bring-your-own pipeline role is the user's to grant.
"""

from __future__ import annotations

from troposphere import Sub

from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts

MANAGED_POLICY = "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk"


class BeanstalkDeploy(ActionProvider):
    kinds = (("deploy", "beanstalk"),)
    schema = "actions/beanstalk.json"
    inputs = (1, 1)

    def emit(self, action, ctx) -> list[Emitted]:
        if acts(action):
            ctx.managed_policies.append(Sub(MANAGED_POLICY))
        return [Emitted("Deploy", "AWS", "ElasticBeanstalk", {
            "ApplicationName": action.get("application"),
            "EnvironmentName": action.get("environment")})]


PROVIDERS = [BeanstalkDeploy()]
