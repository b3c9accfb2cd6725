"""The shape a pipeline resource must have before the readers look at it.

CloudFormation's own schema for AWS::CodePipeline::Pipeline, reduced to what the readers rely
on: mappings where mappings go, lists where lists go, literal names and action types. A
template that breaks it would not deploy either; import says where (PG706) instead of failing.
"""

from __future__ import annotations

from typing import Any

from pipegen import cfn

SCALAR = (str, int, float, bool)


class ShapeError(Exception):
    def __init__(self, message: str, path: tuple, hint: str | None = None):
        super().__init__(message)
        self.path, self.hint = path, hint


def _fail(what: str, path: tuple, hint: str | None = None) -> None:
    raise ShapeError(what, path, hint)


def _mapping(v: Any, path: tuple, what: str) -> dict:
    if not isinstance(v, dict) or cfn.is_intrinsic(v):
        _fail(f"{what} is not a mapping", path)
    return v


def _items(v: Any, path: tuple, what: str) -> list:
    """A list whose entries may be wrapped in !If [C, entry, !Ref AWS::NoValue]."""
    if not isinstance(v, list):
        _fail(f"{what} is not a list", path)
    out = []
    for i, item in enumerate(v):
        if isinstance(item, dict) and set(item) == {"Fn::If"}:
            args = item["Fn::If"]
            if not (isinstance(args, list) and len(args) == 3 and isinstance(args[0], str)):
                _fail(f"an !If in {what} is not [CONDITION, value, value]", path + (i,))
            for j in (1, 2):
                if args[j] != {"Ref": "AWS::NoValue"}:
                    out.append((args[j], path + (i, "Fn::If", j)))
        else:
            out.append((item, path + (i,)))
    return out


def _literal(v: Any, path: tuple, what: str) -> None:
    if cfn.is_intrinsic(v):
        # CloudFormation resolves it; a spec cannot (names.py resolved those with one value).
        _fail(f"{what} is an intrinsic with no value known before deploy; a spec names "
              "stages, actions and variables literally", path,
              "write the name out: a resource attribute has no value before deploy")
    if not isinstance(v, str) or not v:
        _fail(f"{what} is not a literal name", path)


def check(props: Any, base: tuple) -> None:
    props = _mapping(props, base, "the pipeline's Properties")
    for key in ("ArtifactStore",):
        if key in props:
            store = _mapping(props[key], base + (key,), key)
            if "EncryptionKey" in store:
                _mapping(store["EncryptionKey"], base + (key, "EncryptionKey"), "EncryptionKey")
    if "ArtifactStores" in props:
        for entry, path in _items(props["ArtifactStores"], base + ("ArtifactStores",),
                                  "ArtifactStores"):
            entry = _mapping(entry, path, "an ArtifactStores entry")
            store = _mapping(entry.get("ArtifactStore"), path + ("ArtifactStore",),
                             "ArtifactStore")
            if "EncryptionKey" in store:
                _mapping(store["EncryptionKey"], path + ("ArtifactStore", "EncryptionKey"),
                         "EncryptionKey")
    for key in ("Variables", "Triggers", "Tags"):
        if key in props:
            for entry, path in _items(props[key], base + (key,), key):
                _mapping(entry, path, f"a {key} entry")
                if key == "Variables":
                    _literal(entry.get("Name"), path + ("Name",), "a variable's Name")
    stages = props.get("Stages")
    for stage, spath in _items(stages, base + ("Stages",), "Stages"):
        stage = _mapping(stage, spath, "a stage")
        _literal(stage.get("Name"), spath + ("Name",), "a stage's Name")
        for action, apath in _items(stage.get("Actions"), spath + ("Actions",), "Actions"):
            _action(action, apath)


def _action(action: Any, path: tuple) -> None:
    action = _mapping(action, path, "an action")
    _literal(action.get("Name"), path + ("Name",), "an action's Name")
    tid = _mapping(action.get("ActionTypeId"), path + ("ActionTypeId",), "ActionTypeId")
    for key in ("Category", "Owner", "Provider"):
        _literal(tid.get(key), path + ("ActionTypeId", key), f"ActionTypeId.{key}")
    if not isinstance(tid.get("Version", "1"), SCALAR):
        _fail("ActionTypeId.Version is not a literal", path + ("ActionTypeId", "Version"))
    if "Configuration" in action:
        config = action["Configuration"]
        if not isinstance(config, dict):
            _fail("Configuration is not a mapping", path + ("Configuration",))
    for key in ("InputArtifacts", "OutputArtifacts"):
        if key in action:
            for item, ipath in _items(action[key], path + (key,), key):
                item = _mapping(item, ipath, f"an {key} entry")
    if "RunOrder" in action and not str(action["RunOrder"]).isdigit():
        _fail("RunOrder is not a literal number", path + ("RunOrder",))
    for key in ("Namespace",):
        if key in action and not isinstance(action[key], str):
            _fail(f"{key} is not a literal", path + (key,))
