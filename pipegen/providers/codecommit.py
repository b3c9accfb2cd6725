"""AWS CodeCommit sources, started by an EventBridge rule on the branch (default) or polling."""

from __future__ import annotations

from pipegen import cfn
from pipegen.providers import source_rules
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
            explicit = "trigger" in source.settings
            ctx.error("PG325", f"source '{source.name}' reads a repository in another account, "
                      "which this account's EventBridge rules cannot watch"
                      + ("" if explicit else " (`trigger` defaults to events)"),
                      source.path + ("trigger" if explicit else "role",),
                      "use `trigger: poll` or `trigger: none` (a rule would have to live in "
                      "the repository's account)", key=not explicit)

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
        source_rules.start_rule(source, ctx, pattern,
                                cfn.sub("Start the pipeline on pushes to {branch}",
                                        branch=s["branch"]))

    def consumer_permissions(self, source, ctx, policy) -> None:
        policy.allow("codecommit:GitPull", repository_arn(source))


PROVIDERS = [CodeCommitSource()]
