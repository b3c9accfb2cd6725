"""Hypothesis strategies for pipegen specs: arbitrary data, and semantically valid specs.

`valid_specs()` builds specs from the samples' building blocks, not from the bare schema: every
block is a small factory that adds one consistent piece (a source, an action, a top-level
option) to a Draft that tracks what the rest of the spec may refer to (artifacts produced so
far, declared parameters, the pipeline type). To cover a new provider or option, write one
factory and append it to SOURCE_BLOCKS, ACTION_BLOCKS or SPEC_BLOCKS; nothing else changes.

A factory gets `draw` (hypothesis's) and the Draft, and must keep the spec valid: inputs only
from `draft.available(...)`, parameters declared through `draft.param(...)` (only when used:
an unused parameter is a lint warning), v2-only features only when `draft.type == "v2"`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

ACCOUNT = "111111111111"
OTHER_ACCOUNT = "222222222222"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CONNECTION_ARN = (f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/"
                  "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:releases"
LEGACY_CONNECTION_ARN = (f"arn:aws:codestar-connections:us-east-1:{ACCOUNT}:connection/"
                         "6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
HOST_ARN = f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:host/ghes-acme-0a1b2c3d"
DEPLOY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/cfn-deployer"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ci/token"
HOME = "us-east-1"  # the region the literal ARNs above name
# Cross-region artifact stores: region -> a key of that region (KMS keys are regional).
OTHER_REGIONS = {r: f"arn:aws:kms:{r}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                 for r in ("us-west-2", "eu-west-1")}

# Short, valid words for names; indices keep generated names unique.
WORDS = ("app", "api", "web", "core", "batch", "infra", "orders", "billing")


@dataclass
class Draft:
    """A spec under construction and what its later parts may refer to."""

    type: str
    spec: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, dict] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)  # produced by earlier stages/sources
    clone_refs: set[str] = field(default_factory=set)  # readable by CodeBuild only
    cross_account_roles: list[str] = field(default_factory=list)  # need a shared CMK
    counter: int = 0

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def param(self, name: str, **props: Any) -> dict:
        """Declare a String parameter (once) and return `!Ref name` as the loader gives it."""
        self.parameters.setdefault(name, {"type": "String", **props})
        return {"Ref": name}

    def literal_or_ref(self, draw, literal: Any, name: str, **props: Any) -> Any:
        """The literal, or a !Ref to a parameter declared only when chosen."""
        return self.param(name, **props) if draw(st.booleans()) else literal

    def available(self, codebuild: bool) -> list[str]:
        return [a for a in self.artifacts if codebuild or a not in self.clone_refs]


Block = Callable[[Callable, Draft], Any]


# --- sources: each returns the source mapping; the Draft learns its output artifact

def github_source(draw, d: Draft) -> dict:
    name = d.unique("GitHub")
    source = {"name": name, "provider": "github",
              "repository": f"acme/{draw(st.sampled_from(WORDS))}", "branch": "main"}
    source["connection"] = d.literal_or_ref(draw, CONNECTION_ARN, "ConnectionArn",
                                            description="CodeConnections connection")
    return _source_common(draw, d, _connection_trigger(draw, d, source))


def codecommit_source(draw, d: Draft) -> dict:
    name = d.unique("Repo")
    source = {"name": name, "provider": "codecommit",
              "repository": draw(st.sampled_from(WORDS)), "branch": draw(st.sampled_from(
                  ["main", "release", "develop"]))}
    if draw(st.booleans()):  # cross-account: cannot be watched by this account's rules
        source["role"] = f"arn:aws:iam::{OTHER_ACCOUNT}:role/source-reader"
        d.cross_account_roles.append(source["role"])
        source["trigger"] = draw(st.sampled_from(["poll", "none"]))
    elif draw(st.booleans()):
        source["trigger"] = draw(st.sampled_from(["events", "poll", "none"]))
    return _source_common(draw, d, source)


def connection_source(draw, d: Draft) -> dict:
    """Bitbucket, GitLab or GitHub Enterprise Server through a CodeConnections connection."""
    provider = draw(st.sampled_from(["bitbucket", "gitlab", "github-enterprise"]))
    name = d.unique({"bitbucket": "Bitbucket", "gitlab": "GitLab",
                     "github-enterprise": "Ghes"}[provider])
    repository = f"acme/{draw(st.sampled_from(WORDS))}"
    if provider == "gitlab" and draw(st.booleans()):
        repository = f"acme/platform/{draw(st.sampled_from(WORDS))}"  # a GitLab subgroup
    source = {"name": name, "provider": provider, "repository": repository,
              "branch": draw(st.sampled_from(["main", "develop"]))}
    kind = draw(st.sampled_from(["arn", "legacy-arn", "ref", "generated"]))
    if kind == "ref":
        source["connection"] = d.param("RepoConnectionArn",
                                       description="CodeConnections connection")
    elif kind == "generated":
        # One connection per provider; GHES needs its host, the same for every source.
        source["connection"] = "generated"
        hosts = {json.dumps(s.get("host")) for s in d.spec["sources"]
                 if s["provider"] == provider and s.get("connection") == "generated"}
        if provider == "github-enterprise" or (provider == "gitlab" and (
                hosts == {json.dumps(HOST_ARN)} or not hosts and draw(st.booleans()))):
            source["host"] = HOST_ARN  # self-managed GitLab: the same host for every source
    else:
        source["connection"] = LEGACY_CONNECTION_ARN if kind == "legacy-arn" else CONNECTION_ARN
    return _source_common(draw, d, _connection_trigger(draw, d, source))


def _connection_trigger(draw, d: Draft, source: dict) -> dict:
    """`trigger`, and v2 `filters` (never with `trigger: none`, which they contradict)."""
    if draw(st.booleans()):
        source["trigger"] = draw(st.sampled_from(["push", "none"]))
    if d.type == "v2" and source.get("trigger") != "none" and draw(st.booleans()):
        filters: dict[str, Any] = {}
        if draw(st.booleans()):
            paths: dict[str, list] = {}
            if draw(st.booleans()):
                paths["include"] = draw(st.sampled_from([["src/**"], ["src/**", "package.json"]]))
            if not paths or draw(st.booleans()):
                paths["exclude"] = ["docs/**"]
            filters["file_paths"] = paths
        if draw(st.booleans()):
            filters["tags"] = draw(st.sampled_from([{"include": ["v*"]},
                                                    {"include": ["v*"], "exclude": ["*-rc*"]}]))
        if not filters or draw(st.booleans()):
            filters["pull_requests"] = draw(st.sampled_from([
                {}, {"events": ["open", "updated"]}, {"events": ["closed"]}]))
        source["filters"] = filters
    return source


def ecr_source(draw, d: Draft) -> dict:
    source = {"name": d.unique("Image"), "provider": "ecr",
              "repository": d.literal_or_ref(draw, f"acme/{draw(st.sampled_from(WORDS))}",
                                             "ImageRepository")}
    if draw(st.booleans()):
        source["tag"] = draw(st.sampled_from(["latest", "release", "v1.2.3"]))
    if draw(st.booleans()):
        source["trigger"] = draw(st.sampled_from(["events", "none"]))
    return _source_common(draw, d, source, clone_ref=False)


def s3_source(draw, d: Draft) -> dict:
    source = {"name": d.unique("Bundle"), "provider": "s3",
              "bucket": d.literal_or_ref(draw, "acme-release-bundles", "BundleBucket"),
              "key": draw(st.sampled_from(["orders/bundle.zip", "releases/app.zip"]))}
    trigger = draw(st.sampled_from([None, "events", "poll", "none"]))
    if trigger is not None:
        source["trigger"] = trigger
    if trigger in (None, "events") and draw(st.booleans()):  # `via` is read by events only
        source["via"] = draw(st.sampled_from(["eventbridge", "cloudtrail"]))
    return _source_common(draw, d, source, clone_ref=False)


def github_v1_source(draw, d: Draft) -> dict:
    """Legacy GitHub (OAuth): the token never in plain text; webhook (default) or poll."""
    repo = draw(st.sampled_from(WORDS))
    source: dict[str, Any] = {"name": d.unique("Legacy"), "provider": "github-v1"}
    if draw(st.booleans()):
        source["repository"] = f"acme/{repo}"
    else:
        source["owner"] = d.literal_or_ref(draw, "acme", "GitHubOwner")
        source["repository"] = repo
    source["branch"] = "main"
    if draw(st.booleans()):
        source["oauth_token"] = f"{{{{resolve:secretsmanager:github/{repo}:SecretString:token}}}}"
    else:
        source["oauth_token"] = d.param("GitHubToken", no_echo=True, description="GitHub token")
    trigger = draw(st.sampled_from([None, "webhook", "poll", "none"]))
    if trigger is not None:
        source["trigger"] = trigger
    if trigger in (None, "webhook"):  # read with the webhook only
        if draw(st.booleans()):
            source["webhook_secret"] = "{{resolve:secretsmanager:github/hook:SecretString:hmac}}"
        if draw(st.booleans()):
            source["register_webhook"] = draw(st.booleans())
    return _source_common(draw, d, source, clone_ref=False)


def _source_common(draw, d: Draft, source: dict, clone_ref: bool = True) -> dict:
    output = f"{source['name']}Source"
    if draw(st.booleans()):
        output = source["output"] = d.unique("Src")
    if clone_ref and draw(st.integers(0, 3)) == 0:  # codecommit and connections only
        source["format"] = "clone-ref"
        d.clone_refs.add(output)
    if draw(st.booleans()):
        source["namespace"] = d.unique("SourceVars")
    d.artifacts.append(output)
    return source


SOURCE_BLOCKS: list[Block] = [github_source, codecommit_source, connection_source, ecr_source,
                              s3_source, github_v1_source]


# --- actions: each returns (action mapping, its output artifacts)

def codebuild_existing(draw, d: Draft) -> tuple[dict, list[str]]:
    action = {"type": draw(st.sampled_from(["build", "test"])),
              "project": d.literal_or_ref(draw, f"{draw(st.sampled_from(WORDS))}-build",
                                          "BuildProject")}
    return _codebuild_common(draw, d, action)


def codebuild_inline(draw, d: Draft) -> tuple[dict, list[str]]:
    project: dict[str, Any] = {}
    if draw(st.booleans()):
        project["buildspec"] = draw(st.sampled_from([
            "buildspec.yml", {"version": 0.2, "phases": {"build": {"commands": ["make"]}}}]))
    if draw(st.booleans()):
        project["compute"] = d.literal_or_ref(
            draw, draw(st.sampled_from(["small", "medium", "large", "BUILD_GENERAL1_SMALL"])),
            "ComputeType", allowed_values=["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM"])
    if draw(st.booleans()):
        project["arch"] = draw(st.sampled_from(["x86-64", "arm64"]))
    if draw(st.booleans()):
        project["image"] = "aws/codebuild/standard:7.0"
    if draw(st.booleans()):
        project["environment"] = {"NODE_ENV": "production"}
    if draw(st.booleans()):
        project["timeout"] = draw(st.sampled_from(["30m", "1h", "90m"]))
    if draw(st.booleans()):
        project["privileged"] = draw(st.booleans())
    action = {"type": draw(st.sampled_from(["build", "test"])), "project": project}
    return _codebuild_common(draw, d, action)


def _codebuild_common(draw, d: Draft, action: dict) -> tuple[dict, list[str]]:
    choices = d.available(codebuild=True)
    if len(d.spec["sources"]) == 1 and draw(st.booleans()):
        pass  # the only source output is the default input
    else:
        inputs = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=min(3, len(choices)),
                               unique=True))
        action["inputs"] = inputs
        if len(inputs) > 1:
            action["primary_source"] = draw(st.sampled_from(inputs))
    outputs = [d.unique("Built") for _ in range(draw(st.integers(0, 2)))]
    if outputs:
        action["outputs"] = outputs
    if draw(st.booleans()):
        action["environment_variables"] = {"STAGE": "release"}
    return action, outputs


def manual_approval(draw, d: Draft) -> tuple[dict, list[str]]:
    action: dict[str, Any] = {"type": "approval"}
    if draw(st.booleans()):
        action["notify"] = d.literal_or_ref(draw, TOPIC_ARN, "ApprovalTopicArn")
    if draw(st.booleans()):
        action["message"] = "Release to production?"
    if draw(st.booleans()):
        action["url"] = "https://example.com/release-notes"
    if draw(st.booleans()):
        action["timeout"] = draw(st.sampled_from(["1h", "1d", "3d"]))
    return action, []


def codedeploy(draw, d: Draft) -> tuple[dict, list[str]] | None:
    choices = d.available(codebuild=False)
    if not choices:
        return None
    action = {"type": "deploy", "provider": "codedeploy",
              "application": d.literal_or_ref(draw, draw(st.sampled_from(WORDS)),
                                              "Application"),
              "deployment_group": draw(st.sampled_from(["prod-hosts", "web"])),
              "inputs": [draw(st.sampled_from(choices))]}
    return action, []


def _inputs(draw, d: Draft, lo: int, hi: int) -> list[str] | None:
    """lo..hi distinct zip artifacts produced so far (never a clone-ref), or None if too few."""
    choices = d.available(codebuild=False)
    if len(choices) < lo:
        return None
    if not choices:
        return []
    return draw(st.lists(st.sampled_from(choices), min_size=lo,
                         max_size=min(hi, len(choices)), unique=True))


def _outputs(draw, d: Draft, most: int) -> list[str]:
    return [d.unique("Out") for _ in range(draw(st.integers(0, most)))]


def commands_action(draw, d: Draft) -> tuple[dict, list[str]] | None:
    inputs = _inputs(draw, d, 1, 3)
    if d.type != "v2" or inputs is None:
        return None
    action: dict[str, Any] = {"type": "build", "provider": "commands", "commands": draw(
        st.sampled_from([["make test"], ["npm ci", "npm run build"]])), "inputs": inputs}
    outputs = _outputs(draw, d, 1)
    if outputs:  # an output artifact says which files it holds
        action["outputs"] = outputs
        action["files"] = draw(st.sampled_from([["dist/**/*"], ["public/**/*", "index.html"]]))
    if draw(st.booleans()):
        action["environment_variables"] = {"STAGE": "release"}
    if draw(st.booleans()):
        action["secrets"] = {"API_TOKEN": SECRET_ARN}
    if draw(st.booleans()):
        action["output_variables"] = ["VERSION"]
        action["namespace"] = d.unique("CommandVars")
    return action, outputs


def jenkins_action(draw, d: Draft) -> tuple[dict, list[str]]:
    kind = draw(st.sampled_from(["build", "test"]))
    action: dict[str, Any] = {
        "type": kind, "provider": "jenkins",
        "provider_name": "JenkinsBuild" if kind == "build" else "JenkinsTest",
        "project": d.literal_or_ref(draw, f"{draw(st.sampled_from(WORDS))}-job", "JenkinsJob"),
        "inputs": _inputs(draw, d, 0, 2)}
    if draw(st.booleans()):
        action["version"] = draw(st.sampled_from([1, 2, "3"]))
    outputs = _outputs(draw, d, 2)
    if outputs:
        action["outputs"] = outputs
    return action, outputs


def lambda_invoke(draw, d: Draft) -> tuple[dict, list[str]]:
    function = draw(st.sampled_from(["ref", "content-uploader", "content-uploader:live",
                                     f"arn:aws:lambda:{HOME}:{ACCOUNT}:function:notifier"]))
    action: dict[str, Any] = {
        "type": "invoke", "provider": "lambda",
        "function": d.param("FunctionName") if function == "ref" else function}
    inputs = _inputs(draw, d, 0, 2)
    if inputs:
        action["inputs"] = inputs
    user_parameters = draw(st.sampled_from(["none", "text", "mapping"]))
    if user_parameters == "text":
        action["user_parameters"] = "https://www.example.com/health"
    elif user_parameters == "mapping":  # sent as JSON, intrinsics included
        action["user_parameters"] = {"bucket": "content-example-site",
                                     "stack": {"Ref": "AWS::StackName"}, "retries": 3}
    outputs = _outputs(draw, d, 2)
    if outputs:
        action["outputs"] = outputs
    if draw(st.booleans()):
        action["namespace"] = d.unique("InvokeVars")
    return action, outputs


def step_functions(draw, d: Draft) -> tuple[dict, list[str]]:
    machine = draw(st.sampled_from(["ref", "etl-load",
                                    f"arn:aws:states:{HOME}:{ACCOUNT}:stateMachine:etl-validate"]))
    action: dict[str, Any] = {
        "type": "invoke", "provider": "step-functions",
        "state_machine": d.param("StateMachine") if machine == "ref" else machine}
    inputs = _inputs(draw, d, 0, 1)
    if inputs:
        action["inputs"] = inputs
    given = draw(st.sampled_from(["none", "mapping", "text", "file"]))
    if given == "mapping":
        action["input"] = {"mode": "dry-run", "tables": ["orders", "customers"]}
    elif given == "text":
        action["input"] = '{"since": "2024-01-01"}'
    elif given == "file" and inputs:  # read from the input artifact
        action["input_file"] = "load-input.json"
    if draw(st.booleans()):
        action["execution_name_prefix"] = "release"
    outputs = _outputs(draw, d, 1)
    if outputs:
        action["outputs"] = outputs
    return action, outputs


def s3_deploy(draw, d: Draft) -> tuple[dict, list[str]] | None:
    inputs = _inputs(draw, d, 1, 1)
    if inputs is None:
        return None
    action: dict[str, Any] = {
        "type": "deploy", "provider": "s3",
        "bucket": d.literal_or_ref(draw, "acme-site-www", "SiteBucket"),
        "extract": draw(st.booleans()), "inputs": inputs}
    if not action["extract"] or draw(st.booleans()):  # a zip upload needs its object key
        action["key"] = "releases/{datetime}-site.zip" if not action["extract"] else "current"
    if draw(st.booleans()):
        action["kms_key"] = KEY_ARN
    if draw(st.booleans()):
        action["acl"] = draw(st.sampled_from(["private", "bucket-owner-full-control"]))
    if draw(st.booleans()):
        action["cache_control"] = "public, max-age=300"
    return action, []


def ecs_rolling(draw, d: Draft) -> tuple[dict, list[str]] | None:
    inputs = _inputs(draw, d, 1, 1)
    if inputs is None:
        return None
    action: dict[str, Any] = {
        "type": "deploy", "provider": "ecs",
        "cluster": d.literal_or_ref(draw, "orders-prod", "EcsCluster"),
        "service": draw(st.sampled_from(["orders-api", "web"])), "inputs": inputs}
    if draw(st.booleans()):
        action["image_definitions"] = "imagedefinitions.json"
    return action, []


def beanstalk(draw, d: Draft) -> tuple[dict, list[str]] | None:
    inputs = _inputs(draw, d, 1, 1)
    if inputs is None:
        return None
    return {"type": "deploy", "provider": "beanstalk",
            "application": d.literal_or_ref(draw, "orders-web", "BeanstalkApplication"),
            "environment": draw(st.sampled_from(["orders-web-prod", "orders-web-test"])),
            "inputs": inputs}, []


def lambda_deploy(draw, d: Draft) -> tuple[dict, list[str]] | None:
    if d.type != "v2":
        return None
    action: dict[str, Any] = {"type": "deploy", "provider": "lambda",
                              "function": d.literal_or_ref(draw, "orders-handler",
                                                           "DeployedFunction")}
    inputs = _inputs(draw, d, 1, 1) if draw(st.booleans()) else None
    if inputs:
        action["inputs"] = inputs
        if draw(st.booleans()):
            action["alias"] = "live"
    else:  # no code to publish: point an alias at a published version
        action.update(inputs=[], alias="canary", version="3")
    return action, []


def appconfig(draw, d: Draft) -> tuple[dict, list[str]] | None:
    inputs = _inputs(draw, d, 1, 1)
    if inputs is None:
        return None
    env = draw(st.sampled_from(["staging", "production"]))
    # Few names, so that several actions share the application and profile pipegen creates.
    return {"type": "deploy", "provider": "appconfig",
            "application": draw(st.sampled_from(["orders", "billing"])), "environment": env,
            "profile": "settings", "path": f"settings/{env}.json", "inputs": inputs}, []


def cloudformation(draw, d: Draft) -> tuple[dict, list[str]] | None:
    """create-update or replace-on-failure, with an existing deploy role."""
    inputs = _inputs(draw, d, 1, 2)
    if inputs is None:
        return None
    action = {"type": "deploy", "provider": "cloudformation",
              "mode": draw(st.sampled_from(["create-update", "replace-on-failure"]))}
    outputs = _outputs(draw, d, 1)
    _stack_common(draw, d, action, inputs, outputs)
    if outputs and draw(st.booleans()):
        action["output_file"] = "outputs.json"
    return action, outputs


def cloudformation_change_set(draw, d: Draft) -> tuple[dict, list[str]] | None:
    """mode: change-set with approve: true (create, manual approval, execute)."""
    inputs = _inputs(draw, d, 1, 2)
    if inputs is None:
        return None
    action: dict[str, Any] = {"type": "deploy", "provider": "cloudformation",
                              "mode": "change-set", "approve": True}
    if draw(st.booleans()):
        approval: dict[str, Any] = {"message": "Review the change set"}
        if draw(st.booleans()):
            approval["notify"] = d.literal_or_ref(draw, TOPIC_ARN, "ApprovalTopicArn")
        if draw(st.booleans()):
            approval["timeout"] = draw(st.sampled_from(["1h", "2d"]))
        action["approval"] = approval
    if draw(st.booleans()):
        action["names"] = {"approve": d.unique("Review")}
    if draw(st.booleans()):
        action["change_set"] = "release"
    _stack_common(draw, d, action, inputs, [])
    return action, []


def _stack_common(draw, d: Draft, action: dict, inputs: list[str], outputs: list[str]) -> None:
    action["stack"] = draw(st.sampled_from(["orders", {"Fn::Sub": "${AWS::StackName}-app"}]))
    main = draw(st.sampled_from(inputs))
    action["template"] = f"{main}::template.yaml"
    if draw(st.booleans()):
        action["template_configuration"] = f"{draw(st.sampled_from(inputs))}::config.json"
    if draw(st.booleans()):
        action["parameter_overrides"] = {
            "Environment": "prod", "Region": {"Ref": "AWS::Region"},
            "ImageUri": {"get_param": [main, "image.json", "uri"]}}
    if draw(st.booleans()):
        action["capabilities"] = draw(st.sampled_from([["iam"], ["named-iam", "auto-expand"]]))
    action["deploy_role"] = DEPLOY_ROLE
    if draw(st.integers(0, 3)) == 0:  # or a role pipegen creates (in this account)
        action["deploy_role"] = {"managed_policies": [
            "arn:aws:iam::aws:policy/PowerUserAccess"]}
    action["inputs"] = inputs
    if outputs:
        action["outputs"] = outputs
    if draw(st.booleans()):
        action["namespace"] = d.unique("StackVars")


def approval_emails(draw, d: Draft) -> tuple[dict, list[str]]:
    """A manual approval that mails reviewers through a topic pipegen creates."""
    emails: list[Any] = ["qa-team@example.com"]
    if draw(st.booleans()):
        emails.append(d.param("OnCallEmail", description="the on-call engineer's address"))
    action: dict[str, Any] = {"type": "approval", "notify": {"emails": emails}}
    if draw(st.booleans()):
        action["provider"] = "manual"
    if draw(st.booleans()):
        action["message"] = "Staging is up; sign off after the smoke checklist."
    return action, []


# --- deployment strategies (codedeploy, ecs, lambda): each pair SPEC.md section 5 supports

PERCENTS = ("1%", "10%", "25%", "33%", "50%", "99%")
LISTENER = (f"arn:aws:elasticloadbalancing:{HOME}:{ACCOUNT}:listener/app/web/"
            "0123456789abcdef/0123456789abcdef")


def _rollback(draw, d: Draft) -> dict:
    events = draw(st.lists(st.sampled_from(["failure", "alarm", "stop"]), min_size=1,
                           max_size=3, unique=True))
    out: dict[str, Any] = {"events": events}
    if "alarm" in events or draw(st.booleans()):
        out["alarms"] = [d.literal_or_ref(draw, "web-5xx", "AlarmName")]
    return out


def _tags(draw, d: Draft) -> Any:
    """EC2 or on-premises tags: a mapping, or the list form (whose keys may be intrinsics)."""
    if draw(st.booleans()):
        return draw(st.dictionaries(st.sampled_from(["Role", "Env", "Team"]),
                                    st.sampled_from(WORDS), min_size=1, max_size=2))
    return [{"key": d.literal_or_ref(draw, "Role", "TagKey"),
             "value": d.literal_or_ref(draw, draw(st.sampled_from(WORDS)), "TagValue")}]


def codedeploy_strategy(draw, d: Draft) -> tuple[dict, list[str]] | None:
    """A codedeploy action creating its group from `targets`, with a strategy (or none)."""
    choices = d.available(codebuild=False)
    if not choices:
        return None
    name = draw(st.sampled_from(["single-target", "all-at-once", "min-in-service", "rolling",
                                 "blue-green", "red-black", None]))
    action: dict[str, Any] = {
        "type": "deploy", "provider": "codedeploy",
        # One application may serve several actions: it is created once.
        "application": f"servers-{draw(st.sampled_from(WORDS[:2]))}",
        "deployment_group": d.unique("group-"),
        "inputs": [draw(st.sampled_from(choices))]}
    if name in ("blue-green", "red-black"):
        action["targets"] = {"autoscaling_groups": [d.literal_or_ref(draw, "web-asg",
                                                                     "FleetAsg")]}
        action["load_balancer"] = {"target_group": "web-tg"}
        for key, values in (("terminate_blue", ["keep", "5m", "1h", "2d"]),
                            ("ready", ["continue", "30m", "2h"]),
                            ("green_fleet", ["copy-autoscaling-group"])):
            if draw(st.booleans()):
                action[key] = draw(st.sampled_from(values))
    else:
        targets: dict[str, Any] = {}
        while not targets:
            if draw(st.booleans()):
                targets["ec2_tags"] = _tags(draw, d)
            if name != "single-target" and draw(st.booleans()):
                targets["autoscaling_groups"] = [d.literal_or_ref(draw, "web-asg",
                                                                  "FleetAsg")]
            if draw(st.booleans()):
                targets["on_premises_tags"] = _tags(draw, d)
        action["targets"] = targets
        if draw(st.booleans()):
            action["load_balancer"] = {"target_group": d.literal_or_ref(draw, "web-tg",
                                                                        "TargetGroup")}
        if name == "rolling" and "load_balancer" not in action or draw(st.booleans()):
            action["health_check"] = ("appspec-hooks" if "load_balancer" not in action
                                      else draw(st.sampled_from(["appspec-hooks",
                                                                 "load-balancer"])))
    if name == "min-in-service":
        action["strategy"] = {name: {"min_healthy": draw(st.sampled_from(
            [0, 1, 3, "25%", "75%", "99%"]))}}
    elif name == "rolling":
        action["strategy"] = {name: {"batch": draw(st.sampled_from([1, "50%", *PERCENTS]))}}
    elif name is not None:
        action["strategy"] = name
    if draw(st.booleans()):
        action["auto_rollback"] = _rollback(draw, d)
    if draw(st.booleans()):
        action["service_role"] = f"arn:aws:iam::{ACCOUNT}:role/codedeploy"
    return action, []


def _shift(draw, name: str) -> dict:
    wait = draw(st.sampled_from(["1m", "3m", "5m", "15m", "1h", "120s"]))
    step = draw(st.sampled_from(PERCENTS))
    return {"step": step, "bake": wait} if name == "canary" else {"step": step, "every": wait}


def ecs_strategy(draw, d: Draft) -> tuple[dict, list[str]] | None:
    """An ECS deploy through CodeDeploy: to a group pipegen creates, or to an existing one
    (whose names may be run-time variables), or a rolling update."""
    inputs = _inputs(draw, d, 1, 2)
    if inputs is None:
        return None
    action: dict[str, Any] = {"type": "deploy", "provider": "ecs", "inputs": inputs}
    kind = draw(st.sampled_from(["created", "created", "existing", "rolling"]))
    if kind == "rolling":
        if len(inputs) > 1:
            return None
        action.update(cluster="web", service="web-api", strategy="rolling")
        return action, []
    if kind == "existing":
        action.update(application="web-ecs", deployment_group=draw(st.sampled_from(
            ["web-api", "#{variables.GROUP}"] if d.type == "v2" else ["web-api"])))
        if "#{" in action["deployment_group"]:
            d.spec.setdefault("variables", {}).setdefault("GROUP", {"default": "web-api"})
            d.spec.setdefault("acknowledge", ["PG434"])
        if draw(st.booleans()):
            action["strategy"] = draw(st.sampled_from(["blue-green", "red-black"]))
    else:
        name = draw(st.sampled_from(["all-at-once", "blue-green", "canary", "linear", None]))
        action.update(cluster=d.literal_or_ref(draw, "web", "EcsCluster"), service="web-api")
        lb: dict[str, Any] = {"target_groups": ["web-blue", "web-green"],
                              "listener": d.literal_or_ref(draw, LISTENER, "Listener")}
        if draw(st.booleans()):
            lb["test_listener"] = LISTENER
        action["load_balancer"] = lb
        if name in ("canary", "linear"):
            action["strategy"] = {name: _shift(draw, name)}
        elif name is not None:
            action["strategy"] = name
        if draw(st.booleans()):
            action["deployment_group"] = d.unique("ecs-group-")
        if draw(st.booleans()):
            action["auto_rollback"] = _rollback(draw, d)
        for key, values in (("terminate_blue", ["0m", "1h", "2d"]),
                            ("ready", ["continue", "30m"])):
            if draw(st.booleans()):
                action[key] = draw(st.sampled_from(values))
    images = draw(st.lists(st.sampled_from(inputs), max_size=2, unique=True))
    if images:
        action["images"] = {f"IMAGE{i}_NAME": a for i, a in enumerate(images, start=1)}
    if len(inputs) > 1:
        action["task_definition"] = f"{inputs[0]}::taskdef.json"
        action["appspec"] = f"{inputs[0]}::appspec.yaml"
    return action, []


def lambda_strategy(draw, d: Draft) -> tuple[dict, list[str]] | None:
    """A Lambda deploy moving its alias with the action's own strategy."""
    if d.type != "v2":
        return None
    inputs = _inputs(draw, d, 1, 1)
    if not inputs:
        return None
    name = draw(st.sampled_from(["all-at-once", "canary", "linear"]))
    action: dict[str, Any] = {"type": "deploy", "provider": "lambda", "inputs": inputs,
                              "function": d.literal_or_ref(draw, "web-handler",
                                                           "DeployedFunction"),
                              "alias": "live"}
    if name == "all-at-once":
        action["strategy"] = name
    else:
        settings = _shift(draw, name)
        if settings["step"] == "1%":  # 99 linear steps of an hour would wait over 2 days
            settings["step"] = "10%"
        action["strategy"] = {name: settings}
    return action, []


ACTION_BLOCKS: list[Block] = [codebuild_existing, codebuild_inline, manual_approval, codedeploy,
                              commands_action, jenkins_action, lambda_invoke, step_functions,
                              s3_deploy, ecs_rolling, beanstalk, lambda_deploy, appconfig,
                              cloudformation, cloudformation_change_set, approval_emails,
                              codedeploy_strategy, ecs_strategy, lambda_strategy]


# --- top-level options: each may change the Draft's spec in place

def parameters_block(draw, d: Draft) -> None:
    # Parameters used through !Ref by other blocks are added by them; this one adds a pipeline
    # name that varies per stack.
    d.spec["pipeline_name"] = d.literal_or_ref(draw, {"Fn::Sub": "${AWS::StackName}-pipeline"},
                                               "PipelineName")


def variables_block(draw, d: Draft) -> None:
    if d.type == "v2":
        d.spec.setdefault("variables", {})["RELEASE_CHANNEL"] = {
            "default": "stable", "description": "release channel"}


def execution_mode_block(draw, d: Draft) -> None:
    modes = ["superseded", "queued", "parallel"] if d.type == "v2" else ["superseded"]
    d.spec["execution_mode"] = draw(st.sampled_from(modes))


def tags_block(draw, d: Draft) -> None:
    d.spec["tags"] = draw(st.sampled_from([{"team": "payments"},
                                           {"team": "core", "cost-center": "1234"}]))


def artifacts_block(draw, d: Draft) -> None:
    artifacts: dict[str, Any] = {}
    if draw(st.booleans()):
        artifacts["bucket"] = draw(st.sampled_from([
            "generated", "acme-pipeline-artifacts", {"retain": False},
            {"name": "acme-artifacts-2", "expire_after": "30d"}]))
    if draw(st.booleans()):
        artifacts["encryption"] = draw(st.sampled_from(["aws-managed", "generated", KEY_ARN]))
    d.spec["artifacts"] = artifacts


def role_block(draw, d: Draft) -> None:
    d.spec["role"] = draw(st.sampled_from([
        "generated", f"arn:aws:iam::{ACCOUNT}:role/pipeline",
        {"generated": True, "name": "acme-pipeline-role"},
        {"generated": True, "permissions_boundary":
         f"arn:aws:iam::{ACCOUNT}:policy/boundary"}]))


def description_block(draw, d: Draft) -> None:
    d.spec["description"] = "Generated by the property tests"
    if draw(st.booleans()):
        d.spec["restart_on_update"] = draw(st.booleans())


# Conditions the condition block may declare: name -> (parameter, value, its allowed values).
# Tuples: the mutation test edits specs in place, so a spec never holds these objects.
CONDITIONS = {"IsProd": ("Env", "prod", ("dev", "staging", "prod")),
              "IsStaging": ("Env", "staging", ("dev", "staging", "prod")),
              "WithSmokeTests": ("SmokeTests", "on", ("off", "on"))}


def condition_block(draw, d: Draft) -> None:
    """`when:` with declared conditions, where no action outside the condition needs what the
    conditional part makes (PG353) or waits for it.

    A stage may be conditional when no later stage reads its outputs; an action when nobody
    reads its outputs, no action says `after:` it, and its stage keeps another action. One
    stage always stays unconditional (PG381).
    """
    stages = d.spec["stages"]
    reads = [{i for a in stage["actions"] for i in a.get("inputs", [])} for stage in stages]
    made = [{o for a in stage["actions"] for o in a.get("outputs", [])} for stage in stages]
    places: list[dict] = [stage for s, stage in enumerate(stages)
                          if not made[s] & set().union(*reads[s + 1:])]
    if len(places) == len(stages):
        places.pop(0)  # leave the first stage unconditional
    everything_read = set().union(*reads)
    for stage in stages:
        waited_for = {n for a in stage["actions"] for n in a.get("after", [])}
        places += [a for a in stage["actions"][1:] if len(stage["actions"]) > 1
                   and not set(a.get("outputs", [])) & everything_read
                   and a["name"] not in waited_for]
    if not places:
        return
    stage_of = {id(a): stage for stage in stages for a in stage["actions"]}
    chosen = draw(st.lists(st.sampled_from(places), min_size=1, max_size=3, unique_by=id))
    # Stages first, so that an action knows its stage's condition.
    for place in sorted(chosen, key=lambda p: "actions" not in p):
        outer = stage_of.get(id(place), {}).get("when")
        # Inside a conditional stage, an action's condition reads another parameter, or is
        # the stage's own (pipegen then emits no inner Fn::If). Another value of the same
        # parameter could never hold: a spec mistake, not a valid spec.
        names = [n for n in CONDITIONS if outer is None or n == outer
                 or CONDITIONS[n][0] != CONDITIONS[outer][0]]
        place["when"] = draw(st.sampled_from(names))
        parameter, value, allowed = CONDITIONS[place["when"]]
        d.spec.setdefault("conditions", {})[place["when"]] = {"Fn::Equals": [
            d.param(parameter, default=allowed[0], allowed_values=list(allowed)), value]}


def retry_block(draw, d: Draft) -> None:
    """v2: a stage retried automatically when it fails."""
    if d.type == "v2":
        stage = draw(st.sampled_from(d.spec["stages"]))
        stage["on_failure"] = draw(st.sampled_from([
            "retry", {"result": "retry"}, {"result": "retry", "retry_mode": "failed-actions"},
            {"result": "retry", "retry_mode": "all-actions"}]))


def deployment_window_block(draw, d: Draft) -> None:
    """v2: a stage entered only in a deployment window."""
    if d.type == "v2":
        stage = draw(st.sampled_from(d.spec["stages"]))
        stage["before_entry"] = {"result": "fail", "rules": [{"deployment_window": {
            "cron": "0 9-16 ? * MON-FRI *",
            "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin"]))}}]}


# Providers whose actions may run in another region (SPEC.md 2 and 4): not custom or
# third-party actions (jenkins), not appconfig (pipegen creates its resources here), not an
# inline CodeBuild project (created in the pipeline's region). Commands and approvals are left
# out: whether AWS runs them cross-region is not settled in the reference.
CROSS_REGION = {"codebuild", "codedeploy", "cloudformation", "s3", "lambda", "step-functions",
                "ecs", "beanstalk"}


def _provider(action: dict) -> str:
    default = {"build": "codebuild", "test": "codebuild", "approval": "manual"}
    return action.get("provider", default.get(action["type"], ""))


def cross_region_block(draw, d: Draft) -> None:
    """An action in another region, with that region's artifact store; or one that says
    `region: !Ref AWS::Region` (any action may: it is the home region)."""
    actions = [a for stage in d.spec["stages"] for a in stage["actions"]]
    movable = [a for a in actions if _provider(a) in CROSS_REGION
               and not isinstance(a.get("project"), dict)
               # Groups pipegen creates live in the stack's region (PG435).
               and "targets" not in a and "load_balancer" not in a
               # Literal ARNs in the home region would not be found elsewhere.
               and f":{HOME}:" not in json.dumps(a)]
    if not movable or draw(st.integers(0, 3)) == 0:
        draw(st.sampled_from(actions))["region"] = {"Ref": "AWS::Region"}
        return
    for action in draw(st.lists(st.sampled_from(movable), min_size=1, max_size=2,
                                unique_by=id)):
        region = draw(st.sampled_from(sorted(OTHER_REGIONS)))
        action["region"] = region
        stores = d.spec.setdefault("artifacts", {}).setdefault("regions", {})
        if region not in stores:
            stores[region] = {"bucket": f"acme-artifacts-{region}"}
            if draw(st.booleans()):
                stores[region]["encryption"] = OTHER_REGIONS[region]


# Order matters where blocks share a key: cross_region_block adds to what artifacts_block set.
SPEC_BLOCKS: list[Block] = [parameters_block, variables_block, execution_mode_block, tags_block,
                            artifacts_block, role_block, description_block, condition_block,
                            retry_block, deployment_window_block, cross_region_block]


@st.composite
def valid_specs(draw) -> dict:
    """A spec that pipegen must compile to a lint-clean template."""
    d = Draft(type=draw(st.sampled_from(["v1", "v2"])))
    d.spec = {"pipegen": 1, "name": f"{draw(st.sampled_from(WORDS))}-pipeline"}
    if d.type == "v1" or draw(st.booleans()):
        d.spec["type"] = d.type
    d.spec["sources"] = []
    for _ in range(draw(st.integers(1, 2))):
        d.spec["sources"].append(draw(st.sampled_from(SOURCE_BLOCKS))(draw, d))
    d.spec["stages"] = []
    for s in range(draw(st.integers(1, 3))):
        actions: list[dict] = []
        for _ in range(draw(st.integers(1, 3))):
            made = draw(st.sampled_from(ACTION_BLOCKS))(draw, d)
            if made is None:
                continue
            action, outputs = made
            action = {"name": d.unique("Action"), **action}
            if actions and draw(st.integers(0, 2)) == 0:
                action["after"] = [draw(st.sampled_from(actions))["name"]]
            actions.append(action)
            d.artifacts += outputs  # later actions may consume them, in this stage too
        if not actions:
            actions.append({"name": d.unique("Action"), **manual_approval(draw, d)[0]})
        d.spec["stages"].append({"name": f"Stage{s}", "actions": actions})
    for block in SPEC_BLOCKS:
        if draw(st.booleans()):
            block(draw, d)
    if d.cross_account_roles:
        # Another account reads the artifacts: a customer-managed key, shared (SPEC.md 2).
        artifacts = d.spec.setdefault("artifacts", {})
        if artifacts.get("encryption", "aws-managed") == "aws-managed":
            artifacts["encryption"] = "generated"
        artifacts["grant"] = sorted(set(d.cross_account_roles))
    if d.parameters:
        d.spec["parameters"] = d.parameters
    return d.spec


# --- arbitrary data, for "never crashes"

INTRINSIC_NAMES = ("Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::ImportValue")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 40), 2 ** 40),
    st.floats(allow_nan=False, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["", "yes", "on", "main", "generated", "v1", "v2", "build", "deploy",
                     "codebuild", "github", "10m", "AWS::Region", "#{SourceVars.CommitId}"]))


def data(keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy:
    """Arbitrary YAML-able data; mapping keys from `keys` (and any text)."""
    key = st.text(max_size=12) if keys is None else st.one_of(keys, st.text(max_size=12))
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(key, children, max_size=4),
            st.builds(lambda k, v: {k: v}, st.sampled_from(INTRINSIC_NAMES), children),
        ),
        max_leaves=12,
    )


# --- YAML text

class _Dumper(yaml.SafeDumper):
    """Writes intrinsics in their short form (`!Ref X`), as users do."""


def _represent_dict(dumper: yaml.SafeDumper, value: dict):
    if len(value) == 1:
        (key, arg), = value.items()
        short = {"Ref": "!Ref", "Fn::Sub": "!Sub", "Fn::GetAtt": "!GetAtt"}.get(key)
        if short and isinstance(arg, str):
            return dumper.represent_scalar(short, arg)
    return dumper.represent_dict(value)


_Dumper.add_representer(dict, _represent_dict)


def to_yaml(data: Any, short_intrinsics: bool = True) -> str:
    dumper = _Dumper if short_intrinsics else yaml.SafeDumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
