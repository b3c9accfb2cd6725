"""Source actions back into `sources:` entries, keyed by (Owner, Provider) like the emitters.

Each reader takes the action's Configuration and returns the source's typed keys; keys it does
not consume are returned too, for the caller to keep raw (a source has no `configuration:`, so
they become overrides). Triggers come from the template: an EventBridge rule that starts this
pipeline (codecommit, ecr, s3), a webhook (github-v1), DetectChanges (connections).
"""

from __future__ import annotations

import json
from typing import Any

from pipegen.importer.context import ImportContext, tolerant
from pipegen.importer.template import props_of, ref_target, refs
from pipegen.naming import logical_id

CONNECTION_PROVIDERS = {"GitHub": "github", "GitHubEnterpriseServer": "github-enterprise",
                        "Bitbucket": "bitbucket", "GitLab": "gitlab",
                        "GitLabSelfManaged": "gitlab"}
DEFAULT_NAMES = {"github": "GitHub", "github-enterprise": "GitHubEnterprise",
                 "bitbucket": "Bitbucket", "gitlab": "GitLab", "codecommit": "CodeCommit",
                 "ecr": "Image", "s3": "S3", "github-v1": "GitHub"}


def _flag(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


@tolerant([])
def _start_rules(ctx: ImportContext, event_source: str) -> list[str]:
    """EventBridge rules whose only target starts this pipeline, for one event source."""
    found = []
    for rid, body in ctx.resources.items():
        if not isinstance(body, dict) or body.get("Type") != "AWS::Events::Rule":
            continue
        props = props_of(body)
        targets = props.get("Targets") or []
        pattern = props.get("EventPattern")
        if len(targets) != 1 or not isinstance(pattern, dict) or "Condition" in body:
            continue
        if ctx.pipeline_id not in refs(targets[0].get("Arn")):
            continue
        if event_source in json.dumps(pattern.get("source")):
            found.append(rid)
    return found


class SourceReader:
    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.claimed_rules: set[str] = set()

    def read(self, action: dict, path: tuple) -> tuple[dict, dict] | None:
        """(typed keys, unconsumed Configuration) or None when no reader knows the provider."""
        type_id = action.get("ActionTypeId") or {}
        reader = {("AWS", "CodeCommit"): self.codecommit, ("AWS", "S3"): self.s3,
                  ("AWS", "ECR"): self.ecr,
                  ("AWS", "CodeStarSourceConnection"): self.connection,
                  ("ThirdParty", "GitHub"): self.github_v1}.get(
            (type_id.get("Owner"), type_id.get("Provider")))
        if reader is None or str(type_id.get("Version", "1")) != "1":
            return None
        config = dict(action.get("Configuration") or {})
        return reader(action, config, path)

    # --- one reader per provider
    def codecommit(self, action, config, path):
        spec: dict[str, Any] = {"provider": "codecommit",
                                "repository": config.pop("RepositoryName", None),
                                "branch": config.pop("BranchName", None)}
        if spec["branch"] is None:
            del spec["branch"]
        self._format(spec, config)
        poll = _flag(config.pop("PollForSourceChanges", "true"))
        if "RoleArn" in action:
            spec["role"] = action["RoleArn"]
        if poll:
            spec["trigger"] = "poll"
        else:
            rule = self._rule(action, "aws.codecommit", [spec["repository"], spec.get("branch")])
            if rule is None:
                spec["trigger"] = "none"
        return spec, config

    def ecr(self, action, config, path):
        spec: dict[str, Any] = {"provider": "ecr", "repository": config.pop("RepositoryName",
                                                                             None)}
        tag = config.pop("ImageTag", "latest")
        if tag != "latest":
            spec["tag"] = tag
        if self._rule(action, "aws.ecr", [spec["repository"], tag]) is None:
            spec["trigger"] = "none"
        return spec, config

    def s3(self, action, config, path):
        spec: dict[str, Any] = {"provider": "s3", "bucket": config.pop("S3Bucket", None),
                                "key": config.pop("S3ObjectKey", None)}
        poll = _flag(config.pop("PollForSourceChanges", "true"))
        if poll:
            spec["trigger"] = "poll"
        else:
            rule = self._rule(action, "aws.s3", [spec["key"]])
            if rule is None:
                spec["trigger"] = "none"
            else:
                pattern = self.ctx.resources[rule]["Properties"]["EventPattern"]
                if "CloudTrail" in json.dumps(pattern.get("detail-type")):
                    spec["via"] = "cloudtrail"
        return spec, config

    def connection(self, action, config, path):
        arn = config.pop("ConnectionArn", None)
        provider = "github"
        target = ref_target(arn)
        body = self.ctx.resource(target)
        if body and body.get("Type") in ("AWS::CodeStarConnections::Connection",
                                         "AWS::CodeConnections::Connection"):
            kind = props_of(body).get("ProviderType")
            provider = CONNECTION_PROVIDERS.get(kind, "github") if isinstance(kind, str) \
                else "github"
            if kind is None and props_of(body).get("HostArn"):
                provider = "github-enterprise"
        spec: dict[str, Any] = {"provider": provider,
                                "repository": config.pop("FullRepositoryId", None),
                                "branch": config.pop("BranchName", None), "connection": arn}
        if spec["branch"] is None:
            del spec["branch"]
        self._format(spec, config)
        if _flag(config.pop("DetectChanges", "true")) is False:
            spec["trigger"] = "none"
        return spec, config

    def github_v1(self, action, config, path):
        spec: dict[str, Any] = {"provider": "github-v1", "owner": config.pop("Owner", None),
                                "repository": config.pop("Repo", None),
                                "branch": config.pop("Branch", None),
                                "oauth_token": config.pop("OAuthToken", None)}
        for key in ("owner", "branch"):
            if spec[key] is None:
                del spec[key]
        self._secret(spec, "oauth_token", path + ("Configuration", "OAuthToken"))
        poll = _flag(config.pop("PollForSourceChanges", "true"))
        hook = self._webhook(action)
        if poll and hook is None:
            spec["trigger"] = "poll"
        elif hook is None:
            spec["trigger"] = "none"
        else:
            if poll:
                # Both: the webhook starts it, and polling would too. pipegen does one or the
                # other: the webhook, and PollForSourceChanges false.
                self.ctx.note("changed", action.get("Name", "?"), "the original both polls "
                              "and has a webhook, which starts it twice per push; the spec "
                              "keeps the webhook only (PollForSourceChanges false)")
            self._webhook_keys(spec, hook, action)
        return spec, config

    # --- helpers
    def _format(self, spec: dict, config: dict) -> None:
        fmt = config.get("OutputArtifactFormat")
        if fmt == "CODEBUILD_CLONE_REF":
            spec["format"] = "clone-ref"
            del config["OutputArtifactFormat"]
        elif fmt == "CODE_ZIP":
            del config["OutputArtifactFormat"]  # the default
            repository = spec.get("repository")
            self.ctx.note("changed", repository if isinstance(repository, str) else
                          spec.get("name") or "source",
                          "OutputArtifactFormat CODE_ZIP is the default and left out")

    def _rule(self, action: dict, event_source: str, needles: list) -> str | None:
        """The EventBridge rule that starts this pipeline for this source, claimed for
        replacement by pipegen's rule (and its role by pipegen's events role)."""
        name = action.get("Name", "Source")
        candidates = [r for r in _start_rules(self.ctx, event_source)
                      if r not in self.claimed_rules]
        if len(candidates) > 1:
            matching = [r for r in candidates if all(
                json.dumps(n)[1:-1] in json.dumps(self.ctx.resources[r]["Properties"])
                for n in needles if isinstance(n, str))]
            candidates = matching or candidates[:1]
        if not candidates:
            return None
        rule = candidates[0]
        self.claimed_rules.add(rule)
        new = logical_id(name, "SourceRule")
        self.ctx.replace(rule, new, f"EventBridge rule -> pipegen's {new}, which matches "
                         "this source's own changes only and starts the pipeline through "
                         "PipelineEventsRole (codepipeline:StartPipelineExecution on this "
                         "pipeline, nothing else)")
        role = ref_target((self.ctx.resources[rule]["Properties"]["Targets"][0]).get("RoleArn"))
        if role and self.ctx.type_of(role) == "AWS::IAM::Role" and role not in self.ctx.removed:
            others = [u for u in self.ctx.users(role) if u not in self.ctx.removed
                      and self.ctx.type_of(u) not in ("AWS::IAM::Policy",
                                                      "AWS::IAM::ManagedPolicy")]
            if not others:
                self.ctx.replace(role, "PipelineEventsRole", "events role -> pipegen's "
                                 "PipelineEventsRole (may start this pipeline only)")
        return rule

    @tolerant(None)
    def _webhook(self, action: dict) -> str | None:
        for wid, body in self.ctx.resources.items():
            if not isinstance(body, dict) or body.get("Type") != "AWS::CodePipeline::Webhook":
                continue
            props = props_of(body)
            if ref_target(props.get("TargetPipeline")) == self.ctx.pipeline_id and \
                    props.get("TargetAction") == action.get("Name") and wid not in \
                    self.ctx.removed:
                return wid
        return None

    def _webhook_keys(self, spec: dict, hook: str, action: dict) -> None:
        name = action.get("Name", "GitHub")
        props = props_of(self.ctx.resources[hook])
        auth = props.get("Authentication")
        secret = (props.get("AuthenticationConfiguration") or {}).get("SecretToken")
        differs = []
        if auth == "GITHUB_HMAC" and secret is not None:
            target = None
            text = secret.get("Fn::Sub") if isinstance(secret, dict) else None
            if isinstance(text, str) and text.startswith("{{resolve:secretsmanager:${"):
                target = text[len("{{resolve:secretsmanager:${"):].split("}", 1)[0]
            body = self.ctx.resource(target)
            if body and body.get("Type") == "AWS::SecretsManager::Secret" and \
                    "GenerateSecretString" in props_of(body) and \
                    set(self.ctx.users(target)) <= {hook}:
                new = logical_id(name, "WebhookSecret")
                self.ctx.replace(target, new, f"generated webhook secret -> pipegen's {new}")
            else:
                spec["webhook_secret"] = secret
                self._secret(spec, "webhook_secret", None)
        else:
            differs.append(f"it authenticates with {auth}; pipegen's uses GITHUB_HMAC with a "
                           "generated secret")
        register = _flag(props.get("RegisterWithThirdParty", False))
        if register is not True:
            spec["register_webhook"] = False
        filters = props.get("Filters")
        if filters != [{"JsonPath": "$.ref", "MatchEquals": "refs/heads/{Branch}"}]:
            differs.append("its filters differ; pipegen's matches pushes to the branch "
                           "($.ref == refs/heads/{Branch})")
        new = logical_id(name, "Webhook")
        self.ctx.replace(hook, new, f"webhook -> pipegen's {new}" + (
            ": " + "; ".join(differs) if differs else ""))

    def _secret(self, spec: dict, key: str, path: tuple | None) -> None:
        """A secret slot fed by a parameter without NoEcho: the spec adds `no_echo: true`."""
        value = spec.get(key)
        target = value.get("Ref") if isinstance(value, dict) and set(value) == {"Ref"} else None
        params = self.ctx.template.data.get("Parameters") or {}
        if isinstance(target, str) and target in params:
            no_echo = _flag((params[target] or {}).get("NoEcho"))
            if not no_echo:
                self.ctx.no_echo.add(target)
