"""AWS Lambda deploy actions (the Deploy-category Lambda action, v2 pipelines only).

Without `alias` the input is deployed to $LATEST and published as a new version; with it the
alias moves to the new version (or to an already published `version`). Traffic-shifting
strategies (canary, linear) belong to the deployment strategies, not to this module yet: the
action uses AWS's default, all at once.
"""

from __future__ import annotations

from typing import Any

from pipegen.providers.actionutil import lambda_arn
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts


class LambdaDeploy(ActionProvider):
    kinds = (("deploy", "lambda"),)
    schema = "actions/lambda_deploy.json"
    inputs = (0, 1)
    v2_only = True

    def check(self, action, ctx) -> None:
        s = action.settings
        if not action.inputs and "version" not in s:
            ctx.error("PG365", "a lambda deploy without an input needs the published "
                      "`version` to deploy", action.path + (("inputs",) if "inputs" in s
                                                            else ()),
                      "add `version: \"#{variables.VERSION}\"` (or a number), or give the "
                      "action an input", key="inputs" not in s)
        if "version" in s and "alias" not in s:
            ctx.error("PG365", "`version` points an alias at a published version, and this "
                      "action has no `alias`", action.path + ("version",),
                      "add `alias: NAME`, or remove `version`", key=True)

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        function = s["function"]
        config: dict[str, Any] = {"FunctionName": function}
        if "alias" in s:
            config["FunctionAlias"] = s["alias"]
        if "version" in s:
            config["PublishedTargetVersion"] = s["version"]
        if acts(action):
            # The action updates the code, publishes a version and moves the alias; versions
            # and aliases are qualified ARNs of the function (function:NAME:QUALIFIER).
            ctx.policy.allow(["lambda:GetFunction", "lambda:GetFunctionConfiguration",
                              "lambda:UpdateFunctionCode", "lambda:PublishVersion",
                              "lambda:GetAlias", "lambda:UpdateAlias"],
                             [lambda_arn(function, action),
                              lambda_arn(function, action, ":*")])
        return [Emitted("Deploy", "AWS", "Lambda", config)]


PROVIDERS = [LambdaDeploy()]
