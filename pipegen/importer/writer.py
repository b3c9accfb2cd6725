"""A spec as YAML for people: short-form intrinsics, flow style for short collections, a header.

Intrinsics are written in their short form (`!Ref X`, `!GetAtt X.Arn`, `!Sub "..."`) except
where YAML cannot: a tag on a value that is itself an intrinsic (`!Base64 !Sub ...` is two
tags on one node), which keeps the inner one in its long form. Strings that pipegen's YAML 1.2
loader would read as something else (`0o17`, `true`, `1e3`) are quoted.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from pipegen import cfn, loader

SHORT = {v: k for k, v in loader.INTRINSICS.items()}
SHORT_TAGS = frozenset(SHORT.values())
FLOW_WIDTH = 72  # a collection that fits in this many characters is written on one line
WIDTH = 100


class _Block(dict):
    """A section written as a block whatever its size (top-level sections read as sections)."""


BLOCK_SECTIONS = ("parameters", "mappings", "conditions", "variables", "resources", "outputs",
                  "overrides")


class _Dumper(yaml.SafeDumper):
    def choose_scalar_style(self):
        # PyYAML writes a tagged scalar quoted (`!Ref 'X'`); plain reads better and the
        # loader reads it back the same, so write it plain wherever YAML allows.
        event = self.event
        if event.tag in SHORT_TAGS and not event.style and event.value:
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            a = self.analysis
            plain = a.allow_flow_plain if self.flow_level else a.allow_block_plain
            if plain and not a.multiline and not _needs_quotes(event.value):
                return ""
        return super().choose_scalar_style()


def _needs_quotes(text: str) -> bool:
    return any(r.match(text) for r in (loader._NULL_RE, loader._BOOL_RE, loader._INT_RE,
                                       loader._FLOAT_RE))


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and len(value) > 1:
        style = "|" if not any(line != line.rstrip() for line in value.split("\n")) else None
        if style:
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    style = '"' if _needs_quotes(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flat_length(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def _simple(value: Any) -> bool:
    """Short collections of scalars (and one-level intrinsics) read best on one line."""
    if isinstance(value, dict):
        if cfn.is_intrinsic(value):
            arg = next(iter(value.values()))
            return not isinstance(arg, (dict, list)) or all(
                not isinstance(x, (dict, list)) or _simple(x) for x in arg) if isinstance(
                arg, list) else not isinstance(arg, dict)
        return all(not isinstance(v, (dict, list)) or (cfn.is_intrinsic(v) and _simple(v))
                   or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v))
                   for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, (dict, list)) or (cfn.is_intrinsic(v) and _simple(v))
                   for v in value)
    return True


def _dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    if cfn.is_intrinsic(value):
        return _intrinsic(dumper, value)
    flow = bool(value) and _simple(value) and _flat_length(value) <= FLOW_WIDTH
    node = dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flow)
    return node


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    flow = not value or (_simple(value) and _flat_length(value) <= FLOW_WIDTH)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _intrinsic(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    fn, arg = next(iter(value.items()))
    tag = SHORT.get(fn)
    if tag is None or (isinstance(arg, dict) and cfn.is_intrinsic(arg)):
        # No short form, or a tag on a tagged node: the long form (a plain mapping).
        return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(),
                                        flow_style=_flat_length(value) <= FLOW_WIDTH and
                                        _simple(arg) if isinstance(arg, (list, dict)) else True)
    if fn == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and \
            all(isinstance(x, str) for x in arg):
        return dumper.represent_scalar(tag, f"{arg[0]}.{arg[1]}")
    if isinstance(arg, str):
        node = _str(dumper, arg)
        return yaml.ScalarNode(tag, node.value, style=node.style)
    if isinstance(arg, list):
        node = _list(dumper, arg)
        node.tag = tag
        return node
    if isinstance(arg, dict):
        node = _dict(dumper, arg)
        node.tag = tag
        return node
    node = dumper.represent_data(str(arg) if arg is not None else "")
    return yaml.ScalarNode(tag, node.value, style=node.style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Block, lambda d, v: d.represent_mapping(
    "tag:yaml.org,2002:map", v.items(), flow_style=False))
_Dumper.add_representer(dict, _dict)
_Dumper.add_representer(list, _list)


def _ignore_aliases(self, data) -> bool:  # noqa: ARG001 - every value written out in full
    return True


_Dumper.ignore_aliases = _ignore_aliases


def dump(spec: dict, header: list[str]) -> str:
    """The spec as YAML, with the header lines as a leading comment."""
    spec = {k: _Block(v) if k in BLOCK_SECTIONS and isinstance(v, dict) else v
            for k, v in spec.items()}
    body = yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH,
                     default_flow_style=False, indent=2)
    body = _spaced(body)
    lines = [("# " + line).rstrip() for line in header]
    return "\n".join(lines) + "\n" + body


def _spaced(text: str) -> str:
    """A blank line before each top-level section after the first few, for the eye."""
    out = []
    for line in text.splitlines():
        if line and not line.startswith((" ", "-", "#")) and line.split(":")[0] in (
                "parameters", "mappings", "conditions", "variables", "role", "artifacts",
                "sources", "stages", "resources", "outputs", "overrides"):
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"
