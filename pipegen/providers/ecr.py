"""Amazon ECR sources: an image tag, started by an EventBridge rule on a successful push.

ECR source actions cannot poll; without the rule (`trigger: none`) only a manual start or
another source runs the pipeline. The output artifact holds imageDetail.json.
"""

from __future__ import annotations

from pipegen import cfn
from pipegen.providers import source_rules
from pipegen.providers.base import Emitted, SourceProvider


def repository_arn(source):
    return cfn.arn("ecr", "repository/{repo}", repo=source.settings["repository"])


class EcrSource(SourceProvider):
    provider = "ecr"
    schema = "sources/ecr.json"
    triggers = ("events", "none")
    default_name = "Image"

    def emit(self, source, ctx) -> Emitted:
        s = source.settings
        tag = s.get("tag", "latest")
        # The action reads the image's details (digest, URI) for the tag; nothing else.
        ctx.policy.allow("ecr:DescribeImages", repository_arn(source))
        if source.trigger == "events":
            pattern = {
                "source": ["aws.ecr"],
                "detail-type": ["ECR Image Action"],
                "detail": {"action-type": ["PUSH"], "result": ["SUCCESS"],
                           "repository-name": [s["repository"]],
                           # ImageTag without a value is AWS's default, latest.
                           "image-tag": [cfn.or_default(tag, "latest")]},
            }
            source_rules.start_rule(source, ctx, pattern,
                                    "Start the pipeline when the watched image tag is pushed")
        return Emitted("Source", "AWS", "ECR", {"RepositoryName": s["repository"],
                                               "ImageTag": tag})


PROVIDERS = [EcrSource()]
