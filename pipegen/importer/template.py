"""Load a CloudFormation template for `pipegen import`, and walk the references inside it.

The template goes through pipegen's own loader (YAML with short-form tags, or JSON, which is
YAML): values keep their line and column, duplicate keys and broken YAML are located errors.
What the loader words for a spec ("the spec root") is reworded here for a template, and an
intrinsic function a spec cannot carry (`!Transform`, `Fn::ForEach`, ...) is PG705.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipegen import cfn, loader
from pipegen.errors import Span, SpecError, diag

PIPELINE_TYPE = "AWS::CodePipeline::Pipeline"
# Intrinsics CloudFormation has (some only under a transform) that a spec cannot carry: the
# loader has no short form for them, and pipegen's reference checks do not know them.
UNCARRIED = ("Fn::Transform", "Fn::ForEach", "Fn::Length", "Fn::ToJsonString")
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class Template:
    """A loaded template: its data and where each part was written."""

    file: str
    data: dict
    loaded: loader.Loaded

    @property
    def resources(self) -> dict:
        return self.data.get("Resources") or {}

    def span(self, path: tuple) -> Span:
        return self.loaded.span(path)

    def key_span(self, path: tuple) -> Span:
        return self.loaded.key_span(path)

    def pipelines(self) -> list[str]:
        return [k for k, v in self.resources.items()
                if isinstance(v, dict) and v.get("Type") == PIPELINE_TYPE]


def load(path: str) -> Template:
    """Load and sanity-check a template; SpecError (PG1xx, PG701, PG705) on bad input."""
    try:
        loaded = _load(path)
    except SpecError as e:
        raise SpecError([_reword(d) for d in e.diagnostics]) from None
    data = loaded.data
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        where = ("Resources",) if "Resources" in data else ()
        raise SpecError(diag(
            "PG701", f"{path} is not a CloudFormation template: it has no `Resources` mapping",
            loaded.key_span(where) if where else loaded.span(()), where,
            "give `pipegen import` a CloudFormation template (YAML or JSON) that declares an "
            "AWS::CodePipeline::Pipeline; `pipegen compile` takes specs"))
    if "pipegen" in data:
        raise SpecError(diag(
            "PG701", f"{path} is a pipegen spec, not a CloudFormation template",
            loaded.key_span(("pipegen",)), ("pipegen",),
            f"compile it: `pipegen compile {path}`"))
    problems = []
    for where, fn in _uncarried(data, ()):
        problems.append(diag(
            "PG705", f"{_short(fn)} cannot be carried into a spec: pipegen passes the "
            "intrinsics !Ref, !Sub, !GetAtt, !ImportValue, !Join, !Select, !Split, !FindInMap, "
            "!If, !Base64, !Cidr, !GetAZs and the condition functions", loaded.key_span(where),
            where, "expand it by hand (deploy the template once and read the processed "
            "template from the console, or write the values out), then import again"))
    if problems:
        raise SpecError(problems)
    return Template(str(path), data, loaded)


def _load(path: str) -> loader.Loaded:
    """The loader, with JSON's tabs (whitespace there, refused by YAML) read as spaces."""
    try:
        with open(path, "rb") as f:
            head = f.read(loader.MAX_BYTES + 1)
    except OSError:
        return loader.load_file(path)
    text = head.lstrip()
    if text.startswith(b"{") and b"\t" in head and len(head) <= loader.MAX_BYTES:
        # Inside a JSON string a tab must be escaped, so every raw tab is whitespace; one
        # space for one tab keeps every column.
        return loader.load_text(head.replace(b"\t", b" "), str(path))
    return loader.load_file(path)


def _short(fn: str) -> str:
    return "!" + fn.removeprefix("Fn::")


def _reword(d):
    """Loader diagnostics speak of a spec; an import reads a template."""
    from dataclasses import replace

    if d.code in ("PG105", "PG106"):
        return replace(d, code="PG701", message=(
            "the file is empty: it is not a CloudFormation template" if d.code == "PG105" else
            d.message.replace("the spec root", "the template root") + ", so it is not a "
            "CloudFormation template"), hint="give `pipegen import` a CloudFormation "
            "template (YAML or JSON) that declares an AWS::CodePipeline::Pipeline")
    if d.code == "PG104" and any(f"tag {_short(fn)}" in d.message for fn in UNCARRIED):
        tag = d.message.split()[-1]
        return replace(d, code="PG705", message=f"{tag} cannot be carried into a spec: "
                       "pipegen passes the intrinsics !Ref, !Sub, !GetAtt, !ImportValue, "
                       "!Join, !Select, !Split, !FindInMap, !If, !Base64, !Cidr, !GetAZs and "
                       "the condition functions", hint="expand it by hand (or write the "
                       "values out), then import again")
    return d


def _uncarried(v: Any, path: tuple):
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(k, str) and (k in UNCARRIED or k.startswith("Fn::ForEach::")):
                yield path + (k,), k.split("::")[0] + "::" + k.split("::")[1]
                continue
            yield from _uncarried(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _uncarried(x, path + (i,))


# --- references


def refs(v: Any) -> set[str]:
    """Logical ids (and parameter names) a value references: Ref, GetAtt, ${X} in Sub."""
    found: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if len(x) == 1:
                fn, arg = next(iter(x.items()))
                if fn == "Ref" and isinstance(arg, str):
                    found.add(arg)
                    return
                if fn == "Fn::GetAtt":
                    target = arg[0] if isinstance(arg, list) and arg else (
                        arg.split(".", 1)[0] if isinstance(arg, str) else None)
                    if isinstance(target, str):
                        found.add(target)
                    else:
                        walk(arg)
                    return
                if fn == "Fn::Sub":
                    text, variables = (arg, {}) if isinstance(arg, str) else (
                        (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2
                        else ("", arg))
                    if isinstance(text, str):
                        names = variables if isinstance(variables, dict) else {}
                        for m in _SUB_VAR.finditer(text):
                            name = m.group(1).split(".", 1)[0].strip()
                            if name not in names:
                                found.add(name)
                    walk(variables)
                    return
            for item in x.values():
                walk(item)
        elif isinstance(x, list):
            for item in x:
                walk(item)

    walk(v)
    return found


def resource_refs(body: Any) -> set[str]:
    """What a resource references, DependsOn and Condition included."""
    if not isinstance(body, dict):
        return set()
    found = refs({k: v for k, v in body.items() if k not in ("DependsOn", "Condition")})
    deps = body.get("DependsOn")
    found |= {d for d in ([deps] if isinstance(deps, str) else deps or []) if isinstance(d, str)}
    return found


def rename(v: Any, names: dict[str, str]) -> Any:
    """v with every reference to a key of `names` pointing at its value instead."""
    if not names:
        return v
    if isinstance(v, dict):
        if len(v) == 1:
            fn, arg = next(iter(v.items()))
            if fn == "Ref" and isinstance(arg, str):
                return {"Ref": names.get(arg, arg)}
            if fn == "Fn::GetAtt":
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    return {fn: [names.get(arg[0], arg[0]), *[rename(a, names)
                                                             for a in arg[1:]]]}
                if isinstance(arg, str):
                    head, _, tail = arg.partition(".")
                    return {fn: names.get(head, head) + ("." + tail if tail else "")}
            if fn == "Fn::Sub":
                if isinstance(arg, str):
                    return {fn: _rename_text(arg, names, {})}
                if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
                    variables = arg[1] if isinstance(arg[1], dict) else {}
                    return {fn: [_rename_text(arg[0], names, variables),
                                 rename(arg[1], names)]}
        return {k: rename(x, names) for k, x in v.items()}
    if isinstance(v, list):
        return [rename(x, names) for x in v]
    return v


def _rename_text(text: str, names: dict[str, str], variables: dict) -> str:
    def repl(m: re.Match) -> str:
        body = m.group(1)
        head, dot, tail = body.partition(".")
        if head in variables or head not in names:
            return m.group(0)
        return "${" + names[head] + dot + tail + "}"

    return _SUB_VAR.sub(repl, text)


def is_intrinsic(v: Any) -> bool:
    return cfn.is_intrinsic(v)


def ref_target(v: Any) -> str | None:
    """The logical id a plain `!Ref X` or `!GetAtt X.attr` names, else None."""
    if not isinstance(v, dict) or len(v) != 1:
        return None
    fn, arg = next(iter(v.items()))
    if fn == "Ref" and isinstance(arg, str):
        return arg
    if fn == "Fn::GetAtt":
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            return arg[0]
        if isinstance(arg, str):
            return arg.split(".", 1)[0]
    return None
