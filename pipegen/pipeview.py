"""A compiled template's pipelines, read back as plain stages and actions (for graph and diff).

Reading the template rather than the spec model means every expansion and strategy appears
as what it became: a change set's three steps, a strategy's traffic steps, an inserted
approval. The template is the single truth both `pipegen graph` and `pipegen diff` describe,
and it may be a hand-written one (`pipegen diff --against`).

CloudFormation conditions on stages and actions (`{"Fn::If": [COND, X, {"Ref":
"AWS::NoValue"}]}`) are unwrapped into a `condition` field; other intrinsics are kept as they
are and shown by `show()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

PIPELINE_TYPE = "AWS::CodePipeline::Pipeline"
_ACCOUNT = re.compile(r"^arn:(?:\$\{[^}]*\}|[^:]*):iam::([^:]*):")


@dataclass(frozen=True)
class ActionView:
    name: str
    category: str
    owner: str
    provider: str
    version: str
    run_order: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    configuration: dict[str, Any]
    region: Any = None
    role: Any = None
    namespace: str | None = None
    condition: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # every other key (Commands, Timeout...)
    origin: str | None = None  # the spec action it was expanded from, when known and different

    @property
    def mode(self) -> str | None:
        """A CloudFormation action's mode (CREATE_UPDATE, CHANGE_SET_REPLACE, ...)."""
        mode = self.configuration.get("ActionMode")
        return mode if isinstance(mode, str) else None

    @property
    def cross_region(self) -> bool:
        return self.region is not None and self.region != {"Ref": "AWS::Region"}

    @property
    def account(self) -> str | None:
        """The account of the action's role, when the role names one (a literal or a !Sub)."""
        return role_account(self.role) if self.role is not None else None

    def fields(self) -> dict[str, Any]:
        """What a reviewer compares: everything but the name."""
        out = {"ActionTypeId": f"{self.owner}/{self.category}/{self.provider}/v{self.version}",
               "RunOrder": self.run_order, "InputArtifacts": list(self.inputs),
               "OutputArtifacts": list(self.outputs), "Region": self.region,
               "RoleArn": self.role, "Namespace": self.namespace, "Condition": self.condition}
        out.update(self.extra)
        return {k: v for k, v in out.items() if v not in (None, [])}


@dataclass(frozen=True)
class StageView:
    name: str
    actions: tuple[ActionView, ...]
    condition: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # BeforeEntry, OnSuccess, OnFailure


@dataclass(frozen=True)
class PipelineView:
    logical_id: str
    stages: tuple[StageView, ...]
    condition: str | None = None


def role_account(role: Any) -> str | None:
    """'arn:aws:iam::222222222222:role/x' -> '222222222222'; a !Sub keeps its ${Param}."""
    text = role.get("Fn::Sub") if isinstance(role, dict) else role
    if isinstance(text, list) and text:
        text = text[0]
    if isinstance(text, str):
        m = _ACCOUNT.match(text)
        if m and m.group(1):
            return m.group(1)
    return None


def unwrap_if(node: Any) -> tuple[Any, str | None]:
    """{"Fn::If": [C, X, NoValue]} -> (X, C); anything else -> (node, None)."""
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        args = node["Fn::If"]
        if (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)
                and args[2] == {"Ref": "AWS::NoValue"} and isinstance(args[1], dict)):
            return args[1], args[0]
    return node, None


def _names(items: Any) -> tuple[str, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(show(i.get("Name")) if isinstance(i, dict) else show(i) for i in items)


_ACTION_KEYS = {"Name", "ActionTypeId", "RunOrder", "InputArtifacts", "OutputArtifacts",
                "Configuration", "Region", "RoleArn", "Namespace"}


def _action(raw: Any, index: int) -> ActionView:
    raw, condition = unwrap_if(raw)
    if not isinstance(raw, dict):
        raw = {"Name": show(raw)}
    type_id = raw.get("ActionTypeId") if isinstance(raw.get("ActionTypeId"), dict) else {}
    run_order = raw.get("RunOrder", 1)
    configuration = raw.get("Configuration")
    return ActionView(
        name=show(raw.get("Name", f"action{index + 1}")),
        category=show(type_id.get("Category", "?")), owner=show(type_id.get("Owner", "?")),
        provider=show(type_id.get("Provider", "?")), version=show(type_id.get("Version", "?")),
        run_order=run_order if isinstance(run_order, int) else 1,
        inputs=_names(raw.get("InputArtifacts")), outputs=_names(raw.get("OutputArtifacts")),
        configuration=configuration if isinstance(configuration, dict) else {},
        region=raw.get("Region"), role=raw.get("RoleArn"),
        namespace=raw.get("Namespace") if isinstance(raw.get("Namespace"), str) else None,
        condition=condition,
        extra={k: v for k, v in raw.items() if k not in _ACTION_KEYS})


def _stage(raw: Any, index: int) -> StageView:
    raw, condition = unwrap_if(raw)
    if not isinstance(raw, dict):
        raw = {}
    actions = raw.get("Actions") if isinstance(raw.get("Actions"), list) else []
    return StageView(
        name=show(raw.get("Name", f"stage{index + 1}")),
        actions=tuple(_action(a, i) for i, a in enumerate(actions)),
        condition=condition,
        settings={k: v for k, v in raw.items() if k not in ("Name", "Actions")})


def pipelines(template: dict) -> list[PipelineView]:
    """Every AWS::CodePipeline::Pipeline of a template, in logical-id order."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    out = []
    for logical_id, resource in sorted((resources or {}).items()):
        if not isinstance(resource, dict) or resource.get("Type") != PIPELINE_TYPE:
            continue
        props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) \
            else {}
        stages = props.get("Stages") if isinstance(props.get("Stages"), list) else []
        condition = resource.get("Condition")
        out.append(PipelineView(logical_id, tuple(_stage(s, i) for i, s in enumerate(stages)),
                                condition if isinstance(condition, str) else None))
    return out


def attribute_origins(view: PipelineView, spec: dict) -> PipelineView:
    """Mark template actions that a spec action expanded into (a change set's steps, ...).

    Emit writes a spec stage's actions in order, each as one or more template actions, and an
    expanded step never takes the name of another action in its stage. A template action is
    attributed to the spec action of the same name; else to the one whose `names:` lists it,
    or whose name prefixes it (`Deploy-CreateChangeSet`); else to the spec action the walk is
    in. A stage the spec does not know (a hand-written template) is left alone.
    """
    spec_stages = {s.get("name"): s for s in spec.get("stages", []) or []
                   if isinstance(s, dict)}
    stages = []
    for stage in view.stages:
        spec_actions = [a for a in (spec_stages.get(stage.name) or {}).get("actions", []) or []
                        if isinstance(a, dict) and isinstance(a.get("name"), str)]
        names = [a["name"] for a in spec_actions]
        listed = {v: a["name"] for a in spec_actions if isinstance(a.get("names"), dict)
                  for v in a["names"].values() if isinstance(v, str)}
        actions, current = [], None
        for action in stage.actions:
            if not names or action.name in names:
                current = action.name if names else None
                actions.append(action)
                continue
            prefixed = [n for n in names if action.name.startswith(n + "-")]
            origin = listed.get(action.name) or (max(prefixed, key=len) if prefixed else None)
            current = origin or current or names[0]
            actions.append(_with_origin(action, current))
        stages.append(StageView(stage.name, tuple(actions), stage.condition, stage.settings))
    return PipelineView(view.logical_id, tuple(stages), view.condition)


def _with_origin(action: ActionView, origin: str | None) -> ActionView:
    from dataclasses import replace

    return replace(action, origin=origin)


def show(value: Any) -> str:
    """A template value as a reviewer reads it: literals as they are, intrinsics short-form."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return f"!Ref {show(arg)}"
        if key == "Fn::GetAtt":
            return "!GetAtt " + (".".join(map(show, arg)) if isinstance(arg, list) else show(arg))
        if key == "Fn::Sub" and isinstance(arg, str):
            return f"!Sub {arg}"
        if key.startswith("Fn::"):
            return f"!{key[4:]} {json.dumps(arg, sort_keys=True, separators=(',', ':'))}"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
