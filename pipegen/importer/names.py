"""Names a template writes with an intrinsic, resolved before import reads them.

CloudFormation resolves `Name: !FindInMap [Constants, Pipeline, SourceStageName]` before
CodePipeline sees it, so the pipeline has a literal name; a spec names stages and actions
literally (they are what `after:`, `when:` and the report refer to). An intrinsic with one
value whatever the deploy passes (!FindInMap with literal keys, !Sub without variables) is
replaced by that value, silently: nothing changes. A name read from a parameter
(`!Ref EcsServiceName`, `!Sub "${Repo}-source"`) takes the parameter's default, which is the
name the pipeline gets unless the deploy passes another value; a parameter without a default
(or a pseudo parameter) names it after itself (`!Ref GitHubRepoName` -> GitHubRepoName): a
stage or action name is a label. The header says so. A name read from a resource attribute is
left as written and import says where (PG706).

Artifact names are internal to the pipeline (nothing outside it reads them), so an intrinsic
artifact name (`!Sub "${AppName}-BuildArtifact"`, `!Ref AWS::StackName`) always gets a literal
one: its value when it has one regardless of the deploy, else the literal text it holds
("BuildArtifact"), and every `!Sub "${AppName}-BuildArtifact::path"` of the pipeline's
Configuration follows it. pipegen checks artifact flow by name, so the spec's are literal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipegen import cfn

VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
NAME = re.compile(r"[A-Za-z0-9.@_-]{1,100}")
ARTIFACT = re.compile(r"[A-Za-z0-9_-]{1,100}")


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


def artifacts(data: dict, pipeline_id: str) -> list[tuple[str, str]]:
    """Give the pipeline's intrinsic artifact names literal ones, in place; notes per name."""
    props = ((data.get("Resources") or {}).get(pipeline_id) or {}).get("Properties")
    if not isinstance(props, dict):
        return []
    actions = [a for stage in _entries(props.get("Stages"))
               for a in _entries(stage.get("Actions"))]
    entries = [e for a in actions for key in ("InputArtifacts", "OutputArtifacts")
               for e in _entries(a.get(key))]
    taken = {e["Name"] for e in entries if isinstance(e.get("Name"), str)}
    chosen: dict[str, str] = {}  # json of the intrinsic -> its literal name
    notes: list[tuple[str, str]] = []
    for e in entries:
        written = e.get("Name")
        if not cfn.is_intrinsic(written):
            continue
        key = json.dumps(written, sort_keys=True)
        if key not in chosen:
            chosen[key] = _unique(_literal_name(data, written), taken)
            taken.add(chosen[key])
            notes.append((f"artifact {chosen[key]}", f"the template names it {_shown(written)}; "
                          "artifact names are internal to the pipeline and pipegen checks the "
                          "flow by name, so the spec names it literally"))
        e["Name"] = chosen[key]
    if chosen:
        prefixes = {_text_of(json.loads(k)): v for k, v in chosen.items()}
        prefixes.pop(None, None)
        for a in actions:
            if isinstance(a.get("Configuration"), dict):
                a["Configuration"] = _repath(a["Configuration"], prefixes)
    return notes


def _text_of(value: Any) -> str | None:
    """The !Sub text an artifact name stands for: "${AppName}-Built", or "${X}" for !Ref X."""
    fn, arg = next(iter(value.items()))
    if fn == "Fn::Sub":
        return arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg and \
            isinstance(arg[0], str) else None
    if fn == "Ref" and isinstance(arg, str):
        return "${" + arg + "}"
    return None


def _repath(v: Any, prefixes: dict[str, str]) -> Any:
    """`!Sub "${AppName}-Built::t.yaml"` -> "Built::t.yaml" (or a !Sub if variables remain)."""
    if isinstance(v, dict):
        if set(v) == {"Fn::Sub"}:
            arg = v["Fn::Sub"]
            text = arg if isinstance(arg, str) else arg[0] if isinstance(arg, list) and arg \
                else None
            for old, new in prefixes.items():
                if isinstance(text, str) and text.startswith(old + "::"):
                    rest = new + text[len(old):]
                    if isinstance(arg, list):
                        return {"Fn::Sub": [rest, *arg[1:]]}
                    return {"Fn::Sub": rest} if "${" in rest else rest
            return v
        return {k: _repath(x, prefixes) for k, x in v.items()}
    if isinstance(v, list):
        return [_repath(x, prefixes) for x in v]
    return v


def _literal_name(data: dict, value: dict) -> str:
    found = evaluate(data, value)
    if found is not None and not found[1] and ARTIFACT.fullmatch(found[0]):
        return found[0]
    text = _text_of(value) or ""
    plain = re.sub(r"[^A-Za-z0-9_-]+", "-", VARIABLE.sub("", text).replace("AWS::", ""))
    plain = plain.strip("-_")[:100]
    if not plain:
        # `!Ref AWS::StackName`: the variable's own name says what it was.
        inner = VARIABLE.findall(text)
        plain = re.sub(r"[^A-Za-z0-9]", "", inner[0].split("::")[-1]) if inner else ""
    return plain or "Artifact"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name}{n}" in taken:
        n += 1
    return f"{name}{n}"


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
        # A parameter without a default (or a pseudo parameter): the name is a label, so it
        # is named after what it reads.
        found = evaluate(data, written, by_name=True)
        if found is None or not NAME.fullmatch(found[0]):
            return
        entry["Name"] = found[0]
        _add(notes, (f"{what} {found[0]}", f"the template names it {_shown(written)}, which "
                      "has no value before deploy; a spec names stages and actions literally, "
                      "so it is named after what it reads (deploys named it after the value)"))
        return
    value, from_parameters = found
    entry["Name"] = value
    if from_parameters:
        _add(notes, (f"{what} {value}", f"the template names it {_shown(written)}; a spec "
                      "names stages and actions literally, so it takes the parameter's "
                      "default (deploys that pass another value used to get another name)"))


def _add(notes: list[tuple[str, str]], note: tuple[str, str]) -> None:
    if note not in notes:  # one note for a name two stages share
        notes.append(note)


def evaluate(data: dict, value: Any, by_name: bool = False) -> tuple[str, bool] | None:
    """(the string value, whether a parameter decided it), or None if it has none.

    `by_name` reads a parameter without a default, or a pseudo parameter, as its own name
    (`!Ref GitHubRepoName` -> "GitHubRepoName", `${AWS::StackName}` -> "StackName").
    """
    if isinstance(value, str):
        return value, False
    if not cfn.is_intrinsic(value):
        return None
    fn, arg = next(iter(value.items()))
    if fn == "Ref" and isinstance(arg, str):
        default = _default(data, arg, by_name)
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
            default = _default(data, m.group(1), by_name)
            if default is None:
                return None
            parts += [arg[last:m.start()], default]
            used, last = True, m.end()
        parts.append(arg[last:])
        return "".join(parts).replace("${!", "${"), used
    return None


def _default(data: dict, name: str, by_name: bool = False) -> str | None:
    param = (data.get("Parameters") or {}).get(name)
    if by_name and (name.startswith("AWS::") or isinstance(param, dict) and
                    "Default" not in param):
        return name.removeprefix("AWS::")
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
