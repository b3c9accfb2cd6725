"""Sources through AWS CodeConnections: GitHub, GitHub Enterprise Server, Bitbucket, GitLab.

All four are the same CodePipeline action (AWS/CodeStarSourceConnection); the connection's
own type decides which host it talks to. `connection: generated` creates one
AWS::CodeConnections::Connection per provider in the spec; it starts PENDING and a person
must approve it once in the console. `filters` become a v2 trigger (see git_triggers).
"""

from __future__ import annotations

import json

from troposphere import GetAtt, Join, Ref, Select, Split, codeconnections

from pipegen import cfn
from pipegen.providers import git_triggers
from pipegen.providers.base import Emitted, SourceProvider

# Connections were renamed from CodeStar Connections to CodeConnections in 2024: new
# connections carry codeconnections ARNs, older ones codestar-connections, and CodePipeline
# may authorize either action. Grant both, on this connection only.
USE_CONNECTION = ["codestar-connections:UseConnection", "codeconnections:UseConnection"]

# CodeConnections ProviderType per pipegen provider (gitlab with a host is self-managed).
PROVIDER_TYPES = {"github": "GitHub", "github-enterprise": "GitHubEnterpriseServer",
                  "bitbucket": "Bitbucket", "gitlab": "GitLab"}
HOSTED = ("github-enterprise", "gitlab")  # providers whose generated connection may need a host

CONNECTION_NAME_MAX = 32  # AWS::CodeConnections::Connection ConnectionName


class ConnectionSource(SourceProvider):
    schema = "sources/connection.json"
    triggers = ("push", "pull-request", "none")
    vcs = True
    clone_ref = True

    def __init__(self, provider: str, default_name: str):
        self.provider = provider
        self.default_name = default_name
        self.not_applicable = () if provider in HOSTED else ("host",)  # PG324

    @property
    def connection_id(self) -> str:
        """Logical id of this provider's generated connection."""
        return self.default_name + "Connection"

    def check(self, source, ctx) -> None:
        s = source.settings
        generated = s.get("connection") == "generated"
        if "host" in s:
            if self.provider not in HOSTED:
                ctx.error("PG324", f"`host` does not apply to {self.provider} sources",
                          source.path + ("host",), "remove `host`; it names a GitHub Enterprise "
                          "Server or self-managed GitLab installation", key=True)
            elif not generated:
                ctx.error("PG324", "`host` is read only with `connection: generated`",
                          source.path + ("host",), "remove `host`: the connection named by "
                          "`connection` already knows its host", key=True)
        elif generated and self.provider == "github-enterprise":
            ctx.error("PG323", f"source '{source.name}' generates a GitHub Enterprise Server "
                      "connection, which needs the installation's host", source.path
                      + ("connection",), "add `host:` with the CodeConnections host ARN "
                      "(arn:aws:codeconnections:REGION:ACCOUNT:host/NAME-ID)")
        git_triggers.check(source, ctx)

    def connection_arn(self, source, ctx):
        s = source.settings
        if s["connection"] != "generated":
            return s["connection"]
        if self.connection_id not in ctx.origins:
            ctx.add(self._connection(source, ctx), source.path + ("connection",))
        return GetAtt(self.connection_id, "ConnectionArn")

    def _connection(self, source, ctx) -> codeconnections.Connection:
        # Connection names are unique per account and at most 32 characters: the spec name
        # (shortened) and the provider, plus 8 characters of the stack's id so two stacks
        # from one spec do not clash.
        label = {"github-enterprise": "ghes"}.get(self.provider, self.provider)
        prefix = f"{ctx.pipeline.name[:CONNECTION_NAME_MAX - 10 - len(label)]}-{label}"
        stack_id = Select(0, Split("-", Select(2, Split("/", Ref("AWS::StackId")))))
        kwargs = {"ConnectionName": Join("-", [prefix, stack_id])}
        if "host" in source.settings:
            kwargs["HostArn"] = cfn.value(source.settings["host"])
        else:
            kwargs["ProviderType"] = PROVIDER_TYPES[self.provider]
        tags = ctx.tags()
        if tags:
            kwargs["Tags"] = tags
        return codeconnections.Connection(self.connection_id, **kwargs)

    def emit(self, source, ctx) -> Emitted:
        s = source.settings
        arn = self.connection_arn(source, ctx)
        ctx.policy.allow(USE_CONNECTION, arn)
        config = {
            "ConnectionArn": arn,
            "FullRepositoryId": s["repository"],
            "BranchName": s["branch"],
            "DetectChanges": "false" if source.trigger == "none" else "true",
        }
        if source.format == "clone-ref":
            config["OutputArtifactFormat"] = "CODEBUILD_CLONE_REF"
        if "filters" in s or source.trigger == "pull-request":
            ctx.triggers.append(git_triggers.trigger(source))
        return Emitted("Source", "AWS", "CodeStarSourceConnection", config)

    def consumer_permissions(self, source, ctx, policy) -> None:
        policy.allow(USE_CONNECTION, self.connection_arn(source, ctx))



def _same_host(pipeline, ctx) -> None:
    """Sources sharing a provider's generated connection name the same host (PG324)."""
    generated = [s for s in pipeline.sources if s.provider in HOSTED
                 and s.settings.get("connection") == "generated"]
    for k, source in enumerate(generated):
        mine = json.dumps(source.settings.get("host"), sort_keys=True)
        other = next((o for o in generated[:k] if o.provider == source.provider and
                      json.dumps(o.settings.get("host"), sort_keys=True) != mine), None)
        if other is not None:
            ctx.error("PG324", f"sources '{other.name}' and '{source.name}' share the generated "
                      f"{source.provider} connection but name different hosts",
                      source.path + ("connection",), "pipegen generates one connection per "
                      "provider: pass the other connection's ARN in `connection` instead",
                      related=(ctx.loaded.span(other.path),))


PIPELINE_CHECKS = [_same_host]

PROVIDERS = [
    ConnectionSource("github", "GitHub"),
    ConnectionSource("github-enterprise", "GitHubEnterprise"),
    ConnectionSource("bitbucket", "Bitbucket"),
    ConnectionSource("gitlab", "GitLab"),
]
