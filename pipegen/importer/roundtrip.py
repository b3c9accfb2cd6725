"""The round trip: a pipeline's stages and actions as data that two templates can be compared by.

`digest` reads one AWS::CodePipeline::Pipeline resource: per stage its name and condition, per
action its name, category, owner, provider, version, run order, input and output artifacts,
region, role, namespace, Configuration values and other properties. Values are compared as
CodePipeline reads them: scalars as strings, JSON text as the data it holds, AWS's documented
Configuration defaults filled in (PollForSourceChanges of an action that omits it is "true"),
environment variables by name, and logical ids through the import's renames (the original's
`!Ref CodeBuildProject` is pipegen's `!Ref BuildCompileProject`). A role pipegen generates for
an action counts as no role.
"""

from __future__ import annotations

import json
from typing import Any

from pipegen.importer.template import rename

# (Owner, Provider) -> Configuration defaults AWS documents for keys an action may omit.
DEFAULTS: dict[tuple[str, str], dict[str, str]] = {
    ("AWS", "CodeCommit"): {"PollForSourceChanges": "true", "OutputArtifactFormat": "CODE_ZIP"},
    ("AWS", "S3"): {"PollForSourceChanges": "true"},
    ("ThirdParty", "GitHub"): {"PollForSourceChanges": "true"},
    ("AWS", "CodeStarSourceConnection"): {"DetectChanges": "true",
                                          "OutputArtifactFormat": "CODE_ZIP"},
    ("AWS", "ECR"): {"ImageTag": "latest"},
    ("AWS", "ECS"): {"FileName": "imagedefinitions.json"},
    ("AWS", "CodeDeployToECS"): {"TaskDefinitionTemplatePath": "taskdef.json",
                                 "AppSpecTemplatePath": "appspec.yaml"},
}
SOURCE_ONLY_DEFAULTS = {("AWS", "S3"): "Source"}  # S3 is also a deploy provider
JSON_KEYS = ("EnvironmentVariables", "ParameterOverrides")
COMMON = ("Name", "ActionTypeId", "RunOrder", "InputArtifacts", "OutputArtifacts", "Region",
          "RoleArn", "Namespace", "Configuration")


def _branches(item: Any) -> list[tuple[str | None, Any]]:
    if isinstance(item, dict) and set(item) == {"Fn::If"} and isinstance(item["Fn::If"], list) \
            and len(item["Fn::If"]) == 3:
        cond, then, other = item["Fn::If"]
        out = []
        for branch in (then, other):
            if isinstance(branch, dict) and branch.get("Ref") == "AWS::NoValue":
                continue
            out += [(cond, inner) for _, inner in _branches(branch)]
        return out
    return [(None, item)]


def _scalar(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v


def normal(v: Any, renames: dict[str, str]) -> Any:
    """A value as compared: scalars as strings, intrinsics in one spelling, ids renamed."""
    v = rename(v, renames)

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            if len(x) == 1 and "Fn::GetAtt" in x and isinstance(x["Fn::GetAtt"], str):
                return {"Fn::GetAtt": x["Fn::GetAtt"].split(".", 1)}
            if len(x) == 1 and "Fn::Sub" in x and isinstance(x["Fn::Sub"], list) and \
                    len(x["Fn::Sub"]) == 2 and x["Fn::Sub"][1] == {}:
                return {"Fn::Sub": x["Fn::Sub"][0]}
            return {k: walk(y) for k, y in x.items()}
        if isinstance(x, list):
            return [walk(y) for y in x]
        return _scalar(x)

    return walk(v)


def _json_value(key: str, v: Any) -> Any:
    if not isinstance(v, str):
        return v
    try:
        data = json.loads(v)
    except ValueError:
        return v
    if key == "EnvironmentVariables" and isinstance(data, list):
        items = [dict({"type": "PLAINTEXT"}, **e) if isinstance(e, dict) else e for e in data]
        return sorted(items, key=lambda e: json.dumps(e, sort_keys=True))
    return data


def _names(items: Any) -> list:
    out = []
    for entry in items or []:
        for _, item in _branches(entry):
            out.append(item.get("Name") if isinstance(item, dict) else item)
    return out


def digest_action(action: dict, renames: dict[str, str], generated: frozenset) -> dict:
    type_id = action.get("ActionTypeId") or {}
    owner, provider = type_id.get("Owner"), type_id.get("Provider")
    config = action.get("Configuration")
    if isinstance(config, dict) and not (len(config) == 1 and next(iter(config)).startswith(
            ("Fn::", "Ref"))):
        values = {k: normal(v, renames) for k, v in config.items()}
        defaults = DEFAULTS.get((owner, provider), {})
        if SOURCE_ONLY_DEFAULTS.get((owner, provider), type_id.get("Category")) == \
                type_id.get("Category"):
            for k, d in defaults.items():
                values.setdefault(k, d)
        for k in JSON_KEYS:
            if k in values:
                values[k] = _json_value(k, values[k])
    else:
        values = normal(config, renames) if config is not None else {}
    role = normal(action.get("RoleArn"), renames)
    target = _target(role)
    if target is not None and target in generated:
        role = None  # a role pipegen generates for the action: no role, for the round trip
    extra = {k: normal(v, renames) for k, v in action.items() if k not in COMMON}
    files = [item.get("Files") for entry in action.get("OutputArtifacts") or []
             for _, item in _branches(entry) if isinstance(item, dict) and "Files" in item]
    if files:
        extra["OutputFiles"] = normal(files, renames)
    return {
        "name": action.get("Name"),
        "category": type_id.get("Category"),
        "owner": owner,
        "provider": provider,
        "version": _scalar(type_id.get("Version")),
        "run_order": _scalar(action.get("RunOrder", 1)),
        "inputs": _names(action.get("InputArtifacts")),
        "outputs": _names(action.get("OutputArtifacts")),
        "region": normal(action.get("Region"), renames),
        "role": role,
        "namespace": action.get("Namespace"),
        "configuration": values,
        "other": extra,
    }


def _target(v: Any) -> str | None:
    if isinstance(v, dict) and len(v) == 1:
        fn, arg = next(iter(v.items()))
        if fn == "Ref" and isinstance(arg, str):
            return arg
        if fn == "Fn::GetAtt" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return arg[0]
    return None


def digest(template: dict, logical_id: str, renames: dict[str, str] | None = None,
           generated: frozenset = frozenset()) -> dict:
    """The stages and actions of the pipeline `logical_id` in a template, comparable."""
    renames = renames or {}
    props = ((template.get("Resources") or {}).get(logical_id) or {}).get("Properties") or {}
    stages = []
    for cond, stage in (b for entry in props.get("Stages") or [] for b in _branches(entry)):
        actions = []
        for acond, action in (b for entry in stage.get("Actions") or []
                              for b in _branches(entry)):
            d = digest_action(action, renames, generated)
            d["when"] = acond if acond != cond else None
            actions.append(d)
        stages.append({"name": stage.get("Name"), "when": cond, "actions": actions})
    return {"stages": stages}


FIELDS = ("category", "owner", "provider", "version", "run_order", "inputs", "outputs",
          "region", "role", "namespace", "when", "configuration", "other")


def compare(original: dict, compiled: dict) -> list[str]:
    """Differences between two digests, one readable line each (empty when they match)."""
    diffs: list[str] = []
    a_names = [s["name"] for s in original["stages"]]
    b_names = [s["name"] for s in compiled["stages"]]
    if a_names != b_names:
        return [f"stages {a_names} != {b_names}"]
    for sa, sb in zip(original["stages"], compiled["stages"], strict=True):
        where = f"stage {sa['name']}"
        if sa["when"] != sb["when"]:
            diffs.append(f"{where}: condition {sa['when']!r} != {sb['when']!r}")
        acts_a = {x["name"]: x for x in sa["actions"]}
        acts_b = {x["name"]: x for x in sb["actions"]}
        if list(acts_a) != list(acts_b) and sorted(acts_a) != sorted(acts_b):
            diffs.append(f"{where}: actions {list(acts_a)} != {list(acts_b)}")
            continue
        for name, xa in acts_a.items():
            xb = acts_b[name]
            for f in FIELDS:
                if f in ("configuration", "other") and isinstance(xa[f], dict) and \
                        isinstance(xb[f], dict):
                    for k in sorted(set(xa[f]) | set(xb[f])):
                        if xa[f].get(k) != xb[f].get(k):
                            diffs.append(f"{where} action {name}: {k} "
                                         f"{_show(xa[f].get(k))} != {_show(xb[f].get(k))}")
                elif xa[f] != xb[f]:
                    diffs.append(f"{where} action {name}: {f} {_show(xa[f])} != "
                                 f"{_show(xb[f])}")
    return diffs


def _show(v: Any) -> str:
    text = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."
