"""Amazon S3 sources: one object key in a versioned bucket.

`trigger: events` (default) emits an EventBridge rule, matching either the bucket's own
EventBridge notifications (`via: eventbridge`, default: the bucket must have them on) or
CloudTrail data events for the object (`via: cloudtrail`: a trail must log S3 writes).
Either way PollForSourceChanges is false, so a change never starts the pipeline twice.
"""

from __future__ import annotations

from pipegen import cfn
from pipegen.providers import source_rules
from pipegen.providers.base import Emitted, SourceProvider

# Object-level reads of the source object, bucket-level checks CodePipeline makes
# (versioning is required; location and ACL are read when the action starts).
OBJECT_READ = ["s3:GetObject", "s3:GetObjectVersion"]
BUCKET_READ = ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"]
CLOUDTRAIL_WRITES = ["PutObject", "CopyObject", "CompleteMultipartUpload"]


def _get(data, *keys):
    for k in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(k)
    return data


class S3Source(SourceProvider):
    provider = "s3"
    schema = "sources/s3.json"
    triggers = ("events", "poll", "none")
    default_name = "S3"

    def check(self, source, ctx) -> None:
        source_rules.unused_with_trigger(source, ctx, "via", "events")
        self._check_own_bucket(source, ctx)

    def _check_own_bucket(self, source, ctx) -> None:
        """A bucket declared in this spec's `resources` can be checked, and fixed by the user."""
        bucket = source.settings["bucket"]
        if not (isinstance(bucket, dict) and set(bucket) == {"Ref"}):
            return
        name = bucket["Ref"]
        resource = ctx.resources.get(name)
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::S3::Bucket":
            return
        props = resource.get("Properties") or {}
        path = source.path + ("bucket",)
        if _get(props, "VersioningConfiguration", "Status") != "Enabled":
            ctx.error("PG328", f"bucket '{name}' is not versioned, and an S3 source needs a "
                      "versioned bucket", path, f"add `VersioningConfiguration: {{Status: "
                      f"Enabled}}` to the properties of resource '{name}'")
        via = source.settings.get("via", "eventbridge")
        notifies = _get(props, "NotificationConfiguration", "EventBridgeConfiguration",
                        "EventBridgeEnabled")
        if source.trigger == "events" and via == "eventbridge" and notifies is not True:
            ctx.error("PG329", f"bucket '{name}' does not send EventBridge notifications, so "
                      "the rule would never start the pipeline", path,
                      "add `NotificationConfiguration: {EventBridgeConfiguration: "
                      f"{{EventBridgeEnabled: true}}}}` to resource '{name}', or use "
                      "`via: cloudtrail`")

    def emit(self, source, ctx) -> Emitted:
        s = source.settings
        bucket, key = s["bucket"], s["key"]
        ctx.policy.allow(OBJECT_READ, cfn.arn("s3", "{bucket}/{key}", region=False,
                                               account=False, bucket=bucket, key=key))
        ctx.policy.allow(BUCKET_READ, cfn.arn("s3", "{bucket}", region=False, account=False,
                                              bucket=bucket))
        if source.trigger == "events":
            source_rules.start_rule(source, ctx, self._pattern(source),
                                    "Start the pipeline when the source object changes")
        return Emitted("Source", "AWS", "S3", {
            "S3Bucket": bucket,
            "S3ObjectKey": key,
            "PollForSourceChanges": "true" if source.trigger == "poll" else "false",
        })

    def _pattern(self, source) -> dict:
        s = source.settings
        if s.get("via", "eventbridge") == "cloudtrail":
            return {
                "source": ["aws.s3"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": CLOUDTRAIL_WRITES,
                           "requestParameters": {"bucketName": [s["bucket"]],
                                                 "key": [s["key"]]}},
            }
        return {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [s["bucket"]]}, "object": {"key": [s["key"]]}},
        }


PROVIDERS = [S3Source()]
