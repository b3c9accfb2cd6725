"""CloudFormation value helpers shared by every emitter.

Spec values may be literals or intrinsic functions (plain dicts such as {"Ref": "X"}, as the
loader produces them). troposphere type-checks properties, so intrinsics are wrapped in Raw;
ARNs built from spec values become a single Fn::Sub with the non-literal parts in its map.
"""

from __future__ import annotations

import re
from typing import Any

from troposphere import AWSHelperFn, GetAtt, Ref, Sub

INTRINSIC_KEYS = frozenset({
    "Ref", "Condition", "Fn::Sub", "Fn::GetAtt", "Fn::ImportValue", "Fn::Join", "Fn::Select",
    "Fn::Split", "Fn::FindInMap", "Fn::If", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not",
    "Fn::Base64", "Fn::Cidr", "Fn::GetAZs",
})

PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
})


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in INTRINSIC_KEYS


NO_VALUE = {"Ref": "AWS::NoValue"}


def or_default(value: Any, default: Any) -> Any:
    """value, with `default` where AWS::NoValue stands (on its own or as a branch of an !If).

    AWS::NoValue in an optional key means "as if omitted": the property falls back to AWS's
    default. A copy of the value that pipegen writes elsewhere (an event pattern's list, which
    must not become empty) takes that default explicitly.
    """
    if value == NO_VALUE:
        return default
    if is_intrinsic(value) and "Fn::If" in value and isinstance(value["Fn::If"], list) \
            and len(value["Fn::If"]) == 3:
        condition, yes, no = value["Fn::If"]
        return {"Fn::If": [condition, or_default(yes, default), or_default(no, default)]}
    return value


class Raw(AWSHelperFn):
    """An already-CloudFormation value (an intrinsic from the spec) that troposphere passes on."""

    def __init__(self, data: Any):
        self.data = data


def value(v: Any) -> Any:
    """A spec value ready for a troposphere property: intrinsics wrapped, containers walked."""
    if is_intrinsic(v):
        return Raw(v)
    if isinstance(v, dict):
        return {k: value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [value(x) for x in v]
    return v


def plain(v: Any) -> Any:
    """The JSON form of a value that may hold troposphere objects."""
    if isinstance(v, AWSHelperFn):
        return plain(v.to_dict())
    if hasattr(v, "to_dict"):
        return plain(v.to_dict())
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def _escape_sub(text: str) -> str:
    # A literal "${" inside Fn::Sub must be written "${!".
    return text.replace("${", "${!")


def sub(fmt: str, **values: Any) -> Any:
    """Fn::Sub of fmt, where {name} placeholders take spec values (literal or intrinsic).

    Literal values are inlined (escaped). An intrinsic is kept as one: `!Ref X` becomes
    `${X}`, a `!Sub` (or troposphere Sub) has its text inlined and its variables merged, any
    other intrinsic goes to the Sub variable map. fmt itself may use ${AWS::Region}-style
    pseudo parameters and ${Logical} references directly. Returns a plain string when nothing
    needs substituting.
    """
    variables: dict[str, Any] = {}

    def repl(match: re.Match) -> str:
        name = match.group(1)
        v = values[name]
        data = v.to_dict() if isinstance(v, AWSHelperFn) else v
        if isinstance(data, dict) and set(data) == {"Ref"} and isinstance(data["Ref"], str):
            return "${" + data["Ref"] + "}"
        if isinstance(data, dict) and set(data) == {"Fn::Sub"}:
            body = data["Fn::Sub"]
            text, inner = (body, {}) if isinstance(body, str) else (body[0], body[1])
            if all(k not in variables or _same(variables[k], x) for k, x in inner.items()):
                variables.update(inner)
                return text
        if isinstance(v, (Ref, GetAtt, Sub, Raw)) or is_intrinsic(v):
            var = f"V{name[0].upper()}{name[1:]}"
            variables[var] = v if isinstance(v, AWSHelperFn) else Raw(v)
            return "${" + var + "}"
        return _escape_sub(str(v))

    text = re.sub(r"(?<!\$)\{(\w+)\}", repl, fmt)
    if variables:
        return Sub(text, **{k: x if isinstance(x, AWSHelperFn) else Raw(x)
                            for k, x in variables.items()})
    if "${" in text.replace("${!", ""):
        return Sub(text)
    return text.replace("${!", "${")


def _same(a: Any, b: Any) -> bool:
    return plain(a) == plain(b)


def with_suffix(value: Any, suffix: str) -> Any:
    """value + suffix, for a literal, a troposphere Sub or a spec intrinsic (kept one)."""
    if isinstance(value, str):
        return value + suffix
    return sub("{v}" + _escape_sub(suffix), v=value)


def arn(service: str, resource: str, /, *, region: bool = True, account: bool = True,
        **values: Any) -> Any:
    """An ARN in this stack's partition (and region and account unless told otherwise)."""
    r = "${AWS::Region}" if region else ""
    a = "${AWS::AccountId}" if account else ""
    return sub(f"arn:${{AWS::Partition}}:{service}:{r}:{a}:{resource}", **values)


def json_string(obj: Any) -> Any:
    """JSON text of obj for a string-typed property; intrinsics inside become an Fn::Join."""
    import json

    marker = "\x00pipegen-intrinsic-{}\x00"
    found: list[Any] = []

    def strip(v: Any) -> Any:
        if is_intrinsic(v) or isinstance(v, AWSHelperFn):
            found.append(v)
            return marker.format(len(found) - 1)
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    text = json.dumps(strip(obj), separators=(",", ":"), ensure_ascii=False)
    if not found:
        return text
    parts: list[Any] = []
    for piece in re.split(r'"\\u0000pipegen-intrinsic-(\d+)\\u0000"', text):
        parts.append(piece)
    out: list[Any] = []
    for i, piece in enumerate(parts):
        if i % 2 == 0:
            # The intrinsic's value lands inside a JSON string: keep the quotes around it.
            if i > 0:
                piece = '"' + piece
            if i < len(parts) - 1:
                piece = piece + '"'
            if piece:
                out.append(piece)
        else:
            v = found[int(piece)]
            out.append(v if isinstance(v, AWSHelperFn) else Raw(v))
    return Raw({"Fn::Join": ["", [plain(x) for x in out]]})
