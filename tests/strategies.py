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
    if draw(st.booleans()):
        source["trigger"] = draw(st.sampled_from(["push", "none"]))
    return _source_common(draw, d, source)


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


def _source_common(draw, d: Draft, source: dict) -> dict:
    output = f"{source['name']}Source"
    if draw(st.booleans()):
        output = source["output"] = d.unique("Src")
    if draw(st.integers(0, 3)) == 0:
        source["format"] = "clone-ref"
        d.clone_refs.add(output)
    if draw(st.booleans()):
        source["namespace"] = d.unique("SourceVars")
    d.artifacts.append(output)
    return source


SOURCE_BLOCKS: list[Block] = [github_source, codecommit_source]


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


ACTION_BLOCKS: list[Block] = [codebuild_existing, codebuild_inline, manual_approval, codedeploy]


# --- top-level options: each may change the Draft's spec in place

def parameters_block(draw, d: Draft) -> None:
    # Parameters used through !Ref by other blocks are added by them; this one adds a pipeline
    # name that varies per stack.
    d.spec["pipeline_name"] = d.literal_or_ref(draw, {"Fn::Sub": "${AWS::StackName}-pipeline"},
                                               "PipelineName")


def variables_block(draw, d: Draft) -> None:
    if d.type == "v2":
        d.spec["variables"] = {"RELEASE_CHANNEL": {"default": "stable",
                                                   "description": "release channel"}}


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


SPEC_BLOCKS: list[Block] = [parameters_block, variables_block, execution_mode_block, tags_block,
                            artifacts_block, role_block, description_block]


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
