"""CloudFormation values in a spec: intrinsic shapes, the names they reference, and their places.

The loader turns `!Sub x` into {"Fn::Sub": "x"}; this module walks every part of the spec that
reaches the template and checks, for each intrinsic, what can be checked before emitting:

- its argument has the shape CloudFormation requires (`!Select [0, list]`, `!If [Cond, a, b]`);
- the names it uses exist: `!Ref` and `${Name}` in `!Sub` name a parameter, a pseudo parameter,
  a resource under `resources:` or a resource pipegen generates; `!GetAtt` a resource;
  `!FindInMap` a declared mapping and keys; `!If`, `when:` and `Condition:` a declared condition;
- condition functions (`!Equals`, `!And`, `!Or`, `!Not`, `!Condition`) appear only under
  `conditions:`, and conditions reference parameters only (they are evaluated before any
  resource exists) and never form a cycle;
- every parameter, condition and mapping is used (cfn-lint would fail the template otherwise).

Names of resources that providers generate (a CodeBuild project, an events role) are known only
after emitting; `check_generated` resolves those against what was actually emitted.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from typing import TYPE_CHECKING, Any

from pipegen import cfn, intrinsics
from pipegen.errors import diag
from pipegen.intrinsics import CONDITION_FUNCTIONS, short
from pipegen.model import generated_ids

if TYPE_CHECKING:
    from pipegen.contexts import BuildContext, EmitContext


# The documented ids of the resources every pipeline's shared parts may generate (SPEC.md
# section 8, docs/logical-ids.md), with what makes pipegen generate each one.
CORE_IDS = {
    "Pipeline": "always generated",
    "PipelineRole": "generated unless `role` is an existing role's ARN",
    "ArtifactBucket": "generated unless `artifacts.bucket` names an existing bucket",
    "ArtifactBucketPolicy": "generated with a generated bucket, or with `artifacts.grant` on an "
                            "existing bucket",
    "ArtifactKey": "generated only with `artifacts.encryption: generated`",
}
# The attributes !GetAtt may read from them (CloudFormation's resource schemas).
CORE_ATTRIBUTES = {
    "Pipeline": ("Version",),
    "PipelineRole": ("Arn", "RoleId"),
    "ArtifactBucket": ("Arn", "DomainName", "DualStackDomainName", "RegionalDomainName",
                       "WebsiteURL"),
    "ArtifactBucketPolicy": (),
    "ArtifactKey": ("Arn", "KeyId"),
}
# Ids whose generation depends on providers (events rules, projects): checked after emitting.
PROVIDER_IDS_NOTE = "see docs/logical-ids.md for the ids pipegen generates"

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_RESOURCE_ATTRIBUTES = ("Type", "Properties", "DependsOn", "Condition", "Metadata",
                        "DeletionPolicy", "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy",
                        "Version")


class Checker:
    """One walk over the spec; errors go to the build context, uses are counted."""

    def __init__(self, ctx: BuildContext):
        self.ctx = ctx
        data = ctx.data
        self.parameters: dict = ctx.parameters
        self.conditions: dict = ctx.conditions
        self.mappings: dict = data.get("mappings", {})
        self.resources: dict = ctx.resources
        # The model's role and store (built before these checks) say what pipegen generates.
        self.generated = generated_ids(ctx.role, ctx.artifacts)
        self.used_parameters: set[str] = set()
        self.used_conditions: set[str] = set()
        self.used_mappings: set[str] = set()
        self.condition_edges: dict[str, set[str]] = {}

    # --- entry point
    def run(self) -> None:
        data = self.ctx.data
        for key, value in data.items():
            if key in ("conditions", "mappings", "resources", "outputs", "parameters", "rules"):
                continue
            if key == "overrides" and isinstance(value, dict):
                self._overrides(value)
                continue
            self.value(value, (key,), raw=key == "overrides")
        for name, body in self.conditions.items():
            self.condition(name, body, ("conditions", name))
        for name, body in data.get("rules", {}).items():
            self.rule(body, ("rules", name))
        self._condition_cycles()
        for name, body in self.resources.items():
            self.resource(name, body, ("resources", name))
        for name, body in data.get("outputs", {}).items():
            self.output(body, ("outputs", name))
        self._depends_on(data.get("depends_on", []))
        self._mapping_values()
        self._parameter_properties()
        self._when()
        self._conditional_emptiness()
        self._parameter_clashes()
        self._unused()

    def _overrides(self, overrides: dict) -> None:
        for key, value in overrides.items():
            if key == "Rules" or str(key).startswith("Rules."):
                # CloudFormation's Rules are written with condition functions (and rule
                # functions such as Fn::Contains): cfn-lint checks them; here they only use
                # parameters.
                self.used_parameters |= _refs(value)
                continue
            self.value(value, ("overrides", key), raw=True)

    # --- values in the spec, in extra resources, outputs and overrides
    def value(self, v: Any, path: tuple, raw: bool = False) -> None:
        """Walk a value; intrinsics are checked. `raw` is CloudFormation text (resources)."""
        if isinstance(v, dict):
            fn = next(iter(v)) if len(v) == 1 else None
            if fn in cfn.INTRINSIC_KEYS and not (raw and fn == "Condition"):
                self.intrinsic(fn, v[fn], path)
                return
            for k, x in v.items():
                self.value(x, path + (k,), raw)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                self.value(x, path + (i,), raw)

    def rule(self, v: Any, path: tuple) -> None:
        """A CloudFormation rule: condition functions and the rule functions (Fn::Contains,
        Fn::EachMemberEquals...) take parameters there; a `!Ref` must name a parameter."""
        if isinstance(v, dict) and len(v) == 1 and next(iter(v)) == "Ref":
            arg = v["Ref"]
            if isinstance(arg, str) and arg not in self.parameters and \
                    not arg.startswith("AWS::"):
                self.error("PG306", f"'{arg}' is not a parameter of this spec; a rule "
                           "checks parameters only", path + ("Ref",),
                           _did_you_mean(arg, list(self.parameters)) or
                           "declare it under `parameters:`")
            elif isinstance(arg, str):
                self.used_parameters.add(arg)
            return
        if isinstance(v, dict):
            for k, x in v.items():
                self.rule(x, path + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                self.rule(x, path + (i,))

    def intrinsic(self, fn: str, arg: Any, path: tuple) -> None:
        inner = path + (fn,)
        if fn in CONDITION_FUNCTIONS:
            self.error("PG372", f"{short(fn)} is a condition function; it may be used only "
                       "under `conditions:`", path, "declare a condition under `conditions:` "
                       "and choose a value here with !If [CONDITION, value, other value]",
                       key=True)
            return
        if not intrinsics.argument_ok(fn, arg):
            self.shape(fn, path)  # the same shapes as the schema's (pipegen.intrinsics)
            return
        check = getattr(self, "_" + fn.removeprefix("Fn::").lower(), None)
        if check is not None:
            check(arg, inner, path)

    def _ref(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.name(arg, path, attribute=None)

    def _getatt(self, arg: Any, inner: tuple, path: tuple) -> None:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        self.name(arg[0], path, attribute=arg[1])
        if cfn.is_intrinsic(arg[1]):
            self.value(arg[1], inner + (1,))

    def _sub(self, arg: Any, inner: tuple, path: tuple) -> None:
        variables: dict = {}
        if isinstance(arg, list):
            text, variables = arg
            for k, x in variables.items():
                self.value(x, inner + (1, k))
        else:
            text = arg
        for match in _SUB_VAR.finditer(text):
            body = match.group(1)
            if body.startswith("!") or body in variables:
                continue  # ${!Literal} is written out as ${Literal}
            name, _, attribute = body.partition(".")
            if not name:
                self.error("PG371", f"!Sub has an empty variable ${{{body}}}", path,
                           "write ${Name}, ${Resource.Attribute}, or ${!Text} for a literal "
                           "${Text}")
                continue
            self.name(name, path, attribute=attribute or None, sub=True)

    def _importvalue(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg, inner)

    def _join(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg[1], inner + (1,))

    def _select(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg[0], inner + (0,))
        self.value(arg[1], inner + (1,))
        if isinstance(arg[1], list) and not cfn.is_intrinsic(arg[0]) and \
                int(arg[0]) >= len(arg[1]):
            self.error("PG371", f"!Select index {arg[0]} is past the end of a list of "
                       f"{len(arg[1])} values", inner + (0,), "indexes start at 0")

    def _split(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg[1], inner + (1,))

    def _findinmap(self, arg: Any, inner: tuple, path: tuple) -> None:
        for i, x in enumerate(arg):
            if cfn.is_intrinsic(x):
                self.value(x, inner + (i,))
        name = arg[0]
        if not isinstance(name, str):
            return
        if name not in self.mappings:
            self.unknown(name, inner + (0,), "mapping", sorted(self.mappings),
                         "declare it under `mappings:`")
            return
        self.used_mappings.add(name)
        top = self.mappings[name]
        if isinstance(arg[1], str) and isinstance(top, dict):
            if arg[1] not in top:
                self.error("PG374", f"mapping '{name}' has no key '{arg[1]}'", inner + (1,),
                           _did_you_mean(arg[1], list(top)) or "keys: " + ", ".join(top))
            elif isinstance(arg[2], str) and isinstance(top[arg[1]], dict) and \
                    arg[2] not in top[arg[1]]:
                second = top[arg[1]]
                self.error("PG374", f"mapping '{name}' has no key '{arg[2]}' under "
                           f"'{arg[1]}'", inner + (2,),
                           _did_you_mean(arg[2], list(second)) or "keys: " + ", ".join(second))

    def _if(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.condition_name(arg[0], inner + (0,))
        self.value(arg[1], inner + (1,))
        self.value(arg[2], inner + (2,))

    def _base64(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg, inner)

    def _cidr(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg, inner)

    def _getazs(self, arg: Any, inner: tuple, path: tuple) -> None:
        self.value(arg, inner)

    # --- names
    def name(self, name: str, path: tuple, attribute: Any, sub: bool = False) -> None:
        """A name used by !Ref (attribute None), !GetAtt or ${...} in !Sub."""
        what = "${" + name + ("." + attribute if isinstance(attribute, str) else "") + "}" \
            if sub else None
        if name in self.parameters:
            self.used_parameters.add(name)
            if attribute is not None:
                self.error("PG306", f"'{name}' is a parameter; "
                           f"{what or '!GetAtt'} needs a resource", path,
                           f"use ${{{name}}}" if sub else f"use !Ref {name}")
            return
        if name in cfn.PSEUDO_PARAMETERS:
            if attribute is not None:
                self.error("PG306", f"'{name}' is a pseudo parameter; it has no attributes",
                           path, f"use ${{{name}}}" if sub else f"use !Ref {name}")
            return
        if name in self.resources:
            return
        if name in self.generated:
            allowed = CORE_ATTRIBUTES[name]
            if isinstance(attribute, str) and attribute not in allowed:
                self.error("PG306", f"'{name}' has no attribute '{attribute}'", path,
                           _did_you_mean(attribute, list(allowed)) or (
                               "attributes: " + ", ".join(allowed) if allowed else
                               f"it has no attributes: use !Ref {name}"))
            return
        if name in self.conditions:
            self.error("PG306", f"'{name}' is a condition, not a parameter or resource", path,
                       f"choose a value with !If [{name}, value, other value]")
            return
        if name in CORE_IDS:
            self.error("PG370", f"'{name}' is not generated by this spec: it is "
                       f"{CORE_IDS[name]}", path, _core_hint(name, self.ctx.data))
            return
        # Possibly a resource a provider generates: resolved after emitting (check_generated).

    def condition_name(self, name: Any, path: tuple) -> None:
        if not isinstance(name, str):
            self.error("PG371", "a condition is named by a literal string", path)
            return
        if name in self.conditions:
            self.used_conditions.add(name)
            return
        self.unknown(name, path, "condition", sorted(self.conditions),
                     "declare it under `conditions:`")

    # --- conditions
    def condition(self, name: str, body: Any, path: tuple) -> None:
        fn = next(iter(body)) if isinstance(body, dict) and len(body) == 1 else None
        if fn not in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            self.error("PG372", f"condition '{name}' must be a condition function", path,
                       "write !Equals [a, b], !And [...], !Or [...] or !Not [...]")
            return
        self.condition_edges[name] = set()
        self.condition_function(name, fn, body[fn], path)

    def condition_function(self, owner: str, fn: str, arg: Any, path: tuple) -> None:
        inner = path + (fn,)
        if fn == "Fn::Equals":
            if not (isinstance(arg, list) and len(arg) == 2):
                self.shape("Fn::Equals", path, "[value, value]")
                return
            for i, x in enumerate(arg):
                self.condition_value(x, inner + (i,))
        elif fn in ("Fn::And", "Fn::Or", "Fn::Not"):
            lo, hi = (1, 1) if fn == "Fn::Not" else (2, 10)
            if not (isinstance(arg, list) and lo <= len(arg) <= hi):
                count = "one condition" if fn == "Fn::Not" else "2 to 10 conditions"
                self.shape(fn, path, f"a list of {count}")
                return
            for i, x in enumerate(arg):
                sub = next(iter(x)) if isinstance(x, dict) and len(x) == 1 else None
                if sub not in CONDITION_FUNCTIONS:
                    self.error("PG372", f"{short(fn)} takes conditions: !Condition NAME, "
                               "!Equals, !And, !Or or !Not", inner + (i,))
                    continue
                self.condition_function(owner, sub, x[sub], inner + (i,))
        elif fn == "Condition":
            self.condition_name(arg, path)
            if isinstance(arg, str) and arg in self.conditions:
                self.condition_edges.setdefault(owner, set()).add(arg)

    def condition_value(self, v: Any, path: tuple) -> None:
        """A value compared by !Equals: a literal or a value function of parameters."""
        if not (isinstance(v, dict) and len(v) == 1):
            if isinstance(v, (dict, list)):
                self.error("PG371", "!Equals compares two values: strings, or intrinsics that "
                           "yield one", path)
            return
        fn = next(iter(v))
        if fn not in cfn.INTRINSIC_KEYS:
            return
        if fn in CONDITION_FUNCTIONS:
            self.error("PG372", f"!Equals compares values; {short(fn)} is a condition",
                       path, "combine conditions with !And, !Or and !Not")
            return
        if fn in ("Fn::GetAtt", "Fn::ImportValue", "Fn::If"):
            self.error("PG372", f"{short(fn)} cannot be used in a condition: conditions are "
                       "evaluated before any resource exists", path,
                       "conditions may use parameters, pseudo parameters and !FindInMap")
            return
        if fn == "Ref" and isinstance(v[fn], str) and v[fn] not in self.parameters and \
                v[fn] not in cfn.PSEUDO_PARAMETERS:
            if v[fn] in self.resources or v[fn] in CORE_IDS:
                self.error("PG372", f"'{v[fn]}' is a resource; a condition can reference "
                           "parameters only, as conditions are evaluated before any resource "
                           "exists", path)
                return
            self.unknown(v[fn], path, "parameter", sorted(self.parameters),
                         "declare it under `parameters:`")
            return
        self.intrinsic(fn, v[fn], path)

    def _condition_cycles(self) -> None:
        state: dict[str, int] = {}

        def visit(name: str, trail: list[str]) -> bool:
            if state.get(name) == 2:
                return False
            if state.get(name) == 1:
                loop = trail[trail.index(name):] + [name]
                self.error("PG371", "conditions refer to each other in a loop: "
                           + " -> ".join(loop), ("conditions", name),
                           "a condition cannot depend on itself", key=True)
                return True
            state[name] = 1
            for nxt in sorted(self.condition_edges.get(name, ())):
                if visit(nxt, trail + [name]):
                    return True
            state[name] = 2
            return False

        for name in self.condition_edges:
            if visit(name, []):
                return

    # --- extra resources and outputs
    def resource(self, name: str, body: dict, path: tuple) -> None:
        for attr in ("DependsOn",):
            deps = body.get(attr)
            deps = [deps] if isinstance(deps, str) else deps or []
            for i, dep in enumerate(deps):
                dpath = path + (attr,) if isinstance(body[attr], str) else path + (attr, i)
                if dep == name:
                    self.error("PG371", f"resource '{name}' depends on itself", dpath)
                elif dep not in self.resources and dep not in self.generated and \
                        dep in CORE_IDS:
                    self.error("PG370", f"'{dep}' is not generated by this spec: it is "
                                   f"{CORE_IDS[dep]}", dpath, _core_hint(dep))
        if "Condition" in body:
            self.condition_name(body["Condition"], path + ("Condition",))
        for attr in ("Properties", "Metadata", "CreationPolicy", "UpdatePolicy"):
            if attr in body:
                self.value(body[attr], path + (attr,), raw=True)

    def output(self, body: Any, path: tuple) -> None:
        if isinstance(body, dict) and not cfn.is_intrinsic(body):
            for cond in ("condition", "Condition"):
                if cond in body:
                    self.condition_name(body[cond], path + (cond,))
            for key in ("value", "export", "description", "Value", "Export", "Description"):
                if key in body:
                    self.value(body[key], path + (key,), raw=True)
        else:
            self.value(body, path, raw=True)

    # --- the rest
    def _depends_on(self, names: list) -> None:
        """`depends_on` names resources; unknown ones are resolved after emitting."""
        for i, name in enumerate(names):
            path = ("depends_on", i)
            if name == "Pipeline":
                self.error("PG306", "the pipeline cannot depend on itself", path,
                           "name the resources it must wait for")
            elif name in self.parameters or name in self.conditions:
                kind = "parameter" if name in self.parameters else "condition"
                self.error("PG306", f"'{name}' is a {kind}; `depends_on` names resources",
                           path, "name a resource under `resources:` or one pipegen generates")
            elif name in CORE_IDS and name not in self.generated:
                self.error("PG370", f"'{name}' is not generated by this spec: it is "
                           f"{CORE_IDS[name]}", path, _core_hint(name))

    def _mapping_values(self) -> None:
        for name, top in self.mappings.items():
            if isinstance(top, dict):
                for k, second in top.items():
                    if isinstance(second, dict):
                        for k2, v in second.items():
                            if cfn.is_intrinsic(v):
                                self.error("PG371", "mapping values must be literal: "
                                           "CloudFormation does not evaluate intrinsics in "
                                           "Mappings", ("mappings", name, k, k2),
                                           "use a parameter or a condition instead")

    def _parameter_properties(self) -> None:
        for name, p in self.parameters.items():
            path = ("parameters", name)
            kind = p.get("type")
            applies = {"min_length": "String", "max_length": "String",
                       "allowed_pattern": "String", "min_value": "Number", "max_value": "Number"}
            for key, wanted in applies.items():
                if key in p and kind != wanted:
                    self.error("PG374", f"`{key}` applies to {wanted} parameters, and '{name}' "
                               f"is {kind}", path + (key,), f"remove `{key}`", key=True)
            for lo, hi in (("min_length", "max_length"), ("min_value", "max_value")):
                # Bounds may be written as CloudFormation reads them, "1" as well as 1.
                if lo in p and hi in p and float(p[lo]) > float(p[hi]):
                    self.error("PG374", f"`{lo}` ({p[lo]}) is greater than `{hi}` ({p[hi]})",
                               path + (lo,))
            if "default" in p:
                self._parameter_default(name, p, path + ("default",))
            # An SSM parameter type's default is the name of the parameter holding the value,
            # not the value: nothing secret is written.
            ssm = isinstance(kind, str) and kind.startswith("AWS::SSM::Parameter::Value<")
            if p.get("no_echo") and p.get("default") not in (None, "") and not ssm:
                self.error("PG376", f"no_echo parameter '{name}' has a default, which the "
                           "template would hold in plain text", path + ("default",),
                           "remove the default and pass the value when deploying (or use a "
                           "dynamic reference such as {{resolve:secretsmanager:NAME}})",
                           key=True)

    def _parameter_default(self, name: str, p: dict, path: tuple) -> None:
        d, kind = p["default"], p.get("type")
        if kind == "Number" and (isinstance(d, bool) or not _is_number(d)):
            self.error("PG374", f"the default of Number parameter '{name}' is not a number",
                       path)
            return
        text = str(d).lower() if isinstance(d, bool) else str(d)
        allowed = p.get("allowed_values")
        if kind == "Number":  # 1.0 and "1" are the allowed value 1
            listed = any(_is_number(x) and float(x) == float(d) for x in allowed or [])
        else:  # true in allowed_values is the string "true", as CloudFormation reads it
            listed = text in [str(x).lower() if isinstance(x, bool) else str(x)
                              for x in allowed or []]
        if allowed and kind != "CommaDelimitedList" and not listed:
            self.error("PG374", f"the default {json.dumps(text)} of parameter '{name}' is not "
                       "one of its allowed_values", path,
                       _did_you_mean(text, [str(x).lower() if isinstance(x, bool) else str(x)
                                            for x in allowed])
                       or "allowed: " + ", ".join(map(str, allowed)))
        pattern = p.get("allowed_pattern")
        if pattern and kind == "String":
            try:
                ok = re.fullmatch(pattern, text) is not None
            except re.error:
                ok = True  # a Java-only regex: CloudFormation checks it at deploy time
            if not ok:
                self.error("PG374", f"the default {json.dumps(text)} of parameter '{name}' does "
                           f"not match its allowed_pattern {pattern}", path)
        if kind == "String":
            if "min_length" in p and len(text) < int(p["min_length"]):
                self.error("PG374", f"the default of parameter '{name}' is shorter than "
                           f"min_length {p['min_length']}", path)
            if "max_length" in p and len(text) > int(p["max_length"]):
                self.error("PG374", f"the default of parameter '{name}' is longer than "
                           f"max_length {p['max_length']}", path)
        if kind == "Number":
            n = float(d)
            if "min_value" in p and n < float(p["min_value"]):
                self.error("PG374", f"the default of parameter '{name}' is below min_value "
                           f"{p['min_value']}", path)
            if "max_value" in p and n > float(p["max_value"]):
                self.error("PG374", f"the default of parameter '{name}' is above max_value "
                           f"{p['max_value']}", path)

    def _when(self) -> None:
        for si, source in enumerate(self.ctx.data.get("sources", [])):
            if isinstance(source, dict) and "when" in source:
                self.condition_name(source["when"], ("sources", si, "when"))
        for si, stage in enumerate(self.ctx.data.get("stages", [])):
            if "when" in stage:
                self.condition_name(stage["when"], ("stages", si, "when"))
            for ai, action in enumerate(stage.get("actions", [])):
                if "when" in action:
                    self.condition_name(action["when"], ("stages", si, "actions", ai, "when"))

    def _conditional_emptiness(self) -> None:
        """PG381: when one condition is false the pipeline or a stage would be left empty.

        Only the plain case is checked (everything under one and the same condition); mixes of
        conditions are left to cfn-lint, which evaluates every scenario.
        """
        stages = self.ctx.data.get("stages", [])
        whens = {s.get("when") for s in stages}
        if stages and len(whens) == 1 and isinstance(next(iter(whens)), str):
            name = next(iter(whens))
            self.error("PG381", f"every stage has `when: {name}`: when it is false the "
                       "pipeline has no stage after the source stage", ("stages", 0, "when"),
                       "leave at least one stage unconditional (a pipeline needs two stages)")
        for si, stage in enumerate(stages):
            actions = stage.get("actions", [])
            whens = {a.get("when") for a in actions}
            if "when" in stage or not actions or len(whens) != 1:
                continue
            name = next(iter(whens))
            if isinstance(name, str):
                self.error("PG381", f"every action of stage '{stage.get('name')}' has "
                           f"`when: {name}`: when it is false the stage has no actions",
                           ("stages", si, "actions", 0, "when"),
                           f"put `when: {name}` on the stage instead")

    def _parameter_clashes(self) -> None:
        for name in self.parameters:
            if name in self.resources or name in self.generated:
                owner = "a resource under `resources:`" if name in self.resources else \
                    "a resource pipegen generates"
                self.error("PG377", f"parameter '{name}' has the same logical id as {owner}",
                           ("parameters", name), "rename the parameter: parameters and "
                           "resources share one namespace in a template", key=True)

    def _unused(self) -> None:
        """PG375, a warning: a migrated stack keeps its parameter interface (SPEC.md).

        The template then waives exactly cfn-lint's unused-declaration rule for that kind
        (emit.py), since cfn-lint has no per-parameter waiver.
        """
        for kind, declared, used, how in (
                ("parameter", self.parameters, self.used_parameters, "reference it with !Ref"),
                ("condition", self.conditions, self.used_conditions,
                 "use it with `when:`, !If or a resource's Condition"),
                ("mapping", self.mappings, self.used_mappings, "read it with !FindInMap")):
            for name in declared:
                if name not in used:
                    section = kind + "s"
                    self.ctx.unused.setdefault(section, []).append(name)
                    self.ctx.diagnostics.append(diag(
                        "PG375", f"{kind} '{name}' is declared but never used",
                        self.ctx.loaded.key_span((section, name)), (section, name),
                        f"remove it, or {how}; kept, it stays in the template's interface "
                        f"and cfn-lint's unused-{kind} rule is waived for the template",
                        "warning"))

    # --- reporting
    def shape(self, fn: str, path: tuple, expected: str | None = None) -> None:
        """PG371: fn's argument has the wrong shape (words from pipegen.intrinsics.USAGE)."""
        usage, example = intrinsics.usage(fn)
        expected = expected or usage
        self.error("PG371", f"{short(fn)} takes {expected}", path + (fn,),
                   f"for example: {example}" if example else None)

    def unknown(self, name: str, path: tuple, kind: str, known: list[str], how: str) -> None:
        hint = _did_you_mean(name, known) or how
        self.error("PG306", f"'{name}' is not a {kind} of this spec", path, hint)

    def error(self, code: str, message: str, path: tuple, hint: str | None = None,
              key: bool = False) -> None:
        self.ctx.error(code, message, path, hint, key=key)


def _is_number(v: Any) -> bool:
    """A finite number, or text CloudFormation reads as one ("inf" and "nan" are not)."""
    if isinstance(v, bool):
        return False
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _did_you_mean(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name, known, n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _core_hint(name: str, data: dict | None = None) -> str:
    bucket = ((data or {}).get("artifacts") or {}).get("bucket")
    if name == "ArtifactBucket" and bucket is not None and _written(bucket):
        # the value the user already wrote, to copy (a Ref gives a bucket's name)
        return f"with an existing bucket, use its name: write {_written(bucket)} here, as " \
            "`artifacts.bucket` does"
    return {
        "PipelineRole": "with `role: ARN` the pipeline runs as that role: reference the ARN "
                        "itself",
        "ArtifactBucket": "with an existing bucket, use its name",
        "ArtifactBucketPolicy": "it exists only when pipegen writes the bucket's policy",
        "ArtifactKey": "set `artifacts.encryption: generated` for pipegen to create the key; "
                       "with `encryption: ARN`, use that ARN",
    }.get(name, PROVIDER_IDS_NOTE)


def _written(value: Any) -> str | None:
    """A name as a spec writes it: `shared`, `!Sub x-${Id}`, `!Ref Bucket`; None for others."""
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, dict) and len(value) == 1:
        fn, arg = next(iter(value.items()))
        if isinstance(arg, str) and fn in ("Ref", "Fn::Sub", "Fn::ImportValue"):
            return f"`{short(fn)} {arg}`"
    return None


def check(ctx: BuildContext) -> None:
    Checker(ctx).run()


# --- after emitting: names only providers know


def references(data: dict) -> list[tuple[str, tuple, bool]]:
    """(name, path, is_getatt) for every !Ref, !GetAtt and ${Name} in !Sub outside
    `conditions` and `mappings`, plus resources' DependsOn."""
    found: list[tuple[str, tuple, bool]] = []

    def walk(v: Any, path: tuple) -> None:
        if isinstance(v, dict):
            if len(v) == 1:
                fn, arg = next(iter(v.items()))
                if fn == "Ref" and isinstance(arg, str):
                    found.append((arg, path, False))
                    return
                if fn == "Fn::GetAtt":
                    target = arg.split(".", 1)[0] if isinstance(arg, str) else (
                        arg[0] if isinstance(arg, list) and arg else None)
                    if isinstance(target, str):
                        found.append((target, path, True))
                    return
                if fn == "Fn::Sub":
                    text, variables = (arg, {}) if isinstance(arg, str) else (
                        arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else ("", {})
                    if isinstance(text, str) and isinstance(variables, dict):
                        for m in _SUB_VAR.finditer(text):
                            body = m.group(1)
                            if body and not body.startswith("!") and body not in variables:
                                name = body.split(".", 1)[0]
                                found.append((name, path, "." in body))
                        walk(variables, path + (fn, 1))
                    return
            for k, x in v.items():
                walk(x, path + (k,))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, path + (i,))

    for key, value in data.items():
        if key in ("conditions", "mappings", "parameters"):
            continue
        walk(value, (key,))
    for i, dep in enumerate(data.get("depends_on", [])):
        if isinstance(dep, str):
            found.append((dep, ("depends_on", i), True))
    for name, body in data.get("resources", {}).items():
        deps = body.get("DependsOn") if isinstance(body, dict) else None
        for i, dep in enumerate([deps] if isinstance(deps, str) else deps or []):
            if isinstance(dep, str):
                found.append((dep, ("resources", name, "DependsOn") if isinstance(deps, str)
                              else ("resources", name, "DependsOn", i), True))
    return found


def check_generated(ctx: EmitContext) -> None:
    """Every name the spec references resolves in the emitted template (PG306 if not)."""
    pipeline = ctx.pipeline
    declared = set(pipeline.parameters) | cfn.PSEUDO_PARAMETERS | set(pipeline.resources) | \
        set(ctx.origins)
    for name, path, _ in references(ctx.loaded.data):
        if name in declared or name in CORE_IDS or name in pipeline.conditions:
            continue  # core ids and misuse were reported by the build phase
        known = sorted(set(pipeline.parameters) | set(pipeline.resources) | set(ctx.origins))
        hint = _did_you_mean(name, known) or (
            "declare it under `parameters:` or `resources:`; " + PROVIDER_IDS_NOTE)
        ctx.problems.append(diag(
            "PG306", f"'{name}' is not a parameter, pseudo parameter or resource of this "
            "template", ctx.loaded.span(path), path, hint))


def same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _refs(v: Any) -> set[str]:
    """The names `{Ref: X}` reads anywhere in v."""
    if isinstance(v, dict):
        if set(v) == {"Ref"} and isinstance(v["Ref"], str):
            return {v["Ref"]}
        return set().union(*(_refs(x) for x in v.values())) if v else set()
    if isinstance(v, list):
        return set().union(*(_refs(x) for x in v)) if v else set()
    return set()
