"""Step Functions invoke actions: start a state machine execution and wait for it.

The input is a literal (`input`: a string, or a mapping sent as JSON) or a file in the input
artifact (`input_file`). The pipeline role may start executions of this state machine,
describe it, and describe its executions.
"""

from __future__ import annotations

from typing import Any

from troposphere import Join, Select, Split

from pipegen import cfn
from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.lambda_invoke import parameters_value


def state_machine_arn(action, machine: Any) -> Any:
    """The state machine's ARN from an ARN, a name, or an intrinsic yielding the ARN."""
    if cfn.is_intrinsic(machine) or actionutil.is_arn(machine, "states"):
        return machine
    return actionutil.regional_arn(action, "states", "stateMachine:{name}", name=machine)


def executions_arn(action, machine: Any) -> Any:
    """arn:...:execution:<state machine name>:* in the state machine's region and account."""
    if actionutil.is_arn(machine, "states"):
        return machine.replace(":stateMachine:", ":execution:", 1) + ":*"
    if cfn.is_intrinsic(machine):
        parts = Split(":", cfn.value(machine))
        return Join(":", ["arn", Select(1, parts), "states", Select(3, parts), Select(4, parts),
                          "execution", Select(6, parts), "*"])
    return actionutil.regional_arn(action, "states", "execution:{name}:*", name=machine)


class StepFunctionsAction(ActionProvider):
    kinds = (("invoke", "step-functions"),)
    schema = "actions/step_functions.json"
    inputs = (0, 1)
    outputs = (0, 1)
    consumes_revision = False

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        if "input" in action.settings and "input_file" in action.settings:
            ctx.error("PG344", "`input` and `input_file` cannot be used together",
                      action.path + ("input_file",), "keep `input` for a literal input, or "
                      "`input_file` to read the input from the input artifact", key=True)
        elif "input_file" in action.settings and not action.inputs:
            ctx.error("PG350", f"input_file is read from the action's input artifact, and "
                      f"'{action.name}' has no inputs", action.path + ("input_file",),
                      "add `inputs: [ARTIFACT]`, the artifact that holds the file", key=True)
        if "input" in action.settings:
            actionutil.check_length(ctx, parameters_value(action.get("input")),
                                    action.path + ("input",), "input")

    def emit(self, action, ctx) -> list[Emitted]:
        machine = action.get("state_machine")
        arn = state_machine_arn(action, machine)
        ctx.policy.allow(["states:DescribeStateMachine", "states:StartExecution"], arn)
        ctx.policy.allow("states:DescribeExecution", executions_arn(action, machine))
        config: dict[str, Any] = {"StateMachineArn": arn}
        if "input_file" in action.settings:
            config["InputType"] = "FilePath"
            config["Input"] = action.get("input_file")
        elif "input" in action.settings:
            config["InputType"] = "Literal"
            config["Input"] = parameters_value(action.get("input"))
        if "execution_name_prefix" in action.settings:
            config["ExecutionNamePrefix"] = action.get("execution_name_prefix")
        return [Emitted("Invoke", "AWS", "StepFunctions", config)]


PROVIDERS = [StepFunctionsAction()]
