"""Validated spec data -> the frozen model, with the semantic checks the schema cannot express.

Checks here: names and their uniqueness, source defaults and triggers, default inputs,
run order from `after:` and from artifact flow, artifact flow itself (every input produced
earlier, every output unique), artifact counts per provider, v1/v2 rules, references to
parameters, conditions and resources. Every problem is collected; SpecError is raised once.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from pipegen import cfn, providers, references, stage_settings, store
from pipegen.errors import Diagnostic, SpecError, diag
from pipegen.iam import unique
from pipegen.model import Action, ArtifactStore, Pipeline, PipelineRole, Source, Stage

if TYPE_CHECKING:
    from pipegen.loader import Loaded

DURATION_MINUTES = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}

# Logical ids of the shared resources pipegen may generate (SPEC.md section 8); which of them a
# spec actually generates is references.generated_ids(data).


def minutes(duration: str) -> int:
    """'90s' -> 2 (rounded up), '10m' -> 10, '2h' -> 120."""
    n, unit = int(duration[:-1]), duration[-1]
    total = n * DURATION_MINUTES[unit]
    return int(total) if total == int(total) else int(total) + 1


class BuildContext:
    """What the build phase and providers' checks share: the spec, its spans, the diagnostics."""

    def __init__(self, loaded: Loaded):
        self.loaded = loaded
        self.data: dict = loaded.data
        self.diagnostics: list[Diagnostic] = []
        self.type: str = self.data.get("type", "v2")
        self.sources: list[Source] = []
        self.parameters: dict = self.data.get("parameters", {})
        self.conditions: dict = self.data.get("conditions", {})
        self.resources: dict = self.data.get("resources", {})
        self.unused: dict[str, list[str]] = {}  # section -> declared names nothing uses

    def error(self, code: str, message: str, path: tuple, hint: str | None = None,
              key: bool = False, related: tuple = ()) -> None:
        span = self.loaded.key_span(path) if key else self.loaded.span(path)
        self.diagnostics.append(diag(code, message, span, path, hint, "error", related))

    def warn(self, code: str, message: str, path: tuple, hint: str | None = None) -> None:
        self.diagnostics.append(diag(code, message, self.loaded.span(path), path, hint,
                                     "warning"))

    def v2_only(self, feature: str, path: tuple) -> None:
        if self.type == "v1":
            self.error("PG305", f"{feature} needs a v2 pipeline, and this spec says `type: v1`",
                       path, "remove it, or set `type: v2`", key=True)

    @property
    def source_outputs(self) -> list[str]:
        return [s.output for s in self.sources]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def build(loaded: Loaded) -> tuple[Pipeline, list[Diagnostic]]:
    """The model and its warnings; raises SpecError with every error found."""
    ctx = BuildContext(loaded)
    data = loaded.data
    _check_pipeline(ctx)
    source_stage = data.get("source_stage", "Source")
    sources = _order_sources(ctx, list(_build_sources(ctx)), source_stage)
    ctx.sources = list(sources)
    stages = tuple(_build_stages(ctx, source_stage))
    _check_artifact_flow(ctx, sources, stages)
    _check_regions(ctx, stages)
    _check_references(ctx)
    if ctx.errors:
        raise SpecError(sorted(ctx.errors, key=_location))

    pipeline = Pipeline(
        file=loaded.file,
        name=data["name"],
        pipeline_name=None if data.get("pipeline_name") == "generated"
        else data.get("pipeline_name", data["name"]),
        description=data.get("description"),
        type=ctx.type,
        execution_mode=data.get("execution_mode", "superseded"),
        restart_on_update=data.get("restart_on_update"),
        transform=data.get("transform"),
        tags=data.get("tags", {}),
        parameters=ctx.parameters,
        mappings=data.get("mappings", {}),
        conditions=ctx.conditions,
        variables=data.get("variables", {}),
        role=_build_role(data.get("role", "generated")),
        artifacts=_build_artifacts(data.get("artifacts", {})),
        source_stage=source_stage,
        sources=sources,
        stages=stages,
        resources=ctx.resources,
        outputs=data.get("outputs", {}),
        overrides=data.get("overrides", {}),
        depends_on=tuple(data.get("depends_on", ())),
        acknowledge=frozenset(data.get("acknowledge", ())),
        unused={k: tuple(v) for k, v in ctx.unused.items()},
    )
    warnings = [d for d in ctx.diagnostics if not d.is_error
                and d.code not in pipeline.acknowledge]
    return pipeline, warnings


def _check_pipeline(ctx: BuildContext) -> None:
    data = ctx.data
    if data.get("execution_mode") in ("queued", "parallel"):
        ctx.v2_only(f"execution_mode: {data['execution_mode']}", ("execution_mode",))
    if data.get("variables"):
        ctx.v2_only("pipeline variables", ("variables",))


def _build_role(role: Any) -> PipelineRole:
    if role == "generated":
        return PipelineRole(arn=None)
    if isinstance(role, dict) and not cfn.is_intrinsic(role):
        managed = [*role.get("extra_policies", ()), *role.get("managed_policies", ())]
        return PipelineRole(arn=None, name=role.get("name"),
                            permissions_boundary=role.get("permissions_boundary"),
                            extra_policies=tuple(managed),
                            permissions=tuple(role.get("permissions", ())))
    return PipelineRole(arn=role)


def _build_artifacts(spec: dict) -> ArtifactStore:
    bucket = spec.get("bucket", "generated")
    bucket_name, retain, expire, logs = None, True, None, None
    if isinstance(bucket, dict) and not cfn.is_intrinsic(bucket):
        bucket_name = bucket.get("name")
        logs = bucket.get("access_logs")
        retain = bucket.get("retain", True)
        if cfn.is_intrinsic(bucket.get("expire_after")):
            expire = bucket["expire_after"]  # in days, the property's own unit (SPEC.md)
        elif "expire_after" in bucket:
            # S3 lifecycle rules count whole days: round up.
            expire = max(1, -(-minutes(bucket["expire_after"]) // 1440))
        bucket = None
    elif bucket == "generated":
        bucket = None
    entries = store.grant_entries(spec)
    enc = spec.get("encryption", "aws-managed")
    kind, key = (enc, None) if enc in ("aws-managed", "generated") else ("arn", enc)
    return ArtifactStore(bucket=bucket, bucket_name=bucket_name, retain=retain,
                         expire_days=expire, encryption=kind, key=key,
                         grant=tuple(unique([r for _, r, _ in entries])),
                         grant_write=tuple(r for _, r, write in entries if write),
                         regions=spec.get("regions", {}), access_logs=logs)


def _build_sources(ctx: BuildContext):
    registry = providers.sources()
    names: dict[str, tuple] = {}
    for i, spec in enumerate(ctx.data["sources"]):
        path = ("sources", i)
        p = registry[spec["provider"]]
        name = spec.get("name", p.default_name)
        if name in names:
            ctx.error("PG301", f"two sources are named '{name}'", path + (("name",) if "name"
                      in spec else ("provider",)), "give each source a distinct `name`",
                      related=(ctx.loaded.span(names[name]),))
        names[name] = path
        output = spec.get("output", f"{name}Source")
        if "output" not in spec and not _artifact_name_ok(output):
            ctx.error("PG308", f"the default output name '{output}' is not a valid artifact "
                      "name", path + ("name",), "artifact names allow letters, digits, '-' and "
                      "'_' only: add `output: NAME`")
        trigger = spec.get("trigger", p.triggers[0])
        if trigger not in p.triggers:
            ctx.error("PG204", f"trigger '{trigger}' is not available for {p.provider} sources; "
                      f"expected one of {', '.join(p.triggers)}", path + ("trigger",))
        fmt = spec.get("format", "zip")
        if fmt == "clone-ref" and not p.clone_ref:
            ctx.error("PG312", f"format: clone-ref is not available for {p.provider} sources",
                      path + ("format",), "clone-ref works with codecommit and connection "
                      "sources only")
        source = Source(name=name, provider=p.provider, output=output, trigger=trigger,
                        format=fmt, namespace=spec.get("namespace"), settings=spec, path=path)
        if p.vcs and "branch" not in spec:
            ctx.error("PG304", f"source '{name}' needs a branch", path,
                      "add `branch: main`: one branch per pipeline; compile one spec per "
                      "branch", key=True)
        p.check(source, ctx)
        yield source


class _OneStep:
    """A source action occupies one run-order level."""

    @staticmethod
    def steps(settings: dict) -> int:
        return 1


def _order_sources(ctx: BuildContext, sources: list[Source], stage: str) -> tuple:
    """Source actions run in parallel unless ordered by `after:` or `run_order:`."""
    if not any("after" in s.settings or "run_order" in s.settings for s in sources):
        return tuple(sources)
    drafts = [dict(name=s.name, stage=stage, settings=s.settings, inputs=(), outputs=(),
                   path=s.path, p=_OneStep) for s in sources]
    names = {s.name: i for i, s in enumerate(sources)}
    levels = _run_orders(ctx, drafts, names)
    return tuple(dataclasses.replace(s, run_order=level)
                 for s, level in zip(sources, levels, strict=True))


def _artifact_name_ok(name: str) -> bool:
    return 1 <= len(name) <= 100 and all(c.isalnum() or c in "-_" for c in name) and name.isascii()


def _build_stages(ctx: BuildContext, source_stage: str):
    seen = {source_stage: ("source_stage",)}
    for si, spec in enumerate(ctx.data["stages"]):
        path = ("stages", si)
        name = spec["name"]
        if name in seen:
            ctx.error("PG301", f"two stages are named '{name}'", path + ("name",),
                      "stage names must be unique in a pipeline (the source stage is "
                      f"'{source_stage}')")
        seen[name] = path
        stage_settings.check(ctx, spec, path)
        actions = _build_actions(ctx, name, spec["actions"], path + ("actions",))
        yield Stage(name=name, actions=actions, when=spec.get("when"), settings=spec, path=path)


def _build_actions(ctx: BuildContext, stage: str, specs: list[dict], path: tuple):
    registry = providers.actions()
    drafts = []
    names: dict[str, int] = {}
    for ai, spec in enumerate(specs):
        apath = path + (ai,)
        name = spec["name"]
        if name in names:
            ctx.error("PG301", f"two actions in stage '{stage}' are named '{name}'",
                      apath + ("name",), "action names must be unique within a stage")
        names[name] = ai
        provider = spec.get("provider", providers.DEFAULT_PROVIDER.get(spec["type"]))
        p = registry[(spec["type"], provider)]
        if p.v2_only:
            ctx.v2_only(f"the {provider} {spec['type']} action", apath + ("provider",))
        if "inputs" in spec:
            inputs = tuple(spec["inputs"])
        elif p.default_inputs(spec):
            outs = ctx.source_outputs
            if len(outs) == 1:
                inputs = (outs[0],)
            else:
                inputs = ()
                ctx.error("PG303", f"action '{name}' needs `inputs`: the pipeline has "
                          f"{len(outs)} sources", apath, "available source outputs: "
                          + ", ".join(outs), key=True)
        else:
            inputs = ()
        timeout = minutes(spec["timeout"]) if "timeout" in spec else None
        drafts.append(dict(
            name=name, stage=stage, type=spec["type"], provider=provider, inputs=inputs,
            outputs=tuple(spec.get("outputs", ())), namespace=spec.get("namespace"),
            when=spec.get("when"), region=spec.get("region"), role=spec.get("role"),
            timeout_minutes=timeout, configuration=spec.get("configuration", {}),
            settings=spec, path=apath, p=p))
    levels = _run_orders(ctx, drafts, names)
    actions = []
    for d, level in zip(drafts, levels, strict=True):
        p = d.pop("p")
        action = Action(run_order=level, **d)
        p.check(action, ctx)
        actions.append(action)
    return tuple(actions)


def _run_orders(ctx: BuildContext, drafts: list[dict], names: dict[str, int]) -> list[int]:
    """RunOrder per action: explicit `run_order`, else after everything it waits for.

    An action waits for the actions named in `after:` and for any action of the same stage
    that produces one of its inputs (so artifact flow inside a stage orders itself). An
    explicit `run_order` must still come after all of those.
    """
    producers = {o: i for i, d in enumerate(drafts) for o in d["outputs"]}
    deps: list[list[int]] = []
    for i, d in enumerate(drafts):
        wanted = []
        for j, other in enumerate(d["settings"].get("after", [])):
            if other not in names:
                others = [x["name"] for x in drafts if x is not d]
                ctx.error("PG311", f"after: names '{other}', which is not an action of stage "
                          f"'{d['stage']}'", d["path"] + ("after", j),
                          "other actions in this stage: " + ", ".join(others) if others else
                          "this stage has no other action; stages already run one after "
                          "another, so `after:` orders actions within one stage only")
            elif names[other] == i:
                ctx.error("PG310", f"action '{d['name']}' cannot run after itself",
                          d["path"] + ("after", j))
            else:
                wanted.append(names[other])
        wanted += [producers[x] for x in d["inputs"] if x in producers and producers[x] != i]
        deps.append(list(dict.fromkeys(wanted)))

    levels: list[int] = [1] * len(drafts)
    state = [0] * len(drafts)  # 0 new, 1 visiting, 2 done
    stack: list[int] = []

    def visit(i: int) -> int:
        if state[i] == 2:
            return levels[i]
        if state[i] == 1:
            raise _Cycle(stack[stack.index(i):] + [i])
        state[i] = 1
        stack.append(i)
        need, why = 1, None
        for j in deps[i]:
            after_j = visit(j) + drafts[j]["p"].steps(drafts[j]["settings"])
            if after_j > need:
                need, why = after_j, j
        stack.pop()
        explicit = drafts[i]["settings"].get("run_order")
        level = need
        if explicit is not None:
            level = explicit
            if explicit < need:
                d, w = drafts[i], drafts[why]
                when = "at the same time as" if explicit == levels[why] else "before"
                ctx.error("PG345", f"run_order {explicit} would start '{d['name']}' {when} "
                          f"'{w['name']}', which it waits for (run order {levels[why]})",
                          d["path"] + ("run_order",), f"remove `run_order` (pipegen computes "
                          f"{need}), or set it to {need} or more")
        state[i] = 2
        levels[i] = level
        return level

    for i in range(len(drafts)):
        try:
            visit(i)
        except _Cycle as c:
            d = drafts[c.members[0]]
            loop = " -> ".join(f"'{drafts[k]['name']}'" for k in c.members)
            where = "after" if "after" in d["settings"] else "inputs"
            ctx.error("PG310", f"actions {loop} wait for each other in a cycle",
                      d["path"] + (where,), "`after:` and inputs produced in the same stage "
                      "must not form a loop", key=where == "inputs")
            return [1] * len(drafts)
    return levels


class _Cycle(Exception):
    def __init__(self, members: list[int]):
        self.members = members


def _check_artifact_flow(ctx: BuildContext, sources, stages) -> None:
    """Every input produced earlier, every output name unique, counts fit each provider."""
    produced: dict[str, tuple] = {}
    for s in sources:
        if s.output in produced:
            ctx.error("PG301", f"two sources output the artifact '{s.output}'",
                      s.path + ("output",), "output artifact names must be unique")
        produced[s.output] = s.path
    # Who produces what anywhere, to tell "produced later" from "produced nowhere".
    producer = {o: f"'{a.name}' in stage '{st.name}'" for st in stages for a in st.actions
                for o in a.outputs}
    # The CloudFormation conditions an action exists under (its own `when` and its stage's).
    conditions = {a.path: frozenset(c for c in (st.when, a.when) if c) for st in stages
                  for a in st.actions}
    made_under = {o: (a, conditions[a.path]) for st in stages for a in st.actions
                  for o in a.outputs}
    clone_refs = {s.output for s in sources if s.format == "clone-ref"}
    registry = providers.actions()
    for stage in stages:
        # A cycle or a contradicting run_order is reported already; its stage's own
        # artifacts then flow in no meaningful order, so their inputs are not re-reported.
        unordered = any(d.code in ("PG310", "PG345") and d.path[:len(stage.path)] == stage.path
                        for d in ctx.diagnostics)
        stage_outputs = {o for a in stage.actions for o in a.outputs}
        for level in sorted({a.run_order for a in stage.actions}):
            batch = [a for a in stage.actions if a.run_order == level]
            available = list(produced)
            for a in batch:
                _check_inputs(ctx, a, produced, producer, clone_refs, registry,
                              skip=stage_outputs if unordered else set())
                _check_input_conditions(ctx, a, conditions[a.path], made_under)
            for a in batch:
                for k, name in enumerate(a.outputs):
                    path = a.path + ("outputs", k)
                    if name in a.outputs[:k]:
                        ctx.error("PG346", f"'{a.name}' lists the output '{name}' twice", path,
                                  "list each output once")
                    elif name in produced:
                        ctx.error("PG301", f"the artifact '{name}' is already produced by "
                                  "another action", path, "output artifact names must be "
                                  "unique in a pipeline; names taken so far: "
                                  + ", ".join(produced), related=(ctx.loaded.span(produced[name]),))
                    produced.setdefault(name, path)
            for a in batch:
                _check_counts(ctx, a, registry[(a.type, a.provider)], available)


def _check_inputs(ctx: BuildContext, a: Action, produced: dict, producer: dict,
                  clone_refs: set, registry, skip: set) -> None:
    for k, name in enumerate(a.inputs):
        path = a.path + ("inputs", k) if "inputs" in a.settings else a.path
        hint = "outputs produced before this action: " + (", ".join(produced) or "none")
        if name in a.inputs[:k]:
            ctx.error("PG346", f"'{a.name}' lists the input '{name}' twice", path,
                      "list each input once")
        elif name in skip:
            continue
        elif name in a.outputs and name not in produced:
            ctx.error("PG302", f"input '{name}' is the action's own output; an action cannot "
                      "read what it produces", path, hint)
        elif name not in produced and name in producer:
            ctx.error("PG302", f"input '{name}' is not produced before this action: "
                      f"{producer[name]} produces it, and runs later", path,
                      hint + f"; or make '{a.name}' run after its producer")
        elif name not in produced:
            ctx.error("PG302", f"input '{name}' is not produced by any earlier action", path,
                      hint)
        elif name in clone_refs and not registry[(a.type, a.provider)].reads_clone_ref:
            ctx.error("PG312", f"input '{name}' is a clone-ref source output, which only "
                      f"CodeBuild actions can read; '{a.name}' is a {a.provider} action",
                      a.path, "use `format: zip` on the source, or feed it to a CodeBuild "
                      "action only")


def _check_input_conditions(ctx: BuildContext, a: Action, mine: frozenset,
                            made_under: dict) -> None:
    """An input made by a conditional action must not feed an action that outlives it."""
    for k, name in enumerate(a.inputs):
        if name not in made_under:
            continue
        producer, theirs = made_under[name]
        missing = sorted(theirs - mine)
        if missing:
            ctx.error("PG353", f"input '{name}' exists only when {' and '.join(missing)} "
                      f"holds ('{producer.name}' has `when:`), and '{a.name}' does not share "
                      "that condition", a.path + ("inputs", k) if "inputs" in a.settings
                      else a.path, f"add `when: {missing[0]}` to '{a.name}' or its stage, or "
                      "produce the artifact unconditionally")


def _check_counts(ctx: BuildContext, a: Action, p, available: tuple | list = ()) -> None:
    for what, have, (lo, hi) in (("input", a.inputs, p.inputs), ("output", a.outputs,
                                                                  p.outputs)):
        if lo <= len(have) <= hi:
            continue
        key = what + "s"
        if what == "input" and not have and any(d.code == "PG303" and d.path == a.path
                                                 for d in ctx.diagnostics):
            continue  # "needs `inputs`" is reported already
        if lo == hi == 0:
            allowed = f"no {key}"
        elif lo == hi:
            allowed = f"exactly {lo} {what}{'s' if lo != 1 else ''}"
        else:
            allowed = f"{lo} to {hi} {key}"
        hint = f"adjust `{key}`" if key in a.settings else f"add `{key}:`"
        if what == "input":
            hint += "; artifacts available here: " + (", ".join(available) or "none")
        ctx.error("PG307", f"a {a.provider} {a.type} action takes {allowed}, and '{a.name}' "
                  f"has {len(have)}", a.path + ((key,) if key in a.settings else ()), hint,
                  key=key not in a.settings)


def artifact_of(value: Any) -> str | None:
    """The literal ARTIFACT of an `ARTIFACT::path` value, a plain string or a `!Sub` whose text
    starts with it (`!Sub "Built::stack-${Env}.yaml"`); None when there is none to read."""
    if cfn.is_intrinsic(value) and "Fn::If" in value:
        # !If [Cond, "A::x", ""]: every branch that names a file names the same artifact.
        branches = value["Fn::If"][1:] if isinstance(value["Fn::If"], list) else []
        found = {artifact_of(b) for b in branches
                 if b not in ("", {"Ref": "AWS::NoValue"})}
        return found.pop() if len(found) == 1 else None
    if cfn.is_intrinsic(value) and "Fn::Sub" in value:
        body = value["Fn::Sub"]
        value = body if isinstance(body, str) else body[0] if isinstance(body, list) and \
            body and isinstance(body[0], str) else None
    if not isinstance(value, str) or "::" not in value:
        return None
    artifact = value.split("::", 1)[0]
    return None if "${" in artifact else artifact


def check_artifact_path(ctx: BuildContext, action: Action, value: Any, path: tuple) -> None:
    """An `ARTIFACT::path` value must name one of the action's inputs (PG309)."""
    if cfn.is_intrinsic(value) and artifact_of(value) is None:
        ctx.error("PG207", "the artifact part of an ARTIFACT::path must be literal: pipegen "
                  "checks that it names one of the action's inputs, and CodePipeline resolves "
                  "it before CloudFormation could", path, "keep the artifact literal and put "
                  "the intrinsic in the path: !Sub \"ARTIFACT::${Name}.yaml\"")
        return
    artifact = artifact_of(value)
    if artifact is None:
        return
    if artifact not in action.inputs:
        inputs = ", ".join(action.inputs) if action.inputs else "none"
        shown = value if isinstance(value, str) else artifact + "::..."
        ctx.error("PG309", f"'{artifact}' in '{shown}' is not one of the inputs of action "
                  f"'{action.name}'", path, f"the action's inputs: {inputs}; name one of them, "
                  "or add the artifact to `inputs`")


def is_home_region(region: Any) -> bool:
    """`region: !Ref AWS::Region` (or no region) runs the action in the pipeline's region."""
    return region is None or region == {"Ref": "AWS::Region"}


def _check_regions(ctx: BuildContext, stages) -> None:
    """A cross-region action needs an artifact store in its region (artifacts.regions)."""
    artifacts = ctx.data.get("artifacts", {})
    regions = artifacts.get("regions", {})
    entries = store.region_entries(regions)
    for stage in stages:
        for a in stage.actions:
            if a.role is not None:
                _check_cross_account_key(ctx, a, artifacts)
            if is_home_region(a.region) or store.region_store(regions, a.region) is not None:
                continue
            listed = ", ".join(_shown(e["region"]) for e in entries) or "none"
            if cfn.is_intrinsic(a.region):
                ctx.error("PG356", f"action '{a.name}' runs in the region {_shown(a.region)}, "
                          "which has no artifact store", a.path + ("region",),
                          "list its store under the same intrinsic: `artifacts: {regions: "
                          f"[{{region: {_shown(a.region)}, bucket: ...}}]}}` (regions with a "
                          f"store: {listed})")
                continue
            ctx.error("PG356", f"action '{a.name}' runs in {a.region}, which has no artifact "
                      "store", a.path + ("region",), f"add `artifacts: {{regions: {{{a.region}: "
                      f"{{bucket: ...}}}}}}` (regions with a store: {listed}); use `!Ref "
                      "AWS::Region` for the pipeline's own region")


def _shown(region: Any) -> str:
    """A region as the user wrote it: us-west-2, or !Ref SecondRegion."""
    if cfn.is_intrinsic(region):
        fn, arg = next(iter(region.items()))
        short = "!" + fn.removeprefix("Fn::")
        return f"{short} {arg}" if isinstance(arg, str) else short + " " + json.dumps(arg)
    return str(region)


def _check_cross_account_key(ctx: BuildContext, a: Action, artifacts: dict) -> None:
    """An action role (cross-account) must be able to decrypt the artifacts it reads."""
    if is_home_region(a.region):
        return  # the home store's key is checked with every other role in store.check
    entry = store.region_store(artifacts.get("regions", {}), a.region)
    managed = entry is not None and "encryption" not in entry
    fix = (f"give artifacts.regions.{a.region} an `encryption` key ARN" if isinstance(
        a.region, str) else f"give the artifacts.regions entry of {_shown(a.region)} an "
        "`encryption` key ARN")
    if managed:
        ctx.error("PG369", f"action '{a.name}' runs as another role (`role`), and its artifact "
                  "store uses the AWS-managed aws/s3 key, whose key policy cannot be changed to "
                  "let another account decrypt the artifacts", a.path + ("role",),
                  f"{fix}, and list the role in `artifacts.grant`", key=True)


def _check_references(ctx: BuildContext) -> None:
    """CloudFormation values: intrinsic shapes, the names they use, conditions (references.py)."""
    references.check(ctx)
    store.check(ctx)
    from pipegen import action_roles, policy_rules  # the security rules (docs/iam.md)

    action_roles.check(ctx)
    policy_rules.check(ctx)


def _location(d: Diagnostic) -> tuple:
    """Report errors in the order they appear in the file."""
    return (d.span.line, d.span.col) if d.span else (0, 0)
