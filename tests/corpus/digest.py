"""Structural digest of the CodePipeline pipelines in a CloudFormation template.

A digest keeps what a pipeline *does* and drops how a template spells it: per pipeline, its
type, artifact store shape and stages; per action, category/owner/provider/version, run order,
input and output artifacts, region, whether it has its own role, its namespace and the KEYS of
its Configuration (values differ legitimately between a hand-written template and pipegen's,
e.g. a project name `!Ref CodeBuildProject` against `!Ref PackageProject`). Logical ids are not
kept. Any value that is an intrinsic function becomes the string "<intrinsic>".

The corpus tests (tests/corpus/) digest each public original once (digest.json) and compare it
with the digest of what pipegen compiles from the spec written for it; `compare` lists the
differences. The `import` work (issue 12) reuses this module on /work/corpus/originals.

Usage: python tests/corpus/digest.py TEMPLATE [TEMPLATE...]  (prints the digest as JSON)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

INTRINSIC = "<intrinsic>"


def load_template(path: str | Path) -> dict:
    """Parse a CloudFormation template (YAML with short-form tags, or JSON) into plain data."""
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if template is None:
        raise ValueError(f"{path}: not a CloudFormation template: {matches}")
    return _plain(template)


def _plain(value: Any) -> Any:
    # cfn-lint's decoder returns str/dict/list subclasses carrying marks; digests are plain.
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value
    return str(value)


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))


def _scalar(value: Any) -> Any:
    """A literal as a string (CodePipeline reads "1" and 1 alike), an intrinsic as a marker."""
    if value is None:
        return None
    if _is_intrinsic(value):
        return INTRINSIC
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _branches(item: Any) -> list[tuple[str | None, Any]]:
    """A list entry, or the entries of a `Fn::If` around it (AWS::NoValue branches dropped)."""
    if isinstance(item, dict) and set(item) == {"Fn::If"}:
        cond, then, other = item["Fn::If"]
        out = []
        for branch in (then, other):
            if isinstance(branch, dict) and branch.get("Ref") == "AWS::NoValue":
                continue
            out.extend((cond, inner) for _, inner in _branches(branch))
        return out
    return [(None, item)]


def _artifacts(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    names = []
    for _, item in (b for entry in items for b in _branches(entry)):
        names.append(_scalar(item.get("Name")) if isinstance(item, dict) else _scalar(item))
    return names


def digest_action(action: dict) -> dict:
    type_id = action.get("ActionTypeId") or {}
    config = action.get("Configuration")
    keys = sorted(config) if isinstance(config, dict) else (
        [INTRINSIC] if config is not None else [])
    return {
        "name": _scalar(action.get("Name")),
        "category": _scalar(type_id.get("Category")),
        "owner": _scalar(type_id.get("Owner")),
        "provider": _scalar(type_id.get("Provider")),
        "version": _scalar(type_id.get("Version")),
        "run_order": int(action["RunOrder"]) if isinstance(action.get("RunOrder"), int | str)
        and str(action.get("RunOrder")).isdigit() else (
            INTRINSIC if "RunOrder" in action else 1),
        "inputs": _artifacts(action.get("InputArtifacts")),
        "outputs": _artifacts(action.get("OutputArtifacts")),
        "region": _scalar(action.get("Region")),
        "role": "RoleArn" in action,
        "namespace": _scalar(action.get("Namespace")),
        "configuration_keys": keys,
    }


def digest_pipeline(props: dict) -> dict:
    stages = []
    for cond, stage in (b for entry in props.get("Stages") or [] for b in _branches(entry)):
        actions = []
        for acond, action in (b for entry in stage.get("Actions") or [] for b in _branches(entry)):
            d = digest_action(action)
            if acond is not None:
                d["condition"] = True
            actions.append(d)
        s = {"name": _scalar(stage.get("Name")), "actions": actions}
        if cond is not None:
            s["condition"] = True
        stages.append(s)
    stores = props.get("ArtifactStores")
    if isinstance(stores, list):
        store: Any = sorted(str(_scalar(s.get("Region"))) for _, s in
                            (b for entry in stores for b in _branches(entry)))
    else:
        store = "single"
    return {
        "type": _scalar(props.get("PipelineType")),
        "execution_mode": _scalar(props.get("ExecutionMode")),
        "artifact_store": store,
        "restart_on_update": _scalar(props.get("RestartExecutionOnUpdate")),
        "variables": sorted(str(_scalar(v.get("Name"))) for v in props.get("Variables") or []
                            if isinstance(v, dict)),
        "triggers": len(props.get("Triggers") or []),
        "stages": stages,
    }


def digest(template: dict) -> dict:
    """Digest every AWS::CodePipeline::Pipeline of a parsed template, in logical-id order."""
    resources = template.get("Resources") or {}
    pipelines = [digest_pipeline(r.get("Properties") or {})
                 for _, r in sorted(resources.items())
                 if isinstance(r, dict) and r.get("Type") == "AWS::CodePipeline::Pipeline"]
    return {"pipelines": pipelines}


def digest_file(path: str | Path) -> dict:
    return digest(load_template(path))


# What a digest comparison looks at by default. Names are a team's own words (pipegen keeps
# stage and action names as written, but artifact names are often renamed on translation).
ACTION_FIELDS = ("category", "owner", "provider", "version", "run_order", "region", "namespace")


def compare(original: dict, compiled: dict, *, names: bool = True,
            artifacts: bool = False, fields: tuple[str, ...] = ACTION_FIELDS,
            pipeline_fields: tuple[str, ...] = ("artifact_store", "stages"),
            keys: bool = True) -> list[str]:
    """Differences between two digests, one readable line each (empty when they match).

    `keys=False` leaves Configuration keys to a caller that compares them by value (with
    AWS's defaults filled in). `names` compares stage and action names; `artifacts`
    compares artifact names (otherwise
    only how many inputs/outputs each action has). Configuration keys: every key of the
    original must be written (pipegen may add keys, such as an explicit
    PollForSourceChanges). Roles: an action the original runs as its own role must have one
    (pipegen may give more actions their own least-privilege role).
    """
    diffs: list[str] = []
    a_pipes, b_pipes = original["pipelines"], compiled["pipelines"]
    if len(a_pipes) != len(b_pipes):
        return [f"{len(a_pipes)} pipeline(s) in the original, {len(b_pipes)} compiled"]
    for p, (a, b) in enumerate(zip(a_pipes, b_pipes, strict=True)):
        for f in pipeline_fields:
            if f != "stages" and a.get(f) != b.get(f):
                diffs.append(f"pipeline {p}: {f} {a.get(f)!r} != {b.get(f)!r}")
        if "stages" not in pipeline_fields:
            continue
        if len(a["stages"]) != len(b["stages"]):
            diffs.append(f"pipeline {p}: stages {[s['name'] for s in a['stages']]} != "
                         f"{[s['name'] for s in b['stages']]}")
            continue
        for sa, sb in zip(a["stages"], b["stages"], strict=True):
            where = f"stage {sa['name']}"
            if names and sa["name"] != sb["name"]:
                diffs.append(f"{where}: name != {sb['name']!r}")
            acts_a = sorted(sa["actions"], key=lambda x: (x["run_order"], str(x["name"])))
            acts_b = sorted(sb["actions"], key=lambda x: (x["run_order"], str(x["name"])))
            if len(acts_a) != len(acts_b):
                diffs.append(f"{where}: actions {[x['name'] for x in acts_a]} != "
                             f"{[x['name'] for x in acts_b]}")
                continue
            for xa, xb in zip(acts_a, acts_b, strict=True):
                at = f"{where} action {xa['name']}"
                if names and xa["name"] != xb["name"]:
                    diffs.append(f"{at}: name != {xb['name']!r}")
                for f in fields:
                    if xa.get(f) != xb.get(f):
                        diffs.append(f"{at}: {f} {xa.get(f)!r} != {xb.get(f)!r}")
                missing = [k for k in xa["configuration_keys"]
                           if k not in xb["configuration_keys"]] if keys else []
                if missing:
                    diffs.append(f"{at}: configuration keys not written: {missing}")
                if xa["role"] and not xb["role"]:
                    diffs.append(f"{at}: the original runs as its own role, the compiled "
                                 "action does not")
                for f in ("inputs", "outputs"):
                    if artifacts and xa[f] != xb[f]:
                        diffs.append(f"{at}: {f} {xa[f]} != {xb[f]}")
                    elif len(xa[f]) != len(xb[f]):
                        diffs.append(f"{at}: {len(xa[f])} {f} != {len(xb[f])}")
    return diffs


def main(argv: list[str]) -> int:
    for path in argv:
        print(json.dumps(digest_file(path), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
