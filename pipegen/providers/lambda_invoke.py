"""Lambda invoke actions: call a function that reports back to CodePipeline.

The pipeline role may invoke exactly the named function (version or alias included when the
name carries one). AWS's sample service-role policy also lists lambda:ListFunctions; pipegen
leaves it out: CodePipeline invokes the function by the name in the action's configuration,
listing is only what the console's function picker does, and ListFunctions takes resource "*"
and returns every function's configuration (environment variables included).

The function itself must call codepipeline:PutJobSuccessResult / PutJobFailureResult; that
grant belongs to the function's own execution role, which this spec does not own.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn
from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted


def parameters_value(params: Any) -> Any:
    """UserParameters: a string as given, a mapping (or list) as compact JSON."""
    if isinstance(params, (dict, list)) and not cfn.is_intrinsic(params):
        return cfn.json_string(params)
    return params


class LambdaInvokeAction(ActionProvider):
    kinds = (("invoke", "lambda"),)
    schema = "actions/lambda_invoke.json"
    inputs = (0, 5)
    outputs = (0, 5)
    consumes_revision = False

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        value = parameters_value(action.get("user_parameters"))
        actionutil.check_length(ctx, value, action.path + ("user_parameters",),
                                "user_parameters")

    def emit(self, action, ctx) -> list[Emitted]:
        function = action.get("function")
        ctx.policy.allow("lambda:InvokeFunction", actionutil.lambda_arn(function, action))
        config = {"FunctionName": function}
        if "user_parameters" in action.settings:
            config["UserParameters"] = parameters_value(action.get("user_parameters"))
        return [Emitted("Invoke", "AWS", "Lambda", config)]


PROVIDERS = [LambdaInvokeAction()]
