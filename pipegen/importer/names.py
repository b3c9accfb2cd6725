"""Stage and action names a template writes with an intrinsic, resolved before import reads them.

CloudFormation resolves `Name: !FindInMap [Constants, Pipeline, SourceStageName]` before
CodePipeline sees it, so the pipeline has a literal name; a spec names stages and actions
literally (they are what `after:`, `when:` and the report refer to). An intrinsic with one
value whatever the deploy passes (!FindInMap with literal keys, !Sub without variables) is
replaced by that value, silently: nothing changes. A name read from a parameter
(`!Ref EcsServiceName`, `!Sub "${Repo}-source"`) takes the parameter's default, which is the
name the pipeline gets unless the deploy passes another value; the header says so. A name
with no such value (a parameter without a default, a resource attribute) is left as written
and import says where (PG706).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipegen import cfn

VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def resolve(data: dict, pipeline_id: str) -> list[tuple[str, str]]:
    """Resolve the pipeline's stage and action names in place; (subject, detail) per change."""
    props = ((data.get("Resources") or {}).get(pipeline_id) or {}).get("Properties")
    if not isinstance(props, dict):
        return []
    notes: list[tuple[str, str]] = []
    for stage in _entries(props.get("Stages")):
        _name(data, stage, "stage", notes)
        for action in _entries(stage.get("Actions")):
            _name(data, action, "action", notes)
    return notes


def _entries(items: Any) -> list[dict]:
    """The mappings of a list, including those inside !If [C, entry, entry]."""
    out: list[dict] = []
    if not isinstance(items, list):
        return out
    for item in items:
        if isinstance(item, dict) and set(item) == {"Fn::If"} and \
                isinstance(item["Fn::If"], list) and len(item["Fn::If"]) == 3:
            out += _entries(item["Fn::If"][1:])
        elif isinstance(item, dict) and not cfn.is_intrinsic(item):
            out.append(item)
    return out


def _name(data: dict, entry: dict, what: str, notes: list[tuple[str, str]]) -> None:
    written = entry.get("Name")
    if not cfn.is_intrinsic(written):
        return
    found = evaluate(data, written)
    if found is None:
        return
    value, from_parameters = found
    entry["Name"] = value
    if from_parameters:
        notes.append((f"{what} {value}", f"the template names it {_shown(written)}; a spec "
                      "names stages and actions literally, so it takes the parameter's "
                      "default (deploys that pass another value used to get another name)"))


def evaluate(data: dict, value: Any) -> tuple[str, bool] | None:
    """(the string value, whether a parameter's default decided it), or None if it has none."""
    if isinstance(value, str):
        return value, False
    if not cfn.is_intrinsic(value):
        return None
    fn, arg = next(iter(value.items()))
    if fn == "Ref" and isinstance(arg, str):
        default = _default(data, arg)
        return (default, True) if default is not None else None
    if fn == "Fn::FindInMap" and isinstance(arg, list) and len(arg) == 3:
        keys = [evaluate(data, k) for k in arg]
        if any(k is None for k in keys):
            return None
        table = (data.get("Mappings") or {}).get(keys[0][0])
        row = table.get(keys[1][0]) if isinstance(table, dict) else None
        cell = row.get(keys[2][0]) if isinstance(row, dict) else None
        if not isinstance(cell, str):
            return None
        return cell, any(k[1] for k in keys)
    if fn == "Fn::Sub" and isinstance(arg, str):
        used = False
        parts = []
        last = 0
        for m in VARIABLE.finditer(arg):
            default = _default(data, m.group(1))
            if default is None:
                return None
            parts += [arg[last:m.start()], default]
            used, last = True, m.end()
        parts.append(arg[last:])
        return "".join(parts).replace("${!", "${"), used
    return None


def _default(data: dict, name: str) -> str | None:
    param = (data.get("Parameters") or {}).get(name)
    if not isinstance(param, dict) or "Default" not in param:
        return None
    default = param["Default"]
    if isinstance(default, bool):
        return str(default).lower()
    return str(default) if isinstance(default, (str, int, float)) else None


def _shown(value: dict) -> str:
    """An intrinsic as a user writes it: !Ref EcsServiceName, !Sub "${Repo}-source"."""
    fn, arg = next(iter(value.items()))
    return "!" + fn.removeprefix("Fn::") + " " + (arg if fn == "Ref" else json.dumps(arg))
