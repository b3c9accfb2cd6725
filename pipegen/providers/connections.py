"""Sources through AWS CodeConnections: GitHub, GitHub Enterprise Server, Bitbucket, GitLab.

All four are the same CodePipeline action (AWS/CodeStarSourceConnection); the connection's
own type decides which host it talks to.
"""

from __future__ import annotations

from pipegen.providers.base import Emitted, SourceProvider

# Connections were renamed from CodeStar Connections to CodeConnections in 2024: new
# connections carry codeconnections ARNs, older ones codestar-connections. Grant both.
USE_CONNECTION = ["codestar-connections:UseConnection", "codeconnections:UseConnection"]


class ConnectionSource(SourceProvider):
    schema = "sources/connection.json"
    triggers = ("push", "none")
    vcs = True
    clone_ref = True
    connection = True

    def __init__(self, provider: str, default_name: str):
        self.provider = provider
        self.default_name = default_name

    def emit(self, source, ctx) -> Emitted:
        s = source.settings
        ctx.policy.allow(USE_CONNECTION, s["connection"])
        config = {
            "ConnectionArn": s["connection"],
            "FullRepositoryId": s["repository"],
            "BranchName": s["branch"],
            "DetectChanges": "true" if source.trigger == "push" else "false",
        }
        if source.format == "clone-ref":
            config["OutputArtifactFormat"] = "CODEBUILD_CLONE_REF"
        return Emitted("Source", "AWS", "CodeStarSourceConnection", config)

    def consumer_permissions(self, source, ctx, policy) -> None:
        policy.allow(USE_CONNECTION, source.settings["connection"])


PROVIDERS = [
    ConnectionSource("github", "GitHub"),
    ConnectionSource("github-enterprise", "GitHubEnterprise"),
    ConnectionSource("bitbucket", "Bitbucket"),
    ConnectionSource("gitlab", "GitLab"),
]
