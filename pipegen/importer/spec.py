"""One pipeline of a template -> a spec (plain data, keys in the order the docs use).

The order of work: the artifact store and the pipeline role, then sources and stages (their
readers claim the rules, webhooks, projects and roles pipegen replaces), then everything that
is left: other resources, parameters, mappings, conditions, outputs, pipeline properties
without a spec key (as `overrides`). Renames of replaced resources are applied last, to every
value the spec keeps, so a kept output's `!Ref ArtifactStoreBucket` becomes `!Ref
ArtifactBucket`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipegen import cfn, references
from pipegen.emit import PARAMETER_KEYS
from pipegen.importer.actions import ActionReader
from pipegen.importer.context import ImportContext, tolerant
from pipegen.importer.projects import Projects
from pipegen.importer.sources import DEFAULT_NAMES, SourceReader
from pipegen.importer.template import props_of, ref_target, refs, rename, resource_refs
from pipegen.naming import logical_id

NAME = re.compile(r"^[A-Za-z0-9.@_-]{1,100}$")
PARAMETER_NAMES = {v: k for k, v in PARAMETER_KEYS.items()}
# Pipeline properties a spec types; the rest go to `overrides`.
TYPED_PROPS = ("Name", "PipelineType", "ExecutionMode", "RestartExecutionOnUpdate", "RoleArn",
               "ArtifactStore", "ArtifactStores", "Stages", "Variables", "Tags", "Triggers")
PLACEHOLDER = "Imported"  # provider_name of an action kept raw (the override writes it)


class Unsupported(Exception):
    """The pipeline has a shape a spec cannot hold (PG706)."""

    def __init__(self, message: str, path: tuple, hint: str):
        super().__init__(message)
        self.path, self.hint = path, hint


def build(ctx: ImportContext, stem: str, others: list[str]) -> dict:
    from pipegen.importer import shape

    base = ("Resources", ctx.pipeline_id, "Properties")
    try:
        shape.check(ctx.pipeline.get("Properties"), base)
    except shape.ShapeError as e:
        if e.hint is not None:
            raise Unsupported(str(e), e.path, e.hint) from None
        raise Unsupported(f"{e}, as an AWS::CodePipeline::Pipeline needs", e.path,
                          "fix the template (CloudFormation would refuse it too)") from None
    props = ctx.props
    stages = props.get("Stages")
    if not isinstance(stages, list) or len(stages) < 2:
        raise Unsupported("the pipeline's Stages are not a list of at least two stages",
                          base + ("Stages",), "a pipeline has a source stage and at least one "
                          "more stage")
    ctx.renames[ctx.pipeline_id] = "Pipeline"
    ctx.generated.add("Pipeline")
    for other in others:
        ctx.removed[other] = "another pipeline of the template (--pipeline)"
    spec: dict[str, Any] = {"pipegen": 1}
    _name(ctx, spec, stem)
    data = ctx.template.data
    if isinstance(data.get("Description"), str):
        spec["description"] = data["Description"]
    ptype = props.get("PipelineType", "V1")
    spec["type"] = str(ptype).lower() if isinstance(ptype, str) else ptype
    if "ExecutionMode" in props and props["ExecutionMode"] != "SUPERSEDED":
        spec["execution_mode"] = str(props["ExecutionMode"]).lower()
    if "RestartExecutionOnUpdate" in props:
        flag = props["RestartExecutionOnUpdate"]
        spec["restart_on_update"] = flag if isinstance(flag, bool) else \
            str(flag).lower() == "true"
    transform = data.get("Transform")
    if isinstance(transform, list) and len(transform) == 1:
        transform = transform[0]
    if isinstance(transform, str):
        spec["transform"] = transform
    elif transform is not None:
        ctx.overrides["Transform"] = transform
    tags = _tags(props.get("Tags"))
    if tags:
        spec["tags"] = tags
    store_ids = _store_ids(ctx)
    role = _role(ctx)
    artifacts = _artifacts(ctx)
    projects = Projects(ctx, store_ids)
    sources, source_stage = _sources(ctx, stages[0])
    ctx.source_outputs = [o.get("Name") for a in stages[0].get("Actions") or []
                          for o in a.get("OutputArtifacts") or [] if isinstance(o, dict)]
    built_stages = [_stage(ctx, i, s, projects) for i, s in enumerate(stages) if i > 0]
    if "Variables" in props:
        spec["variables"] = _variables(props["Variables"])
    _triggers(ctx, props.get("Triggers"), sources)
    for key, value in props.items():
        if key not in TYPED_PROPS:
            ctx.overrides[f"Resources.Pipeline.Properties.{key}"] = value
    for key in ("DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy",
                "Metadata"):
        if key in ctx.pipeline:
            value = ctx.pipeline[key]
            if key == "DependsOn":
                value = _depends_on(ctx, value)
                if not value:
                    continue
            ctx.overrides[f"Resources.Pipeline.{key}"] = value
    for section in ("Metadata", "Rules"):
        if section in data:
            ctx.overrides[section] = data[section]

    resources = _resources(ctx)
    # Sections that only the spec's values decide; assembled in the docs' order.
    body: dict[str, Any] = {}
    body["role"] = role
    if artifacts:
        body["artifacts"] = artifacts
    if source_stage != "Source":
        body["source_stage"] = source_stage
    body["sources"] = sources
    body["stages"] = built_stages
    if resources:
        body["resources"] = resources
    outputs = _outputs(ctx)
    if outputs:
        body["outputs"] = outputs
    if ctx.overrides:
        body["overrides"] = dict(ctx.overrides)
    body = rename(body, ctx.renames)
    _clashes(ctx, body)

    used = _used(body, spec)
    head = {"parameters": _parameters(ctx, used), "mappings": _declared(ctx, "Mappings", used),
            "conditions": _declared(ctx, "Conditions", used)}
    for key, value in head.items():
        if value:
            spec[key] = value
    if "variables" in spec:
        spec["variables"] = spec.pop("variables")
    if body["role"] == "generated":
        del body["role"]
    spec.update(body)
    return spec


# --- names


def _name(ctx: ImportContext, spec: dict, stem: str) -> None:
    name = ctx.props.get("Name")
    if isinstance(name, str) and NAME.match(name):
        spec["name"] = name
        return
    base = re.sub(r"[^A-Za-z0-9.@_-]+", "-", stem).strip("-") or "pipeline"
    if len(ctx.template.pipelines()) > 1:
        base = f"{base}-{ctx.pipeline_id}"
    spec["name"] = base[:100]
    if name is None:
        spec["pipeline_name"] = "generated"
        ctx.note("changed", "Name", "the original leaves the pipeline's name to "
                 "CloudFormation; the spec says `pipeline_name: generated`, which does the same")
    else:
        spec["pipeline_name"] = name


def _tags(tags: Any) -> dict:
    out = {}
    for tag in tags or []:
        if isinstance(tag, dict) and isinstance(tag.get("Key"), str):
            out[tag["Key"]] = tag.get("Value")
    return out


def _variables(items: Any) -> dict:
    out = {}
    for v in items or []:
        entry: dict[str, Any] = {}
        if "DefaultValue" in v:
            entry["default"] = v["DefaultValue"]
        if "Description" in v:
            entry["description"] = v["Description"]
        out[v["Name"]] = entry
    return out


# --- store and role


def _store_ids(ctx: ImportContext) -> set[str]:
    props = ctx.props
    stores = [props.get("ArtifactStore")] if "ArtifactStore" in props else [
        (s or {}).get("ArtifactStore") for s in props.get("ArtifactStores") or []
        if isinstance(s, dict)]
    ids = set()
    for store in stores:
        if isinstance(store, dict):
            ids |= refs(store.get("Location")) | refs((store.get("EncryptionKey") or {}).get("Id"))
    return {i for i in ids if i in ctx.resources}


def _only_for_pipeline(ctx: ImportContext, rid: str, allowed_types: tuple = ()) -> list[str]:
    """Users of rid other than this pipeline, its attached policies and replaced things."""
    out = []
    for u in ctx.users(rid):
        if u == ctx.pipeline_id or u in ctx.removed:
            continue
        if ctx.type_of(u) in allowed_types:
            continue
        out.append(u)
    return out


def _role(ctx: ImportContext) -> Any:
    value = ctx.props.get("RoleArn")
    rid = ref_target(value)
    body = ctx.resource(rid)
    if body is None or body.get("Type") != "AWS::IAM::Role":
        ctx.note("kept", "RoleArn", "the pipeline role is kept as written (`role:`): it is "
                 "not defined in this template")
        return value
    others = [u for u in _only_for_pipeline(ctx, rid, ("AWS::IAM::Policy",))
              if not _is_action_role(ctx, u, rid)]
    inside = {k: v for k, v in ctx.props.items() if k != "RoleArn"}
    action_roles = {r for r in refs(inside) if _is_action_role(ctx, r, rid)}
    if rid in refs(inside) - action_roles:
        others.append(f"actions of {ctx.pipeline_id} (as a RoleArn they pass)")
    ctx.original_role = rid
    if others:
        new = "PipelineRole"
        ctx.note("replaced", rid, "pipeline role -> pipegen's PipelineRole (least privilege, "
                 "from the actions used); the original stays in `resources:` for "
                 + ", ".join(others))
        ctx.generated.add(new)
        return "generated"
    for k, v in ctx.resources.items():
        if isinstance(v, dict) and v.get("Type") == "AWS::IAM::Policy" and \
                [ref_target(r) for r in props_of(v).get("Roles") or []] == [rid]:
            ctx.removed[k] = f"policy of {rid}, which pipegen's PipelineRole replaces"
            ctx.note("replaced", k, f"policy of {rid} -> folded into PipelineRole")
    ctx.replace(rid, "PipelineRole", "pipeline role -> pipegen's PipelineRole (least "
                "privilege, from the actions used)")
    return "generated"


def _is_action_role(ctx: ImportContext, rid: str, pipeline_role: str | None) -> bool:
    """A role only the pipeline role may assume, named <...>ActionRole: pipegen's own kind of
    action role (action_roles.py), which compile generates again."""
    body = ctx.resource(rid)
    if body is None or body.get("Type") != "AWS::IAM::Role" or not rid.endswith("ActionRole") \
            or pipeline_role is None:
        return False
    doc = props_of(body).get("AssumeRolePolicyDocument") or {}
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if not isinstance(statements, list) or len(statements) != 1:
        return False
    principal = statements[0].get("Principal") if isinstance(statements[0], dict) else None
    aws = principal.get("AWS") if isinstance(principal, dict) and set(principal) == {"AWS"} \
        else None
    aws = aws if isinstance(aws, list) else [aws]
    return len(aws) == 1 and ref_target(aws[0]) == pipeline_role


def _artifacts(ctx: ImportContext) -> dict:
    props = ctx.props
    if "ArtifactStores" in props:
        return _regional_stores(ctx, props["ArtifactStores"])
    store = props.get("ArtifactStore")
    if not isinstance(store, dict):
        raise Unsupported("the pipeline's ArtifactStore is not a mapping",
                          ("Resources", ctx.pipeline_id, "Properties", "ArtifactStore"),
                          "write the ArtifactStore out (Type: S3, Location: BUCKET)")
    return _store(ctx, store)


BUCKET_PROPS = {"BucketName", "VersioningConfiguration", "BucketEncryption",
                "PublicAccessBlockConfiguration", "OwnershipControls", "Tags", "AccessControl"}
KEY_PROPS = {"Description", "EnableKeyRotation", "KeyPolicy", "Tags", "Enabled",
             "PendingWindowInDays", "KeyUsage", "KeySpec"}


def _store(ctx: ImportContext, store: dict) -> dict:
    out: dict[str, Any] = {}
    location = store.get("Location")
    bid = ref_target(location) if isinstance(location, dict) and set(location) == {"Ref"} \
        else None
    body = ctx.resource(bid)
    if body is not None and body.get("Type") == "AWS::S3::Bucket":
        why = _bucket_kept(body)
        if why is None:
            bucket = _bucket(ctx, bid, body)
            if bucket != "generated":
                out["bucket"] = bucket
        else:
            out["bucket"] = location
            ctx.note("kept", bid, f"artifact bucket kept in `resources:` ({why}); the spec "
                     f"names it: `bucket: !Ref {bid}`")
    elif location is not None:
        out["bucket"] = location
    key = (store.get("EncryptionKey") or {}).get("Id")
    kid = ref_target(key)
    kbody = ctx.resource(kid)
    if kbody is not None and kbody.get("Type") == "AWS::KMS::Key" and \
            not set(props_of(kbody)) - KEY_PROPS and \
            not set(kbody) - {"Type", "Properties", "DeletionPolicy", "UpdateReplacePolicy"}:
        out["encryption"] = "generated"
        grant = _key_grants(kbody)
        own = [p for p in grant if refs(p) & set(ctx.resources)]
        if own:
            # Roles made in this template are this account's: pipegen's key policy lets the
            # account's IAM policies grant the key (a key policy naming them, on a key the
            # bucket is encrypted with, also makes a dependency cycle when they read the
            # bucket).
            grant = [p for p in grant if p not in own]
            names = sorted({r for p in own for r in refs(p) & set(ctx.resources)})
            ctx.note("changed", kid, "the original key policy also named this template's "
                     f"{', '.join(names)}; pipegen's key policy lets the account's IAM "
                     "policies grant the key, so a kept role needs kms:Decrypt (and "
                     "kms:GenerateDataKey to write) on ArtifactKey in its own policy")
        if grant and out.get("bucket") is not None and not isinstance(out["bucket"], dict):
            ctx.note("changed", kid, "the original key policy names other principals, and "
                     "the bucket is kept with its own policy: they are not granted in the "
                     "spec (list them in `artifacts.grant` once the bucket is pipegen's)")
        elif grant:
            out["grant"] = grant
        ctx.replace(kid, "ArtifactKey", "artifact key -> pipegen's ArtifactKey (rotation on; "
                    "the account administers it" + ("; the other principals its policy named "
                                                    "are in `artifacts.grant`" if grant else "")
                    + ")")
    elif key is not None:
        out["encryption"] = key
    return out


def _expiry(config: Any) -> int | None:
    """Days of a lifecycle that only expires objects (pipegen's `expire_after`), or None."""
    rules = config.get("Rules") if isinstance(config, dict) and set(config) == {"Rules"} \
        else None
    if not isinstance(rules, list) or len(rules) != 1 or not isinstance(rules[0], dict):
        return None
    rule = rules[0]
    if rule.get("Status") != "Enabled" or set(rule) - {
            "Id", "Status", "ExpirationInDays", "NoncurrentVersionExpiration",
            "NoncurrentVersionExpirationInDays", "Prefix"} or rule.get("Prefix", "") != "":
        return None
    days = rule.get("ExpirationInDays")
    return int(days) if str(days).isdigit() and int(days) > 0 else None


def _own_waiver(body: dict) -> bool:
    """Whether the bucket's Metadata is only the access-logging skip pipegen writes itself."""
    meta = body.get("Metadata")
    skips = meta.get("checkov", {}).get("skip") if isinstance(meta, dict) and \
        set(meta) == {"checkov"} and isinstance(meta["checkov"], dict) else None
    return isinstance(skips, list) and len(skips) == 1 and isinstance(skips[0], dict) and \
        skips[0].get("id") == "CKV_AWS_18"


def _access_logs(props: dict) -> dict | None:
    """`access_logs` from a LoggingConfiguration pipegen's bucket can hold, else None."""
    logs = props.get("LoggingConfiguration")
    if not isinstance(logs, dict) or "DestinationBucketName" not in logs or \
            set(logs) - {"DestinationBucketName", "LogFilePrefix"}:
        return None
    out = {"bucket": logs["DestinationBucketName"]}
    if "LogFilePrefix" in logs:
        out["prefix"] = logs["LogFilePrefix"]
    return out


@tolerant("its properties are not in the documented shape")
def _bucket_kept(body: dict) -> str | None:
    props = props_of(body)
    extra = set(props) - BUCKET_PROPS
    if "LoggingConfiguration" in extra and _access_logs(props):
        extra.discard("LoggingConfiguration")
    if "LifecycleConfiguration" in extra and _expiry(props["LifecycleConfiguration"]):
        extra.discard("LifecycleConfiguration")
    if extra:
        return "pipegen's bucket has no key for " + ", ".join(sorted(extra))
    if props.get("AccessControl", "Private") != "Private":
        return "it is not private"
    extra = set(body) - {"Type", "Properties", "DeletionPolicy", "UpdateReplacePolicy"}
    if _own_waiver(body):
        extra.discard("Metadata")
    if extra:
        return "it sets " + ", ".join(sorted(extra))
    return None


@tolerant([])
def _key_grants(body: dict) -> list:
    """Roles that the original key policy lets use the key (the account's own aside)."""
    doc = props_of(body).get("KeyPolicy") or {}
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    out: list = []
    for st in statements if isinstance(statements, list) else []:
        principal = st.get("Principal") if isinstance(st, dict) else None
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        for p in aws if isinstance(aws, list) else [aws] if aws is not None else []:
            if "AWS::AccountId" in json.dumps(p):
                continue  # this account: pipegen's key policy lets the account administer it
            role = isinstance(p, str) and p.startswith("arn:") and ":role/" in p
            if (role or cfn.is_intrinsic(p)) and p not in out:
                out.append(p)
    return out


def _bucket(ctx: ImportContext, bid: str, body: dict) -> Any:
    props = props_of(body)
    spec: dict[str, Any] = {}
    if "BucketName" in props:
        spec["name"] = props["BucketName"]
    if body.get("DeletionPolicy") != "Retain":
        spec["retain"] = False
    days = _expiry(props.get("LifecycleConfiguration"))
    if days:
        spec["expire_after"] = f"{days}d"
    if _access_logs(props):
        spec["access_logs"] = _access_logs(props)
    for k, v in ctx.resources.items():
        if isinstance(v, dict) and v.get("Type") == "AWS::S3::BucketPolicy" and \
                ref_target(props_of(v).get("Bucket")) == bid:
            ctx.removed[k] = f"policy of {bid}, which pipegen's ArtifactBucketPolicy replaces"
            ctx.replace(k, "ArtifactBucketPolicy", "bucket policy -> pipegen's "
                        "ArtifactBucketPolicy (TLS only; cross-account readers go in "
                        "`artifacts.grant`)")
    ctx.replace(bid, "ArtifactBucket", "artifact bucket -> pipegen's ArtifactBucket "
                "(versioned, encrypted, public access blocked, TLS-only policy"
                + (", deleted with the stack as the original was" if spec.get("retain") is
                   False else ", retained") + ")")
    return spec or "generated"


def _regional_stores(ctx: ImportContext, stores: Any) -> dict:
    out: dict[str, Any] = {}
    regions: dict[str, Any] = {}
    entries = []
    for entry in stores or []:
        if isinstance(entry, dict) and set(entry) == {"Fn::If"} and \
                isinstance(entry["Fn::If"], list) and len(entry["Fn::If"]) == 3:
            cond, a, b = entry["Fn::If"]
            entry = b if a == {"Ref": "AWS::NoValue"} else a
            if isinstance(cond, str) and cond.startswith("PipegenHomeIs"):
                ctx.removed_conditions.add(cond)  # pipegen writes it again for the region
        entries.append(entry)
    for entry in entries:
        if not isinstance(entry, dict):
            raise Unsupported("an ArtifactStores entry is not a mapping",
                              ("Resources", ctx.pipeline_id, "Properties", "ArtifactStores"),
                              "write it out")
        region, store = entry.get("Region"), entry.get("ArtifactStore") or {}
        if region == {"Ref": "AWS::Region"}:
            out.update(_store(ctx, store))
            continue
        if not isinstance(region, str):
            raise Unsupported("an artifact store's Region is an intrinsic",
                              ("Resources", ctx.pipeline_id, "Properties", "ArtifactStores"),
                              "write the region out")
        regional: dict[str, Any] = {"bucket": store.get("Location")}
        key = (store.get("EncryptionKey") or {}).get("Id")
        if key is not None:
            regional["encryption"] = key
        regions[region] = regional
    if regions:
        out["regions"] = regions
    return out


# --- sources and stages


def _sources(ctx: ImportContext, stage: Any) -> tuple[list, str]:
    path = ("Resources", ctx.pipeline_id, "Properties", "Stages", 0)
    if not isinstance(stage, dict) or not isinstance(stage.get("Actions"), list):
        raise Unsupported("the first stage is not a mapping with Actions", path,
                          "write the stage out")
    reader = SourceReader(ctx)
    out = []
    for i, action in enumerate(stage["Actions"]):
        apath = path + ("Actions", i)
        if isinstance(action, dict) and "Fn::If" in action and not (
                isinstance(action["Fn::If"], list) and len(action["Fn::If"]) == 3
                and action["Fn::If"][2] == {"Ref": "AWS::NoValue"}):
            args = action["Fn::If"]
            cond = args[0] if isinstance(args, list) and args and isinstance(args[0], str) \
                else "CONDITION"
            raise Unsupported("the source stage chooses between two sources with one !If",
                              apath, "import one spec per choice: `pipegen import "
                              f"--choose {cond}=true`, then `--choose {cond}=false`; or write "
                              "the two sources with `when:` conditions that exclude each other")
        # `!If [C, source, !Ref AWS::NoValue]`: a source that exists under C (`when:`)
        when, action = _unwrap(action, apath)
        if not isinstance(action, dict) or (action.get("ActionTypeId") or {}).get(
                "Category") != "Source":
            raise Unsupported("the first stage holds an action that is not a source", apath,
                              "pipegen's first stage holds the sources only: move other "
                              "actions to a later stage")
        found = reader.read(action, apath)
        if found is None:
            tid = action.get("ActionTypeId") or {}
            raise Unsupported(f"source provider {tid.get('Owner')}/{tid.get('Provider')} "
                              f"version {tid.get('Version')} has no pipegen source",
                              apath + ("ActionTypeId",), "pipegen's sources: codecommit, "
                              "github and other connections, github-v1, s3, ecr")
        typed, rest = found
        name = action.get("Name")
        outputs = _artifact_names(action, "OutputArtifacts", apath)
        source: dict[str, Any] = {}
        if name != DEFAULT_NAMES.get(typed["provider"]):
            source["name"] = name
        source.update(typed)
        if len(outputs) == 1 and outputs[0] != f"{name}Source":
            source["output"] = outputs[0]
        if action.get("Namespace"):
            source["namespace"] = action["Namespace"]
        if when:
            source["when"] = when
        where = f"Resources.Pipeline.Properties.Stages.0.Actions.{i}" + (
            ".Fn::If.1" if when else "")
        for key, value in rest.items():
            ctx.overrides[f"{where}.Configuration.{key}"] = value
            ctx.note("kept", f"{name}.{key}", "Configuration key kept raw in `overrides` "
                     "(a source has no typed key for it)")
        if str(action.get("RunOrder", 1)) != "1":
            ctx.overrides[f"{where}.RunOrder"] = action["RunOrder"]
        for key in ("Region",) + (("RoleArn",) if typed["provider"] != "codecommit" else ()):
            if key in action:
                ctx.overrides[f"{where}.{key}"] = action[key]
        out.append(_source_order(source))
    return out, stage.get("Name", "Source")


SOURCE_ORDER = ("name", "when", "provider", "owner", "repository", "branch", "tag", "bucket", "key",
                "connection", "oauth_token", "trigger", "via", "webhook_secret",
                "register_webhook", "filters", "output", "format", "namespace", "role")


def _source_order(source: dict) -> dict:
    return {k: source[k] for k in SOURCE_ORDER if k in source} | {
        k: v for k, v in source.items() if k not in SOURCE_ORDER}


def _unwrap(item: Any, path: tuple) -> tuple[str | None, Any]:
    if isinstance(item, dict) and set(item) == {"Fn::If"}:
        args = item["Fn::If"]
        if isinstance(args, list) and len(args) == 3 and isinstance(args[0], str) and \
                args[2] == {"Ref": "AWS::NoValue"}:
            return args[0], args[1]
        raise Unsupported("an !If chooses between two stages or actions; a spec's `when:` "
                          "keeps or drops one", path, "split it into two entries, each with "
                          "its own condition")
    return None, item


def _stage(ctx: ImportContext, si: int, item: Any, projects: Projects) -> dict:
    path = ("Resources", ctx.pipeline_id, "Properties", "Stages", si)
    when, stage = _unwrap(item, path)
    if not isinstance(stage, dict) or not isinstance(stage.get("Actions"), list):
        raise Unsupported("a stage is not a mapping with Actions", path, "write it out")
    name = stage.get("Name")
    out: dict[str, Any] = {"name": name}
    if when:
        out["when"] = when
    from pipegen.importer.stage_conditions import typed as typed_settings

    settings = {k: v for k, v in stage.items() if k not in ("Name", "Actions")}
    found = typed_settings(stage) if set(settings) <= {"OnFailure", "BeforeEntry",
                                                       "OnSuccess"} else None
    if found is not None:
        out.update(found)
    else:
        for key, value in settings.items():
            where = f"Resources.Pipeline.Properties.Stages.{si}" + (".Fn::If.1" if when else "")
            ctx.overrides[f"{where}.{key}"] = value
            ctx.note("kept", f"stage {name}", f"{key} kept raw in `overrides`")
    reader = ActionReader(ctx, projects)
    drafts = []
    for ai, entry in enumerate(stage["Actions"]):
        apath = path + ("Actions", ai)
        awhen, action = _unwrap(entry, apath)
        if not isinstance(action, dict):
            raise Unsupported("an action is not a mapping", apath, "write it out")
        if (action.get("ActionTypeId") or {}).get("Category") == "Source":
            raise Unsupported("a source action outside the first stage", apath,
                              "pipegen puts every source in the first stage")
        drafts.append((ai, awhen, action, apath))
    actions = []
    orders = [_order(a) for _, _, a, _ in drafts]
    for k, (ai, awhen, action, apath) in enumerate(drafts):
        ctx.where = (when is not None, awhen is not None and awhen != when)
        spec = _action(ctx, reader, name, si, ai, action, apath, when)
        if awhen and awhen != when:
            spec["when"] = awhen
        _run_order(spec, k, drafts, orders)
        actions.append(_action_order(spec))
    out["actions"] = actions
    return out


def _order(action: dict) -> int:
    try:
        return int(action.get("RunOrder", 1))
    except (TypeError, ValueError):
        return 1


def _run_order(spec: dict, k: int, drafts: list, orders: list[int]) -> None:
    """`after:` where artifact flow alone would not order the action as the original did."""
    mine = orders[k]
    producers = {}
    for j, (_, _, other, _) in enumerate(drafts):
        for o in other.get("OutputArtifacts") or []:
            if isinstance(o, dict):
                producers[o.get("Name")] = j
    need = 1
    for i in drafts[k][2].get("InputArtifacts") or []:
        j = producers.get(i.get("Name") if isinstance(i, dict) else None)
        if j is not None and j != k:
            need = max(need, orders[j] + 1)
    if need == mine:
        return
    before = [drafts[j][2].get("Name") for j in range(len(drafts)) if orders[j] == mine - 1]
    if need < mine and before:
        spec["after"] = before
    else:
        spec["run_order"] = mine


def _action(ctx, reader, stage_name, si, ai, action, apath, stage_when) -> dict:
    name = action.get("Name")
    found = reader.read(stage_name, action, apath)
    common: dict[str, Any] = {"name": name}
    inputs = _artifact_names(action, "InputArtifacts", apath)
    outputs = _artifact_names(action, "OutputArtifacts", apath)
    if found is None:
        return _raw_action(ctx, si, ai, action, common, inputs, outputs)
    typed, rest = found
    spec = {**common, **typed}
    if not _default_inputs(ctx, spec, inputs):
        spec["inputs"] = inputs
    if outputs:
        spec["outputs"] = outputs
    for key, typed_key in (("Namespace", "namespace"), ("Region", "region"),
                           ("RoleArn", "role")):
        if key in action:
            spec[typed_key] = action[key]
    target = ref_target(action.get("RoleArn"))
    if target and _is_action_role(ctx, target, ctx.original_role):
        new = logical_id(stage_name, name, "ActionRole")
        del spec["role"]
        ctx.action_roles.add(new)
        if target not in ctx.removed:
            ctx.replace(target, new, f"action role -> pipegen's {new} (assumed by the "
                        "pipeline role only; its provider's grants, its artifacts)")
    if "TimeoutInMinutes" in action:
        if typed.get("provider") == "manual":
            spec["timeout"] = duration(action["TimeoutInMinutes"])
        else:
            where = _where(si, ai, ctx.where) + ".TimeoutInMinutes"
            ctx.overrides[where] = action["TimeoutInMinutes"]
    extra = set(action) - {"Name", "ActionTypeId", "Configuration", "InputArtifacts",
                           "OutputArtifacts", "RunOrder", "Namespace", "Region", "RoleArn",
                           "TimeoutInMinutes", "Commands", "OutputVariables",
                           "EnvironmentVariables"}
    for key in sorted(extra):
        ctx.overrides[_where(si, ai, ctx.where) + "." + key] = action[key]
    if rest:
        spec["configuration"] = rest
        ctx.note("kept", f"{stage_name}.{name}", "Configuration kept raw in `configuration:` "
                 f"({', '.join(rest)}): no typed key writes it back exactly")
    return spec


def duration(minutes: Any) -> Any:
    """Minutes as a spec duration: 1440 -> '1d', 90 -> '90m'."""
    if not str(minutes).isdigit():
        return minutes
    n = int(minutes)
    for unit, size in (("d", 1440), ("h", 60)):
        if n and n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}m"


def _default_inputs(ctx: ImportContext, spec: dict, inputs: list) -> bool:
    """Whether the action's inputs are what pipegen gives it when `inputs` is left out."""
    from pipegen import providers

    p = providers.actions().get((spec["type"], spec.get("provider")))
    if p is None:
        return False
    if not p.default_inputs(spec):
        return inputs == []
    return inputs == ctx.source_outputs and len(inputs) == 1


def _artifact_names(action: dict, key: str, path: tuple) -> list[str]:
    """Artifact names, which a spec keeps literal (pipegen checks the artifact flow)."""
    names = []
    for i, item in enumerate(action.get(key) or []):
        name = item.get("Name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            raise Unsupported(f"an artifact name of action {action.get('Name')!r} is not a "
                              "literal; pipegen checks artifact flow, so artifact names are "
                              "literal", path + (key, i, "Name"), "write the name out (it is "
                              "internal to the pipeline: any fixed name does)")
        names.append(name)
    return names


def _where(si: int, ai: int, conditional: tuple[bool, bool] = (False, False)) -> str:
    """The dotted `overrides` path of an action in the compiled template (through the
    Fn::If pipegen wraps a conditional stage or action in)."""
    stage = f"Stages.{si}" + (".Fn::If.1" if conditional[0] else "")
    action = f"Actions.{ai}" + (".Fn::If.1" if conditional[1] else "")
    return f"Resources.Pipeline.Properties.{stage}.{action}"


def _raw_action(ctx, si, ai, action, common, inputs, outputs) -> dict:
    tid = action.get("ActionTypeId") or {}
    kind = f"{tid.get('Owner')}/{tid.get('Category')}/{tid.get('Provider')} v" \
        f"{tid.get('Version')}"
    if len(inputs) > 5 or len(outputs) > 5:
        raise Unsupported(f"action {common['name']} ({kind}) has no pipegen provider and more "
                          "than 5 input or output artifacts", ("Resources", ctx.pipeline_id),
                          "split the action")
    ctx.overrides[_where(si, ai, ctx.where)] = action
    ctx.note("kept", f"action {common['name']}", f"{kind} has no typed pipegen provider (or "
             "its Configuration has none of pipegen's shapes): the action is kept raw in "
             "`overrides` over a placeholder; pipegen's generated pipeline role grants "
             "nothing for it")
    spec = {**common, "type": "build", "provider": "jenkins", "provider_name": PLACEHOLDER,
            "project": "kept-raw-in-overrides", "inputs": inputs}
    if outputs:
        spec["outputs"] = outputs
    return spec


ACTION_ORDER = ("name", "type", "provider", "provider_name", "version")
DEFAULT_PROVIDERS = {"build": "codebuild", "test": "codebuild", "approval": "manual"}
ACTION_TAIL = ("inputs", "primary_source", "outputs", "after", "run_order", "namespace",
               "region", "role", "timeout", "when", "configuration")


def _action_order(spec: dict) -> dict:
    if DEFAULT_PROVIDERS.get(spec.get("type")) == spec.get("provider"):
        spec = {k: v for k, v in spec.items() if k != "provider"}
    head = {k: spec[k] for k in ACTION_ORDER if k in spec}
    middle = {k: v for k, v in spec.items() if k not in ACTION_ORDER and k not in ACTION_TAIL}
    tail = {k: spec[k] for k in ACTION_TAIL if k in spec}
    return head | middle | tail


def _triggers(ctx: ImportContext, triggers: Any, sources: list) -> None:
    if not triggers:
        return
    from pipegen.importer.filters import filters_for

    remaining = []
    for t in triggers:
        found = filters_for(t, sources)
        if found is None:
            remaining.append(t)
    if remaining:
        ctx.overrides["Resources.Pipeline.Properties.Triggers"] = triggers
        for s in sources:
            s.pop("filters", None)
            if s.get("trigger") == "pull-request":
                del s["trigger"]
        ctx.note("kept", "Triggers", "the pipeline's v2 triggers are kept raw in `overrides`: "
                 "they are not the shape `filters` compiles to")


def _depends_on(ctx: ImportContext, value: Any) -> Any:
    deps = [value] if isinstance(value, str) else list(value) if isinstance(value, list) \
        else []
    deps = [d for d in deps if isinstance(d, str)]
    kept = [ctx.renames.get(d, d) for d in deps if d not in ctx.removed or d in ctx.renames]
    kept = [d for d in kept if d not in ctx.generated]
    return kept


# --- everything else


def _removals(ctx: ImportContext) -> None:
    """Resources only removed things use (the other pipelines' projects, roles...)."""
    by_name = _named_by_pipeline(ctx)
    changed = True
    while changed:
        changed = False
        for rid, body in ctx.resources.items():
            if rid in ctx.removed or rid == ctx.pipeline_id or rid in by_name:
                continue
            mine = resource_refs(body)
            users = ctx.users(rid)
            dead = [r for r in mine if r in ctx.removed and r not in ctx.renames]
            belongs = body.get("Type") in ("AWS::IAM::Policy", "AWS::S3::BucketPolicy",
                                           "AWS::CodePipeline::Webhook", "AWS::Events::Rule",
                                           "AWS::CodeStarNotifications::NotificationRule")
            only_removed = users and all(u in ctx.removed and u not in ctx.renames or
                                         u.startswith("Outputs.") for u in users) and \
                any(not u.startswith("Outputs.") for u in users)
            if (dead and belongs) or only_removed:
                why = (f"it belongs to {', '.join(dead)}" if dead and belongs else
                       "only " + ", ".join(u for u in users if not u.startswith("Outputs."))
                       + " used it")
                ctx.removed[rid] = why
                ctx.note("dropped", rid, f"left out: {why}")
                changed = True


def _named_by_pipeline(ctx: ImportContext) -> set[str]:
    """Resources the pipeline uses by name, not by logical id.

    `ProjectName: !Ref CodeBuildProjectName` runs the project whose `Name` is that same
    parameter: the pipeline needs it although it never references its logical id, so it is
    never left out as "only the replaced role's policy used it".
    """
    values = set()
    for stage in ctx.props.get("Stages") or []:
        for action in (stage.get("Actions") or []) if isinstance(stage, dict) else []:
            config = action.get("Configuration") if isinstance(action, dict) else None
            for v in (config or {}).values() if isinstance(config, dict) else []:
                if not isinstance(v, (bool, int, float)):
                    values.add(json.dumps(v, sort_keys=True))
    found = set()
    for rid, body in ctx.resources.items():
        props = body.get("Properties") if isinstance(body, dict) else None
        kind = str(body.get("Type")) if isinstance(body, dict) else ""
        if kind.startswith("AWS::IAM::") or kind in ("AWS::Events::Rule",
                                                      "AWS::CodePipeline::Webhook"):
            continue  # what starts or permits a pipeline is no target it runs
        if isinstance(props, dict) and any(
                isinstance(k, str) and k.endswith("Name") and
                json.dumps(v, sort_keys=True) in values for k, v in props.items()):
            found.add(rid)
    return found


def _resources(ctx: ImportContext) -> dict:
    _removals(ctx)
    out = {}
    gone = {r for r in ctx.removed if r not in ctx.renames}
    for rid, body in ctx.resources.items():
        if rid == ctx.pipeline_id or rid in ctx.removed:
            continue
        out[rid] = _pruned(ctx, rid, body, gone)
    return out


def _pruned(ctx: ImportContext, rid: str, body: Any, gone: set[str]) -> Any:
    """A kept resource without the list entries that read left-out resources.

    A resource two pipelines share (the events role allowed to start both) keeps what this
    pipeline uses: the other pipeline's ARN in its policy's Resource list, its DependsOn
    entry, go. A reference outside a list stays, for the compile to report where (PG306).
    """
    dropped: list[str] = []

    def walk(v: Any, key: str | None) -> Any:
        if isinstance(v, dict) and not cfn.is_intrinsic(v):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list) and not (key or "").startswith("Fn::"):
            kept = []
            for x in v:
                x = walk(x, None)
                # The innermost entry that still reads one goes (an ARN, a target), not
                # the policy around it.
                dead = sorted(({x} if key == "DependsOn" and isinstance(x, str) else
                               refs(x)) & gone)
                if dead:
                    dropped.extend(d for d in dead if d not in dropped)
                else:
                    kept.append(x)
            return kept
        return v

    if not isinstance(body, dict) or not (resource_refs(body) & gone):
        return body
    out = walk(body, None)
    if out.get("DependsOn") == []:
        del out["DependsOn"]
    if dropped:
        ctx.note("changed", rid, "list entries that read " + ", ".join(dropped) + " (left "
                 "out) are dropped; the rest is kept as written")
    return out


def _generated_ids(ctx: ImportContext, body: dict) -> set[str]:
    ids = set(ctx.generated) | {"Pipeline", "PipelineRole", "ArtifactBucket",
                                "ArtifactBucketPolicy", "ArtifactKey", "PipelineEventsRole"}
    for stage in body.get("stages", []):
        for a in stage["actions"]:
            if isinstance(a.get("project"), dict) and not cfn.is_intrinsic(a["project"]):
                title = logical_id(stage["name"], a["name"], "Project")
                ids |= {title, title + "Role"}
            if isinstance(a.get("notify"), dict) and "emails" in a["notify"]:
                ids.add(logical_id(stage["name"], a["name"], "Topic"))
    for s in body.get("sources", []):
        name = s.get("name", DEFAULT_NAMES.get(s["provider"]))
        ids |= {logical_id(name, "SourceRule"), logical_id(name, "Webhook"),
                logical_id(name, "WebhookSecret")}
    return ids


def _clashes(ctx: ImportContext, body: dict) -> None:
    """A kept resource with an id pipegen generates is renamed Original<Id>, everywhere."""
    generated = _generated_ids(ctx, body)
    clash = {rid: "Original" + rid for rid in body.get("resources", {}) if rid in generated}
    if not clash:
        return
    for rid, new in clash.items():
        ctx.note("changed", rid, f"kept resource renamed {new}: pipegen generates a "
                 f"resource with the id {rid}")
        ctx.renames.setdefault(rid, new)
    renamed = rename(body, clash)
    renamed["resources"] = {clash.get(k, k): v for k, v in renamed["resources"].items()}
    body.clear()
    body.update(renamed)


def _used(body: dict, spec: dict) -> set[str]:
    data = {**spec, **body}
    names = refs(data)
    for _, value in data.get("resources", {}).items():
        if isinstance(value, dict) and isinstance(value.get("Condition"), str):
            names.add(value["Condition"])
    names |= {n for n, _, _ in references.references(data)}
    text = repr(data)
    for m in re.finditer(r"'Fn::FindInMap': \['([^']+)'", text):
        names.add(m.group(1))
    for m in re.finditer(r"'(?:Condition|when)': '([^']+)'", text):
        names.add(m.group(1))
    for m in re.finditer(r"'Fn::If': \['([^']+)'", text):
        names.add(m.group(1))
    for output in (data.get("outputs") or {}).values():
        if isinstance(output, dict) and isinstance(output.get("Condition"), str):
            names.add(output["Condition"])
    return names


def _parameters(ctx: ImportContext, used: set[str]) -> dict:
    out = {}
    params = ctx.template.data.get("Parameters") or {}
    conditions = ctx.template.data.get("Conditions") or {}
    cond_refs = set()
    for name, c in conditions.items():
        # The conditions the spec keeps (_declared): used ones, and declared-only ones (a
        # condition `--choose` decided is declared-only now) keep their parameters.
        if name in used or not _was_in_use(ctx, "Conditions", name):
            cond_refs |= refs(c)
    for name, body in params.items():
        if name not in used and name not in cond_refs and _was_used(ctx, name):
            ctx.note("dropped", f"parameter {name}", "only replaced or left-out resources used "
                     "it; a deploy that still passes it must stop passing it")
            continue
        spec = {}
        for key in sorted(body or {}, key=lambda k: list(PARAMETER_NAMES).index(k)
                          if k in PARAMETER_NAMES else 99):
            value = body[key]
            typed = PARAMETER_NAMES.get(key)
            if typed is None:
                continue
            if key == "NoEcho":
                value = value is True or str(value).lower() == "true"
            elif typed in NUMERIC_BOUNDS:
                value = _number(value)
            spec[typed] = value
        if spec.get("no_echo") and "default" in spec:
            del spec["default"]
            ctx.note("changed", f"parameter {name}", "NoEcho with a Default: the default "
                     "would sit in the template in plain text, so the spec drops it; pass the "
                     "value at deploy time (or use a dynamic reference)")
        if name in ctx.no_echo:
            spec["no_echo"] = True
            ctx.note("changed", f"parameter {name}", "carries a secret into a secret slot "
                     "without NoEcho: the spec adds `no_echo: true`, so CloudFormation never "
                     "shows its value")
        out[name] = spec
    return out


# CloudFormation reads a parameter's bounds from strings too ("MinLength": "1" in JSON
# templates); the spec types them as numbers.
NUMERIC_BOUNDS = ("min_length", "max_length", "min_value", "max_value")


def _number(value: Any) -> Any:
    """"1" -> 1, "0.5" -> 0.5; anything else as written (the compile reports it)."""
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def _was_used(ctx: ImportContext, name: str) -> bool:
    data = ctx.template.data
    everything = {k: v for k, v in data.items() if k not in ("Parameters",)}
    return name in refs(everything) or name in repr(data.get("Conditions"))


def _declared(ctx: ImportContext, section: str, used: set[str]) -> dict:
    out = {}
    for name, body in (ctx.template.data.get(section) or {}).items():
        if section == "Conditions" and name in ctx.removed_conditions:
            ctx.note("replaced", f"condition {name}", "pipegen writes it again for the "
                     "regional artifact store")
            continue
        kept_by = section == "Conditions" and any(name in repr(c) for c in out.values())
        if name in used or not _was_in_use(ctx, section, name) or kept_by:
            out[name] = body
        else:
            ctx.note("dropped", f"{section[:-1].lower()} {name}", "only replaced or left-out "
                     "resources used it")
    return out


def _was_in_use(ctx: ImportContext, section: str, name: str) -> bool:
    return name in repr({k: v for k, v in ctx.template.data.items() if k != section})


def _outputs(ctx: ImportContext) -> dict:
    out = {}
    for name, body in (ctx.template.data.get("Outputs") or {}).items():
        dead = [r for r in resource_refs(body) if r in ctx.removed and r not in ctx.renames]
        if dead:
            ctx.note("dropped", f"output {name}", f"it reads {', '.join(dead)}, which is left "
                     "out")
            continue
        out[name] = _output(body)
    return out


def _output(body: Any) -> Any:
    """CloudFormation's {Value, Description, Export: {Name}, Condition} in the spec's words."""
    if not isinstance(body, dict) or set(body) - {"Value", "Description", "Export",
                                                  "Condition"}:
        return body
    export = body.get("Export")
    if export is not None and not (isinstance(export, dict) and set(export) == {"Name"}):
        return body
    out: dict[str, Any] = {"value": body.get("Value")}
    if "Description" in body:
        out["description"] = body["Description"]
    if export is not None:
        out["export"] = export["Name"]
    if "Condition" in body:
        out["condition"] = body["Condition"]
    bare = not isinstance(out["value"], dict) or cfn.is_intrinsic(out["value"])
    return out["value"] if set(out) == {"value"} and bare else out
