"""CloudFormation intrinsic functions: the shapes of their arguments, coded once.

The schema (pipegen.schema) adds ARGUMENTS to its `intrinsic` definition, so a malformed
intrinsic in a typed key is a located schema error; the reference checks (pipegen.references)
judge intrinsics in raw CloudFormation (`resources:`, `outputs:`, `conditions:`) with the same
shapes through `argument_ok`. Both report PG371 with USAGE's words.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema

CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"})


def short(fn: str) -> str:
    """'Fn::Sub' -> '!Sub', 'Ref' -> '!Ref': the form users write."""
    return "!" + fn.removeprefix("Fn::")


# The shapes of intrinsic functions' arguments (CloudFormation's own rules), added to the
# `intrinsic` definition so that `!Ref` with a list, or `!Sub` with a number, is a located schema
# error rather than a broken template. base.json may define an argument itself; that one wins.
_ARRAY = {"type": "array"}
_VALUE = {"$ref": "#/$defs/string_value"}  # a string, or an intrinsic yielding one
_LIST = {"anyOf": [{**_ARRAY, "items": _VALUE}, {"$ref": "#/$defs/intrinsic"}]}
ARGUMENTS = {
    "Ref": {"type": "string", "minLength": 1},
    "Fn::GetAtt": {"anyOf": [
        {"type": "string", "pattern": "^[A-Za-z0-9]+\\..+$"},
        {**_ARRAY, "minItems": 2, "maxItems": 2, "prefixItems": [{"type": "string"}, _VALUE]}]},
    "Fn::Sub": {"anyOf": [
        {"type": "string"},
        {**_ARRAY, "minItems": 2, "maxItems": 2, "prefixItems": [
            {"type": "string"}, {"type": "object", "additionalProperties": _VALUE}]}]},
    "Fn::Join": {**_ARRAY, "minItems": 2, "maxItems": 2, "prefixItems": [{"type": "string"},
                                                                      _LIST]},
    "Fn::Select": {**_ARRAY, "minItems": 2, "maxItems": 2, "prefixItems": [
        {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"},
                   {"$ref": "#/$defs/intrinsic"}]}, _LIST]},
    "Fn::Split": {**_ARRAY, "minItems": 2, "maxItems": 2, "prefixItems": [{"type": "string"},
                                                                       _VALUE]},
    "Fn::FindInMap": {**_ARRAY, "minItems": 3, "maxItems": 4, "items": _VALUE},
    "Fn::If": {**_ARRAY, "minItems": 3, "maxItems": 3, "prefixItems": [{"type": "string"}]},
    "Fn::ImportValue": {"anyOf": [{"type": "string", "minLength": 1},
                                  {"$ref": "#/$defs/intrinsic"}]},
    "Fn::Cidr": {**_ARRAY, "minItems": 3, "maxItems": 3},
}
# How each is written, for the message when its argument is wrong.
USAGE = {
    "Ref": ("the name of a parameter or resource", "!Ref MyParameter"),
    "Fn::GetAtt": ("Resource.Attribute, or [Resource, Attribute]", "!GetAtt MyRole.Arn"),
    "Fn::Sub": ("a string, or [string, {NAME: value}]",
                "!Sub 'arn:${AWS::Partition}:s3:::${Bucket}'"),
    "Fn::Join": ("[delimiter, [values...]]", "!Join [',', [a, b]]"),
    "Fn::Select": ("[index, [values...]] (the list may be an intrinsic such as !Split)",
                   "!Select [0, !GetAZs '']"),
    "Fn::Split": ("[delimiter, string]", "!Split [',', 'a,b']"),
    "Fn::FindInMap": ("[MapName, TopLevelKey, SecondLevelKey]",
                      "!FindInMap [Regions, !Ref 'AWS::Region', Ami]"),
    "Fn::If": ("[CONDITION, value if true, value if false]", "!If [IsProd, large, small]"),
    "Fn::ImportValue": ("an export name", "!ImportValue shared-vpc-id"),
    "Fn::Cidr": ("[ip block, count, cidr bits]", "!Cidr ['10.0.0.0/16', 4, 8]"),
}


@cache
def _validator(fn: str) -> jsonschema.Draft202012Validator:
    from pipegen.schema import composed  # its $defs: string_value, intrinsic

    return jsonschema.Draft202012Validator({"$defs": composed()["$defs"], **ARGUMENTS[fn]})


def argument_ok(fn: str, arg: Any) -> bool:
    """Whether `arg` has the shape `fn` takes (functions without a known shape pass)."""
    return fn not in ARGUMENTS or _validator(fn).is_valid(arg)


def usage(fn: str) -> tuple[str, str | None]:
    """(what fn takes, an example) for PG371's message and hint."""
    return USAGE.get(fn, ("other arguments", None))
