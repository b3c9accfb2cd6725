"""AWS CodeCommit sources, started by an EventBridge rule on the branch (default) or polling."""

from __future__ import annotations

from troposphere import events

from pipegen import cfn
from pipegen.naming import logical_id
from pipegen.providers.base import Emitted, SourceProvider

PULL = ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive",
        "codecommit:GetUploadArchiveStatus", "codecommit:CancelUploadArchive"]


def repository_arn(source):
    return cfn.arn("codecommit", "{repo}", repo=source.settings["repository"])


class CodeCommitSource(SourceProvider):
    provider = "codecommit"
    schema = "sources/codecommit.json"
    triggers = ("events", "poll", "none")
    default_name = "CodeCommit"
    vcs = True
    clone_ref = True

    def check(self, source, ctx) -> None:
        if "role" in source.settings and source.trigger == "events":
            ctx.error("PG312", "a cross-account CodeCommit source cannot be watched by this "
                      "account's EventBridge rules", source.path + (
                          ("trigger",) if "trigger" in source.settings else ("role",)),
                      "use `trigger: poll` or `trigger: none` (a rule would have to live in "
                      "the repository's account)")

    def emit(self, source, ctx) -> Emitted:
        s = source.settings
        if "role" not in s:
            # A cross-account source action runs as its role, which holds these grants.
            actions = PULL + (["codecommit:GetRepository"] if source.format == "clone-ref"
                              else [])
            ctx.policy.allow(actions, repository_arn(source))
        else:
            ctx.policy.allow("sts:AssumeRole", s["role"])
        config = {
            "RepositoryName": s["repository"],
            "BranchName": s["branch"],
            "PollForSourceChanges": "true" if source.trigger == "poll" else "false",
        }
        if source.format == "clone-ref":
            config["OutputArtifactFormat"] = "CODEBUILD_CLONE_REF"
        if source.trigger == "events":
            self._rule(source, ctx)
        return Emitted("Source", "AWS", "CodeCommit", config)

    def _rule(self, source, ctx) -> None:
        s = source.settings
        pattern = {
            "source": ["aws.codecommit"],
            "detail-type": ["CodeCommit Repository State Change"],
            "resources": [repository_arn(source)],
            "detail": {"event": ["referenceCreated", "referenceUpdated"],
                       "referenceType": ["branch"], "referenceName": [s["branch"]]},
        }
        ctx.add(events.Rule(
            logical_id(source.name, "SourceRule"),
            Description=f"Start the pipeline on pushes to {s['branch']}",
            EventPattern=cfn.value(pattern),
            Targets=[events.Target(Id="Pipeline", Arn=ctx.pipeline_arn,
                                   RoleArn=ctx.events_role())],
        ), source.path)

    def consumer_permissions(self, source, ctx, policy) -> None:
        policy.allow("codecommit:GitPull", repository_arn(source))


PROVIDERS = [CodeCommitSource()]
