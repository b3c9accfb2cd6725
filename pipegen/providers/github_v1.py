"""GitHub through the legacy OAuth action (ThirdParty/GitHub, "version 1").

AWS recommends CodeConnections (the `github` provider) instead; this stays for pipelines
that still use a token. The token must never be written into the spec: a Secrets Manager
dynamic reference or a no_echo parameter only. `trigger: webhook` (default) emits an
AWS::CodePipeline::Webhook authenticated with an HMAC secret; when `webhook_secret` is
omitted, a random one is generated in Secrets Manager and read through a dynamic reference.
"""

from __future__ import annotations

from troposphere import Ref, Sub, codepipeline, secretsmanager

from pipegen import cfn
from pipegen.naming import logical_id
from pipegen.providers import source_rules
from pipegen.providers.base import PIPELINE, Emitted, SourceProvider


def owner_and_repo(settings: dict) -> tuple:
    """(owner, repo) from `owner` + `repository`, or from `repository: owner/repo`."""
    repo = settings["repository"]
    if "owner" not in settings and isinstance(repo, str) and "/" in repo:
        owner, _, name = repo.partition("/")
        return owner, name
    return settings.get("owner"), repo


class GitHubV1Source(SourceProvider):
    provider = "github-v1"
    schema = "sources/github_v1.json"
    triggers = ("webhook", "poll", "none")
    default_name = "GitHub"
    vcs = True

    def check(self, source, ctx) -> None:
        s = source.settings
        repo = s["repository"]
        slash = isinstance(repo, str) and "/" in repo
        if slash and "owner" in s:
            ctx.error("PG326", f"source '{source.name}' names its owner twice: in `owner` and "
                      "in `repository`", source.path + ("owner",), "write `repository: "
                      "owner/repo` alone, or `owner:` with `repository: repo`", key=True)
        elif isinstance(repo, str) and slash and (repo.count("/") != 1 or repo.endswith("/")
                                                  or repo.startswith("/")):
            ctx.error("PG326", f"'{repo}' is not owner/repo", source.path + ("repository",),
                      "write `repository: owner/repo`")
        elif not slash and "owner" not in s:
            ctx.error("PG326", f"source '{source.name}' needs the repository's owner",
                      source.path + ("repository",), "write `repository: owner/repo`, or add "
                      "`owner:`")
        source_rules.check_secret(source, ctx, "oauth_token")
        source_rules.check_secret(source, ctx, "webhook_secret", generated=True)
        source_rules.unused_with_trigger(source, ctx, "webhook_secret", "webhook")
        source_rules.unused_with_trigger(source, ctx, "register_webhook", "webhook")

    def emit(self, source, ctx) -> Emitted:
        s = source.settings
        owner, repo = owner_and_repo(s)
        # The token is the whole credential: no pipeline-role statement is needed.
        config = {
            "Owner": owner,
            "Repo": repo,
            "Branch": s["branch"],
            "OAuthToken": s["oauth_token"],
            "PollForSourceChanges": "true" if source.trigger == "poll" else "false",
        }
        if source.trigger == "webhook":
            self._webhook(source, ctx)
        return Emitted("Source", "ThirdParty", "GitHub", config)

    def _webhook(self, source, ctx) -> None:
        s = source.settings
        secret = s.get("webhook_secret")
        if secret is None:
            secret_id = logical_id(source.name, "WebhookSecret")
            ctx.add(secretsmanager.Secret(
                secret_id,
                Description=Sub("HMAC secret of the GitHub webhook of ${AWS::StackName}, "
                                f"source {source.name}"),
                GenerateSecretString=secretsmanager.GenerateSecretString(
                    PasswordLength=40, ExcludePunctuation=True),
                **({"Tags": ctx.tags()} if ctx.tags() else {}),
            ), source.path)
            # Ref of a secret is its ARN; the dynamic reference resolves the value at deploy
            # time, so the secret never appears in the template.
            secret = Sub("{{resolve:secretsmanager:${" + secret_id + "}:SecretString}}")
        ctx.add(codepipeline.Webhook(
            logical_id(source.name, "Webhook"),
            Authentication="GITHUB_HMAC",
            AuthenticationConfiguration=codepipeline.WebhookAuthConfiguration(
                SecretToken=cfn.value(secret)),
            # {Branch} is resolved from the source action's configuration.
            Filters=[codepipeline.WebhookFilterRule(JsonPath="$.ref",
                                                    MatchEquals="refs/heads/{Branch}")],
            TargetPipeline=Ref(PIPELINE),
            TargetAction=source.name,
            # TargetPipelineVersion is optional (cfn-lint and the API do not need it), and a
            # fixed number would go stale as the pipeline changes: left out.
            RegisterWithThirdParty=s.get("register_webhook", True),
            **({"Tags": ctx.tags()} if ctx.tags() else {}),
        ), source.path)


PROVIDERS = [GitHubV1Source()]
