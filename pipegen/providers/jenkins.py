"""Jenkins build and test actions: the custom action type the CodePipeline Jenkins plugin uses.

The action type is registered outside this template (by the plugin's setup, the console or
an AWS::CodePipeline::CustomActionType in `resources`), so its provider string is whatever was
registered: `provider_name`. A Jenkins job worker polls CodePipeline for work with its own
credentials; the pipeline role needs no grant for it.
"""

from __future__ import annotations

from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted


class JenkinsAction(ActionProvider):
    kinds = (("build", "jenkins"), ("test", "jenkins"))
    schema = "actions/jenkins.json"
    inputs = (0, 5)
    outputs = (0, 5)

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        actionutil.home_region_only(action, ctx, "Jenkins (custom)")

    def emit(self, action, ctx) -> list[Emitted]:
        category = "Build" if action.type == "build" else "Test"
        return [Emitted(category, "Custom", action.get("provider_name"),
                        {"ProjectName": action.get("project")},
                        version=str(action.get("version", "1")))]


PROVIDERS = [JenkinsAction()]
