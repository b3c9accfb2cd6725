"""Manual approval actions, optionally notifying an SNS topic."""

from __future__ import annotations

from pipegen.providers.base import ActionProvider, Emitted


class ManualApproval(ActionProvider):
    kinds = (("approval", "manual"),)
    schema = "actions/manual.json"
    consumes_revision = False

    def check(self, action, ctx) -> None:
        minutes = action.timeout_minutes
        if minutes is not None and not 5 <= minutes <= 86400:
            ctx.error("PG205", f"an approval waits 5m to 60d; {action.get('timeout')} is "
                      "outside that", action.path + ("timeout",))

    def emit(self, action, ctx) -> list[Emitted]:
        config = {}
        if "notify" in action.settings:
            config["NotificationArn"] = action.get("notify")
            ctx.policy.allow("sns:Publish", action.get("notify"))
        if "message" in action.settings:
            config["CustomData"] = action.get("message")
        if "url" in action.settings:
            config["ExternalEntityLink"] = action.get("url")
        return [Emitted("Approval", "AWS", "Manual", config)]


PROVIDERS = [ManualApproval()]
