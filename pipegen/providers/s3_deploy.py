"""Amazon S3 deploy actions: upload the input artifact to a bucket, unzipped or as one object.

`extract` is the "zip or not" of SPEC.md section 2: true unzips the artifact (into the
folder `key` when given), false uploads the zip as the object `key`.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.deploy_common import acts


def _objects(bucket: Any, key: Any, extract: Any) -> list[Any]:
    """The object ARNs the upload writes: scoped to the key when it is a plain literal (both
    the object and the folder when `extract` is an intrinsic, known only at deploy time)."""
    if isinstance(key, str) and "{" not in key and key:
        folder = key.strip("/")
        patterns = ([folder, folder + "/*"] if cfn.is_intrinsic(extract)
                    else [folder + ("/*" if extract else "")])
    else:
        # No key, an intrinsic, or {datetime}/{uuid}/#{...} placeholders resolved at run time.
        patterns = ["*"]
    return [cfn.sub("arn:${AWS::Partition}:s3:::{bucket}/" + p, bucket=bucket)
            for p in patterns]


class S3Deploy(ActionProvider):
    kinds = (("deploy", "s3"),)
    schema = "actions/s3_deploy.json"
    inputs = (1, 1)

    def check(self, action, ctx) -> None:
        extract = action.get("extract")
        if "key" in action.settings:
            return
        if extract is False:
            ctx.error("PG364", "an S3 deploy with `extract: false` uploads the zip as one "
                      "object and needs its `key`", action.path + ("extract",),
                      "add `key: path/app.zip` (it may use {datetime}, {uuid} or #{ns.var})",
                      key=True)
        elif cfn.is_intrinsic(extract):
            ctx.error("PG364", "`extract` is an intrinsic, so it may be false, and an S3 "
                      "deploy with `extract: false` uploads the zip as one object and needs "
                      "its `key`", action.path + ("extract",),
                      "add `key:` (the object when false, the folder when true)", key=True)

    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        extract = s["extract"]
        config: dict[str, Any] = {"BucketName": s["bucket"],
                                  "Extract": cfn.value(extract) if cfn.is_intrinsic(extract)
                                  else "true" if extract else "false"}
        if "key" in s:
            config["ObjectKey"] = s["key"]
        if "kms_key" in s:
            config["KMSEncryptionKeyARN"] = s["kms_key"]
        if "acl" in s:
            config["CannedACL"] = s["acl"]
        if "cache_control" in s:
            config["CacheControl"] = s["cache_control"]
        if acts(action):
            actions = ["s3:PutObject"] + (["s3:PutObjectAcl"] if "acl" in s else [])
            ctx.policy.allow(actions, _objects(s["bucket"], s.get("key"), extract))
            if "kms_key" in s:
                # SSE-KMS uploads need a data key; multipart uploads also decrypt it.
                ctx.policy.allow(["kms:GenerateDataKey", "kms:Decrypt"],
                                 cfn.value(s["kms_key"]))
        return [Emitted("Deploy", "AWS", "S3", config)]


PROVIDERS = [S3Deploy()]
