"""Partner test actions (BlazeMeter, Ghost Inspector, StormRunner Load, Runscope): pass-through.

These are ThirdParty actions whose provider strings and configuration keys the partners
define; AWS's action reference does not document them, and some partners have retired their
integration. pipegen therefore validates nothing partner-specific: the provider string has a
default (override it with `provider_name`), `configuration` is passed through as given, and
the pipeline role gets no grant (partner job workers poll CodePipeline with their own
credentials, linked through the console).
"""

from __future__ import annotations

from pipegen.providers import actionutil
from pipegen.providers.base import ActionProvider, Emitted

# pipegen provider -> the ThirdParty provider string used unless `provider_name` says otherwise.
# Unverified guesses at what each partner registered: check the action type in the console.
DEFAULT_NAMES = {
    "blazemeter": "BlazeMeter",
    "ghost-inspector": "GhostInspector",
    "stormrunner": "StormRunnerLoad",
    "runscope": "Runscope",
}


class PartnerTestAction(ActionProvider):
    kinds = tuple(("test", name) for name in DEFAULT_NAMES)
    schema = "actions/partner_tests.json"
    inputs = (0, 5)
    outputs = (0, 5)
    # Partner tests usually target a deployed URL or API, not the source: no default input.
    consumes_revision = False

    def check(self, action, ctx) -> None:
        actionutil.no_action_timeout(action, ctx)
        actionutil.home_region_only(action, ctx, f"{action.provider} (third-party)")

    def emit(self, action, ctx) -> list[Emitted]:
        provider = action.get("provider_name", DEFAULT_NAMES[action.provider])
        return [Emitted("Test", "ThirdParty", provider, {},
                        version=str(action.get("version", "1")))]


PROVIDERS = [PartnerTestAction()]
