"""Manual approval actions, optionally notifying an SNS topic (existing, or one pipegen creates).

`notify: {emails: [...]}` creates an encrypted topic with one email subscription per address
(each person confirms it once). The topic uses the artifact store's generated key when there
is one, else the AWS managed key for SNS; the pipeline role may publish to it and nothing more.
"""

from __future__ import annotations

import re

from troposphere import GetAtt, Ref, sns

from pipegen import cfn
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted

SNS_MANAGED_KEY = "alias/aws/sns"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ManualApproval(ActionProvider):
    kinds = (("approval", "manual"),)
    schema = "actions/manual.json"
    consumes_revision = False

    def check(self, action, ctx) -> None:
        minutes = action.timeout_minutes
        if isinstance(minutes, int) and not 5 <= minutes <= 86400:
            ctx.error("PG205", f"an approval waits 5m to 60d; {action.get('timeout')} is "
                      "outside that", action.path + ("timeout",))
        notify = action.get("notify")
        if isinstance(notify, dict) and "emails" in notify:
            for i, email in enumerate(notify["emails"]):
                if isinstance(email, str) and not EMAIL.match(email):
                    ctx.error("PG205", f"{email!r} is not an email address",
                              action.path + ("notify", "emails", i))

    def emit(self, action, ctx) -> list[Emitted]:
        config = {}
        notify = action.get("notify")
        if isinstance(notify, dict) and not cfn.is_intrinsic(notify):
            topic = self._topic(action, notify, ctx)
            config["NotificationArn"] = topic
            ctx.policy.allow("sns:Publish", topic)
        elif notify is not None:
            config["NotificationArn"] = notify
            ctx.policy.allow("sns:Publish", notify)
        if "message" in action.settings:
            config["CustomData"] = action.get("message")
        if "url" in action.settings:
            config["ExternalEntityLink"] = action.get("url")
        return [Emitted("Approval", "AWS", "Manual", config)]

    def _topic(self, action, notify: dict, ctx) -> Ref:
        title = logical_id(action.stage, action.name, "Topic")
        path = action.path + ("notify",)
        # Only a key this template owns is certain to let SNS and the pipeline role use it.
        key = GetAtt("ArtifactKey", "Arn") if ctx.pipeline.artifacts.encryption == "generated" \
            else SNS_MANAGED_KEY
        kwargs = dict(KmsMasterKeyId=key,
                      DisplayName=f"{action.stage} {action.name} approval"[:100])
        tags = ctx.tags()
        if tags:
            kwargs["Tags"] = tags
        ctx.add(sns.Topic(title, **kwargs), path)
        for i, email in enumerate(notify["emails"]):
            ctx.add(sns.SubscriptionResource(f"{title}Email{i + 1}", Protocol="email",
                                             Endpoint=cfn.value(email), TopicArn=Ref(title)),
                    path + ("emails", i))
        return Ref(title)


PROVIDERS = [ManualApproval()]
