"""Validated spec data -> the frozen model, with the semantic checks the schema cannot express.

Checks here, on the actions as written: names and their uniqueness, source defaults and
triggers, default inputs, `after:` names, providers' own checks, strategies (supported by the
provider, pipegen.strategies), v1/v2 rules, regions, references to parameters, conditions and
resources. Then the expand phase (pipegen/expand.py) turns the written model into the plan
and checks run order and artifact flow on it; `build()` runs both phases and raises SpecError
once with every error of either, so one run reports every independent error.
"""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from pipegen import cfn, expand, flow, providers, references, stage_settings, store, strategies
from pipegen.contexts import (  # noqa: F401  (check_artifact_path, is_home_region: re-exported)
    BuildContext,
    check_artifact_path,
    is_home_region,
    minutes,
)
from pipegen.errors import Diagnostic, SpecError
from pipegen.iam import unique
from pipegen.model import Action, ArtifactStore, Pipeline, PipelineRole, Source, Stage

if TYPE_CHECKING:
    from pipegen.loader import Loaded

def build(loaded: Loaded) -> tuple[Pipeline, list[Diagnostic]]:
    """The expanded model and its warnings; raises SpecError with every error found."""
    ctx = BuildContext(loaded)
    written = build_written(ctx)
    pipeline = expand.expand(written, ctx)
    # Rules over the whole model (several sources or actions), once it is complete.
    for check in providers.pipeline_checks():
        check(pipeline, ctx)
    if ctx.errors:
        raise SpecError(sorted(ctx.errors, key=_location))
    warnings = [d for d in ctx.diagnostics if not d.is_error
                and d.code not in pipeline.acknowledge]
    return pipeline, warnings


def build_written(ctx: BuildContext) -> Pipeline:
    """The model as written (RunOrder not known yet); problems go to ctx.diagnostics."""
    loaded, data = ctx.loaded, ctx.data
    _check_pipeline(ctx)
    _check_keywords(ctx)
    source_stage = data.get("source_stage", "Source")
    sources = _order_sources(ctx, list(_build_sources(ctx)), source_stage)
    ctx.sources = list(sources)
    stages = tuple(_build_stages(ctx, source_stage))
    _check_regions(ctx, stages)
    ctx.role = _build_role(data.get("role", "generated"))
    ctx.artifacts = _build_artifacts(data.get("artifacts", {}))
    _check_references(ctx)
    return Pipeline(
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
        role=ctx.role,
        artifacts=ctx.artifacts,
        source_stage=source_stage,
        sources=sources,
        stages=stages,
        resources=ctx.resources,
        outputs=data.get("outputs", {}),
        overrides=data.get("overrides", {}),
        depends_on=tuple(data.get("depends_on", ())),
        rules=data.get("rules", {}),
        acknowledge=frozenset(data.get("acknowledge", ())),
        unused={k: tuple(v) for k, v in ctx.unused.items()},
    )


def _check_pipeline(ctx: BuildContext) -> None:
    data = ctx.data
    if data.get("execution_mode") in ("queued", "parallel"):
        ctx.v2_only(f"execution_mode: {data['execution_mode']}", ("execution_mode",))
    if data.get("variables"):
        ctx.v2_only("pipeline variables", ("variables",))


# Keys where a word of pipegen's own (`generated`, `aws-managed`) decides what pipegen creates.
_KEYWORDS = {("pipeline_name",): ("generated",), ("role",): ("generated",),
             ("artifacts", "bucket"): ("generated",),
             ("artifacts", "encryption"): ("aws-managed", "generated")}


def _check_keywords(ctx: BuildContext) -> None:
    """pipegen's own words are read before CloudFormation runs, so an intrinsic cannot choose
    them (`!If [C, generated, ARN]` would hand CloudFormation the word itself): PG240."""
    spots = [(path, words, ctx.data) for path, words in _KEYWORDS.items()]
    spots += [(("sources", i, "connection"), ("generated",), ctx.data)
              for i in range(len(ctx.data.get("sources", ())))]
    for path, words, data in spots:
        value = data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else \
                value[part] if isinstance(value, list) and part < len(value) else None
        if not cfn.is_intrinsic(value):
            continue
        found = _word_in(value, words, path)
        if found is not None:
            key = ".".join(str(p) for p in path if not isinstance(p, int) and p != "sources")
            ctx.error("PG240", f"`{found[0]}` in an intrinsic: pipegen reads `{key}` to decide "
                      "what it creates before CloudFormation resolves the intrinsic, so the "
                      "word would reach the template as a value", found[1],
                      f"write `{key}: {found[0]}` on its own, or give every branch a real "
                      "value (an ARN or name); to create something only under a condition, "
                      "declare it under `resources:` with that condition")


def _word_in(value: Any, words: tuple, path: tuple) -> tuple[str, tuple] | None:
    """The first of `words` found as a whole string inside value, and its path."""
    if isinstance(value, str):
        return (value, path) if value in words else None
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for k, v in items:
        found = _word_in(v, words, path + (k,))
        if found is not None:
            return found
    return None


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
    bucket_name, retain, expire, logs, policy = None, True, None, None, ()
    if isinstance(bucket, dict) and not cfn.is_intrinsic(bucket):
        bucket_name = bucket.get("name")
        logs = bucket.get("access_logs")
        policy = tuple(bucket.get("policy", ()))
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
                         regions=spec.get("regions", {}), access_logs=logs, policy=policy)


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
                        format=fmt, namespace=spec.get("namespace"), settings=spec, path=path,
                        when=spec.get("when"))
        if p.vcs and "branch" not in spec:
            ctx.error("PG304", f"source '{name}' needs a branch", path,
                      "add `branch: main`: one branch per pipeline; compile one spec per "
                      "branch", key=True)
        p.check(source, ctx)
        yield source


class _SourceOrdering:
    """What flow.run_orders reads of its context, for the source stage (written as is)."""

    def __init__(self, ctx: BuildContext):
        self.error = ctx.error

    @staticmethod
    def written_of(step: Any) -> Any:
        return step


def _order_sources(ctx: BuildContext, sources: list[Source], stage: str) -> tuple:
    """Source actions run in parallel unless ordered by `after:` or `run_order:`."""
    if not any("after" in s.settings or "run_order" in s.settings for s in sources):
        return tuple(sources)
    names = {s.name: i for i, s in enumerate(sources)}
    steps = [SimpleNamespace(
        name=s.name, inputs=(), outputs=(), settings=s.settings, written_path=s.path,
        explicit_run_order=s.settings.get("run_order"),
        after=_after(ctx, dict(name=s.name, stage=stage, settings=s.settings, path=s.path),
                     names)) for s in sources]
    levels = flow.run_orders(_SourceOrdering(ctx), steps)
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
        strategy = (strategies.use_of(spec["strategy"], apath + ("strategy",))
                    if "strategy" in spec else None)
        drafts.append(dict(
            name=name, stage=stage, type=spec["type"], provider=provider, inputs=inputs,
            outputs=tuple(spec.get("outputs", ())), namespace=spec.get("namespace"),
            when=spec.get("when"), region=spec.get("region"), role=spec.get("role"),
            timeout_minutes=timeout, configuration=spec.get("configuration", {}),
            settings=spec, path=apath, explicit_run_order=spec.get("run_order"),
            strategy=strategy, p=p))
    actions = []
    for d in drafts:
        p = d.pop("p")
        # RunOrder is the expand phase's: it orders the expanded plan (pipegen.flow).
        action = Action(run_order=0, after=_after(ctx, d, names), **d)
        entry = strategies.check(action, ctx)
        if entry is None and action.strategy is not None:
            # Refused (and reported): later checks and phases see the action without it, so
            # none of them reads settings the strategy does not have.
            action = dataclasses.replace(action, strategy=None)
        p.check(action, ctx)
        if entry is not None and entry.check is not None:
            entry.check(action, action.strategy, ctx)
        actions.append(action)
    return tuple(actions)


def _after(ctx: BuildContext, d: dict, names: dict[str, int]) -> tuple[str, ...]:
    """The written `after:` names that are other actions of the stage (the rest reported)."""
    out = []
    for j, other in enumerate(d["settings"].get("after", [])):
        if other not in names:
            others = [x for x in names if x != d["name"]]
            ctx.error("PG311", f"after: names '{other}', which is not an action of stage "
                      f"'{d['stage']}'", d["path"] + ("after", j),
                      "other actions in this stage: " + ", ".join(others) if others else
                      "this stage has no other action; stages already run one after "
                      "another, so `after:` orders actions within one stage only")
        elif other == d["name"]:
            ctx.error("PG310", f"action '{d['name']}' cannot run after itself",
                      d["path"] + ("after", j))
        else:
            out.append(other)
    return tuple(out)


def _check_regions(ctx: BuildContext, stages) -> None:
    """A cross-region action needs an artifact store in its region (artifacts.regions)."""
    artifacts = ctx.data.get("artifacts", {})
    regions = artifacts.get("regions", {})
    entries = store.region_entries(regions)
    for stage in stages:
        for a in stage.actions:
            if a.role is not None:
                _check_cross_account_key(ctx, a, artifacts)
            if a.in_home_region or store.region_store(regions, a.region) is not None:
                continue
            listed = ", ".join(_shown(e["region"]) for e in entries) or "none"
            candidates = store.region_candidates(a.region, ctx.data.get("mappings"))
            if candidates is not None:
                # A lookup: each region it can name has its own store (emit lists them all).
                missing = [c for c in candidates if store.region_store(regions, c) is None]
                if missing:
                    ctx.error("PG356", f"action '{a.name}' runs in the region "
                              f"{_shown(a.region)}, which can be {', '.join(candidates)}; "
                              f"{', '.join(missing)} has no artifact store",
                              a.path + ("region",), "add `artifacts: {regions: {"
                              + ", ".join(f"{m}: {{bucket: ...}}" for m in missing)
                              + "}}` (regions with a store: " + listed + ")")
                continue
            if cfn.is_intrinsic(a.region):
                ctx.error("PG356", f"action '{a.name}' runs in the region {_shown(a.region)}, "
                          "which has no artifact store", a.path + ("region",),
                          "list its store under the same intrinsic: `artifacts: {regions: "
                          f"[{{region: {_shown(a.region)}, bucket: ...}}]}}` (regions with a "
                          f"store: {listed})")
                continue
            ctx.error("PG356", f"action '{a.name}' runs in {a.region}, which has no artifact "
                      "store", a.path + ("region",), f"add `artifacts: {{regions: {{{a.region}: "
                      f"{{bucket: ...}}}}}}` (regions with a store: {listed}); if {a.region} "
                      "is where the pipeline itself is deployed (its home region, which a "
                      "template cannot know), write `region: !Ref AWS::Region` instead")


def _shown(region: Any) -> str:
    """A region as the user wrote it: us-west-2, or !Ref SecondRegion."""
    if cfn.is_intrinsic(region):
        fn, arg = next(iter(region.items()))
        short = "!" + fn.removeprefix("Fn::")
        return f"{short} {arg}" if isinstance(arg, str) else short + " " + json.dumps(arg)
    return str(region)


def _check_cross_account_key(ctx: BuildContext, a: Action, artifacts: dict) -> None:
    """An action role (cross-account) must be able to decrypt the artifacts it reads."""
    if a.in_home_region:
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
    from pipegen import action_roles, policy_rules, secrets  # the security rules (docs/iam.md)

    action_roles.check(ctx)
    policy_rules.check(ctx)
    secrets.check(ctx)


def _location(d: Diagnostic) -> tuple:
    """Report errors in the order they appear in the file."""
    return (d.span.line, d.span.col) if d.span else (0, 0)
