"""The `dns` deploy provider: Route 53 weighted traffic shifting between two endpoints.

pipegen creates two weighted records of one name in the given hosted zone, `blue` (serving
today) and `green` (the new version), and a Step Functions state machine that sets their
weights; the strategy becomes pipeline actions in the deploy action's own stage:

  all-at-once  one step: blue 0, green 100 (no test, no approval)
  blue-green   optional `test` against green, optional approval, then one step 0/100
  canary       optional test and approval, then green's share step by step (`steps`), with a
               wait (the state machine's Wait state) or a manual approval between steps
  a-b          optional test and approval, then one step holding the split

The expansion's steps are ordinary actions: the `test` as written, manual approvals, and
Step Functions invoke actions (provider step-functions) whose literal input carries the
weights (`{"blue":90,"green":10}`) or the bake (`{"bake":600}`, the state machine's Wait
state), so the pipeline itself shows what every step does. The state
machine UPSERTs both records with their full definition (so a step also repairs a record
edited by hand) and returns once Route 53 reports the change INSYNC. Its role may change only
this record name, of this record type, with UPSERT, in this one hosted zone (Route 53's
ChangeResourceRecordSets condition keys), and read change status.

The records' template weights are where traffic starts (all on blue; the split for a-b).
CloudFormation writes them only when a record's definition changes, so later stack updates
leave the weights the pipeline set, unless `blue`, `green` or `ttl` change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from troposphere import GetAtt, route53, stepfunctions

from pipegen import cfn, iam, providers
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted, Strategy, minutes
from pipegen.providers.strategy_common import warn_all_at_once
from pipegen.providers.strategyutil import PERCENT, percent, seconds

DEFAULT_TTL = 60
# Route 53 propagates a change to its name servers in about a minute; the shifter polls.
POLL_SECONDS = 10



@dataclass(frozen=True)
class Step:
    """One action of the expansion, before it becomes a model action."""

    kind: str  # test | approve | shift | bake
    name: str
    weights: tuple[int, int] | None = None  # (blue, green), for shift
    bake_seconds: int | None = None  # for bake

    @property
    def input(self) -> dict | None:
        """The Step Functions execution input the action sends."""
        if self.kind == "shift":
            blue, green = self.weights
            return {"blue": blue, "green": green}
        if self.kind == "bake":
            return {"bake": self.bake_seconds}
        return None


def plan(name: str, settings: dict, strategy: str, body: dict) -> list[Step]:
    """The actions the strategy expands into, in order."""
    steps: list[Step] = []
    if "test" in settings:
        steps.append(Step("test", settings["test"]["name"]))
    if settings.get("approve"):
        steps.append(Step("approve", f"{name}-Approve"))
    if strategy == "canary":
        shares = [percent(s) for s in body["steps"]]
        for i, share in enumerate(shares):
            if i:
                if body["bake"] == "approval":
                    steps.append(Step("approve", f"{name}-Approve{i}"))
                else:
                    steps.append(Step("bake", f"{name}-Bake{i}",
                                      bake_seconds=seconds(body["bake"])))
            steps.append(Step("shift", f"{name}-Green{share}", (100 - share, share)))
    elif strategy == "a-b":
        share = percent(body["split"])
        steps.append(Step("shift", name, (100 - share, share)))
    else:  # all-at-once, blue-green
        steps.append(Step("shift", name, (0, 100)))
    return steps


def initial_weights(strategy: str, body: dict) -> tuple[int, int]:
    """The records' template weights: all traffic on blue, or the a-b split."""
    if strategy == "a-b":
        share = percent(body["split"])
        return 100 - share, share
    return 100, 0


def shifter_id(action) -> str:
    return logical_id(action.stage, action.name, "TrafficShifter")


def normalized_name(record: Any) -> Any:
    """Route 53's normalized form of a record name, as its IAM condition key compares it:
    lower case, no trailing dot, characters other than a-z 0-9 - _ . as \\ooo octal escapes.
    An intrinsic is passed as is (the schema asks for it in that form)."""
    if not isinstance(record, str):
        return record
    out = []
    for c in record.lower().rstrip("."):
        out.append(c if c.isalnum() and c.isascii() or c in "-_." else f"\\{ord(c):03o}")
    return "".join(out)


def is_alias(endpoint: Any) -> bool:
    return isinstance(endpoint, dict) and not cfn.is_intrinsic(endpoint)



def test_inputs(spec: dict, source_outputs: list[str]) -> tuple[str, ...]:
    """The test's inputs: as written, else the only source output (as for any action)."""
    if "inputs" in spec:
        return tuple(spec["inputs"])
    provider = spec.get("provider", providers.DEFAULT_PROVIDER.get(spec["type"]))
    p = providers.actions()[(spec["type"], provider)]
    if p.default_inputs(spec) and len(source_outputs) == 1:
        return (source_outputs[0],)
    return ()


# --- the expansion

def expand(action, use, ctx) -> list:
    """The written dns action -> test, approvals, weight steps and bakes, one after another."""
    s, path = action.settings, action.path
    out: list = []
    steps = plan(action.name, s, use.name, use.settings)
    for step in steps:
        after = (out[-1].name,) if out else ()
        # The last traffic step carries the action's namespace (its execution's variables).
        namespace = action.namespace if step is steps[-1] else None
        if step.kind == "test":
            spec = step_spec = s["test"]
            provider = spec.get("provider", providers.DEFAULT_PROVIDER.get(spec["type"]))
            made = ctx.step(
                action, "test", step.name, name_path=path + ("test", "name"),
                rename="rename the test, or the other action", type=spec["type"],
                provider=provider, settings=step_spec, path=path + ("test",),
                inputs=test_inputs(spec, [src.output for src in ctx.pipeline.sources]),
                outputs=tuple(spec.get("outputs", ())), namespace=spec.get("namespace"),
                role=None, region=None, configuration=spec.get("configuration", {}),
                timeout_minutes=minutes(spec["timeout"]) if "timeout" in spec else None,
                after=after)
        elif step.kind == "approve":
            spec = s.get("approval", {})
            made = ctx.step(
                action, "approve", step.name, type="approval", provider="manual",
                settings=spec, path=path + ("approval",), inputs=(), outputs=(),
                namespace=None, role=None, region=None, configuration={},
                timeout_minutes=minutes(spec["timeout"]) if "timeout" in spec else None,
                after=after)
        else:
            made = ctx.step(
                action, step.kind, step.name, type="invoke", provider="step-functions",
                settings={"state_machine": {"Ref": shifter_id(action)}, "input": step.input},
                inputs=(), outputs=(), namespace=namespace, role=None, region=None,
                configuration={}, after=after)
        out.append(made)
    return out


# --- checks

def check_canary(action, use, ctx) -> None:
    shares = [percent(x) for x in use.settings["steps"]]
    where = use.path + ("canary", "steps") if not use.bare else use.path
    for i, share in enumerate(shares):
        if not 1 <= share <= 100:
            ctx.error("PG441", f"a canary step gives green {share}%; steps are 1% to 100%",
                      where + (i,))
        elif i and share <= shares[i - 1]:
            ctx.error("PG441", f"canary steps rise: {share}% does not exceed the step "
                      f"before it ({shares[i - 1]}%)", where + (i,),
                      'list green\'s cumulative share at each step: ["10%", "50%", "100%"]')
    if shares and shares[-1] != 100:
        ctx.error("PG441", f"a canary ends with all traffic on green, and the last step is "
                  f"{shares[-1]}%", where + (len(shares) - 1,),
                  'end with "100%"; for a lasting split use `strategy: {a-b: {split: ...}}`')


def check_split(action, use, ctx) -> None:
    share = percent(use.settings["split"])
    if not 1 <= share <= 99:
        ctx.error("PG442", f"an a-b split gives green {share}% of the traffic; a split needs "
                  "both sides", use.path + (use.written, "split"),
                  "write 1% to 99%; for all traffic on green use blue-green or all-at-once")


def check_all_at_once(action, use, ctx) -> None:
    warn_all_at_once(action, ctx, "the record's traffic")
    for key in ("test", "approve"):
        if action.get(key):
            ctx.error("PG443", f"all-at-once moves all traffic at once, without `{key}`",
                      action.path + (key,), "use `strategy: blue-green` to test and approve "
                      "green before the flip, or remove it", key=True)


def contribute(action, use, ctx) -> None:
    """The records, the state machine that sets their weights, and its role."""
    _records(action, use, ctx)
    _shifter(action, ctx)


def _ttl(settings: dict) -> int:
    return seconds(settings["ttl"]) if "ttl" in settings else DEFAULT_TTL


def _records(action, use, ctx) -> None:
    s, path = action.settings, action.path
    blue_weight, green_weight = initial_weights(use.name, use.settings)
    for side, weight in (("blue", blue_weight), ("green", green_weight)):
        kwargs: dict[str, Any] = dict(
            HostedZoneId=cfn.value(s["hosted_zone"]), Name=cfn.value(s["record"]),
            SetIdentifier=side, Weight=weight)
        endpoint = s[side]
        if is_alias(endpoint):
            kwargs.update(Type="A", AliasTarget=route53.AliasTarget(
                DNSName=cfn.value(endpoint["alias"]),
                HostedZoneId=cfn.value(endpoint["zone"]), EvaluateTargetHealth=False))
        else:
            kwargs.update(Type="CNAME", TTL=str(_ttl(s)), ResourceRecords=[cfn.value(endpoint)])
        ctx.add(route53.RecordSetType(logical_id(action.stage, action.name,
                                                 side.capitalize() + "Record"), **kwargs),
                path + (side,))


def _shifter(action, ctx) -> str:
    """The records, the state machine that sets their weights, and its role."""
    s, path = action.settings, action.path
    title = shifter_id(action)
    alias = is_alias(s["blue"])
    record_type = "A" if alias else "CNAME"
    values: dict[str, Any] = {"Zone": s["hosted_zone"], "Record": s["record"]}
    changes = []
    for side in ("blue", "green"):
        cap = side.capitalize()
        record: dict[str, Any] = {"Name": "${Record}", "Type": record_type,
                                  "SetIdentifier": side, "Weight.$": f"$.{side}"}
        if alias:
            values[cap] = s[side]["alias"]
            values[cap + "Zone"] = s[side]["zone"]
            record["AliasTarget"] = {"DNSName": "${" + cap + "}",
                                     "HostedZoneId": "${" + cap + "Zone}",
                                     "EvaluateTargetHealth": False}
        else:
            values[cap] = s[side]
            # Step Functions' SDK integrations spell Route 53's TTL member "Ttl".
            record.update(Ttl=_ttl(s), ResourceRecords=[{"Value": "${" + cap + "}"}])
        changes.append({"Action": "UPSERT", "ResourceRecordSet": record})

    def sdk(api: str) -> Any:
        return cfn.Raw({"Fn::Sub": "arn:${AWS::Partition}:states:::aws-sdk:route53:" + api})

    definition = {
        "Comment": "Sets the weights of the blue and green records (pipegen traffic "
                   "shifter); with `bake`, waits that many seconds instead.",
        "StartAt": "Route",
        "States": {
            "Route": {"Type": "Choice", "Choices": [
                {"Variable": "$.bake", "IsPresent": True, "Next": "Bake"}],
                "Default": "Shift"},
            "Bake": {"Type": "Wait", "SecondsPath": "$.bake", "End": True},
            "Shift": {"Type": "Task", "Resource": sdk("changeResourceRecordSets"),
                      "Parameters": {"HostedZoneId": "${Zone}", "ChangeBatch": {
                          "Comment": "pipegen traffic shift", "Changes": changes}},
                      "ResultSelector": {"Id.$": "$.ChangeInfo.Id"},
                      "ResultPath": "$.change", "Next": "Propagating"},
            "Propagating": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": "Check"},
            "Check": {"Type": "Task", "Resource": sdk("getChange"),
                      "Parameters": {"Id.$": "$.change.Id"},
                      "ResultSelector": {"Id.$": "$.ChangeInfo.Id",
                                         "Status.$": "$.ChangeInfo.Status"},
                      "ResultPath": "$.change", "Next": "InSync"},
            "InSync": {"Type": "Choice", "Choices": [
                {"Variable": "$.change.Status", "StringEquals": "INSYNC", "Next": "Done"}],
                "Default": "Propagating"},
            "Done": {"Type": "Succeed"},
        },
    }
    role = logical_id(action.stage, action.name, "TrafficShifterRole")
    ctx.add(iam.role(role, "states.amazonaws.com", _policy(s, record_type),
                     policy_name="ShiftOneRecord", tags=ctx.tags()), path)
    kwargs: dict[str, Any] = dict(
        Definition=definition, DefinitionSubstitutions=cfn.value(values),
        RoleArn=GetAtt(role, "Arn"), StateMachineType="STANDARD")
    tags = ctx.tags()
    if tags is not None:
        kwargs["Tags"] = tags
    # The steps (step-functions invoke actions) grant the pipeline role their own calls.
    ctx.add(stepfunctions.StateMachine(title, **kwargs), path)
    return title


def _policy(settings: dict, record_type: str) -> iam.Policy:
    policy = iam.Policy()
    zone = cfn.sub("arn:${AWS::Partition}:route53:::hostedzone/{zone}",
                   zone=settings["hosted_zone"])
    policy.allow("route53:ChangeResourceRecordSets", zone, {"ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            normalized_name(settings["record"])],
        "route53:ChangeResourceRecordSetsRecordTypes": [record_type],
        "route53:ChangeResourceRecordSetsActions": ["UPSERT"]}})
    # A change id is only known once the change is made: Route 53 offers no narrower ARN.
    policy.allow("route53:GetChange", cfn.sub("arn:${AWS::Partition}:route53:::change/*"))
    return policy



WITH_TEST = ("blue-green", "canary", "a-b")
# Keys of an action that its place as the test of a traffic shift rules out (PG453).
TEST_RULED_OUT = ("after", "run_order", "when", "region", "role")


class DnsTrafficShift(ActionProvider):
    kinds = (("deploy", "dns"),)
    schema = "actions/dns.json"
    inputs = (0, 0)
    consumes_revision = False
    # The test is a build, test or invoke action: an approval's `timeout` never applies (PG340).
    not_applicable = tuple(f"test.{k}" for k in TEST_RULED_OUT) + ("test.timeout",)
    strategies = (
        Strategy("all-at-once", expand, check=check_all_at_once, emit=contribute,
                 summary="weights 0/100 in one step, no test"),
        Strategy("blue-green", expand, aliases=("red-black",), emit=contribute,
                 summary="optional `test` and approval against green, then 0/100 in one step"),
        Strategy("canary", expand, check=check_canary, emit=contribute, settings={
            "type": "object", "additionalProperties": False, "required": ["steps", "bake"],
            "description": "Green's share step by step.",
            "properties": {
                "steps": {"type": "array", "minItems": 2, "maxItems": 10, "items": PERCENT,
                          "description": "Green's cumulative share at each step, rising, "
                                         'ending at "100%": ["10%", "50%", "100%"].'},
                "bake": {"anyOf": [{"$ref": "#/$defs/duration"}, {"const": "approval"}],
                         "description": "Between steps: a wait (10m) to watch green under "
                                        "load, or `approval` for a manual approval."}}},
            summary="weighted steps (`steps: [\"10%\", \"50%\", \"100%\"]`), a bake wait "
                    "or an approval between steps"),
        Strategy("a-b", expand, check=check_split, emit=contribute, settings={
            "type": "object", "additionalProperties": False, "required": ["split"],
            "description": "A fixed split between blue (A) and green (B).",
            "properties": {"split": {**PERCENT, "description": "Green's (B's) share of the "
                                     'traffic: "50%".'}}},
            summary="a fixed weighted split"),
    )
    unsupported = {
        "single-target": "DNS weights split traffic between two endpoints, not servers",
        "min-in-service": "DNS weights know nothing of the hosts behind an endpoint",
        "rolling": "DNS weights know nothing of the hosts behind an endpoint",
        "linear": "a dns canary lists its steps (`steps: [...]`); equal steps are a canary",
    }

    def check(self, action, ctx) -> None:
        s, path = action.settings, action.path
        self._check_endpoints(action, ctx)
        for key in ("role", "region"):
            if key == "role" and action.role is None or \
                    key == "region" and action.in_home_region:
                continue
            ctx.error("PG445", "the traffic shifter (a state machine pipegen creates) runs in "
                      f"the pipeline's own account and region, so `{key}` cannot move it",
                      path + (key,), f"remove `{key}`; Route 53 is global, and the hosted "
                      "zone must be in the pipeline's account", key=True)
        use = action.strategy
        bake = use.settings.get("bake") if use is not None else None
        if "approval" in s and not s.get("approve") and bake != "approval":
            ctx.error("PG443", "`approval` configures the approvals this action expands into, "
                      "and it has none", path + ("approval",),
                      "add `approve: true`, use `bake: approval` in a canary, or remove it",
                      key=True)
        if "test" in s:
            self._check_test(action, ctx)

    def _check_endpoints(self, action, ctx) -> None:
        s, path = action.settings, action.path
        blue, green = is_alias(s["blue"]), is_alias(s["green"])
        if blue != green:
            alias_side = "blue" if blue else "green"
            ctx.error("PG444", f"`{alias_side}` is an alias and the other endpoint a DNS name; "
                      "both weighted records must have the same type", path + ("green",),
                      "write both as DNS names (CNAME records) or both as {alias, zone} "
                      "(alias A records)")
        elif blue and "ttl" in s:
            ctx.error("PG444", "alias records take no `ttl` (Route 53 uses the target's)",
                      path + ("ttl",), "remove `ttl`", key=True)

    def _check_test(self, action, ctx) -> None:
        """The test is an ordinary action (the expand phase checks it with its provider);
        here only what its place in the expansion rules out."""
        spec, path = action.settings["test"], action.path + ("test",)
        if spec.get("provider") == "dns" or spec["type"] in ("approval", "deploy"):
            kind = "an approval" if spec["type"] == "approval" else f"a {spec['type']}"
            ctx.error("PG453", "the test run against green is a build, test or invoke action, "
                      f"not {kind} action", path + ("type",),
                      "write the test as `type: test` (or build, invoke); the approval is "
                      "`approve: true`")
            return
        for key in TEST_RULED_OUT:
            if key in spec:
                ctx.error("PG453", "the test runs first in this action's expansion, under its "
                          "condition, in the pipeline's account and region: "
                          f"`{key}` does not apply", path + (key,), f"remove `{key}`", key=True)
        provider = spec.get("provider", providers.DEFAULT_PROVIDER.get(spec["type"]))
        p = providers.actions()[(spec["type"], provider)]
        outs = ctx.source_outputs
        if "inputs" not in spec and p.default_inputs(spec) and len(outs) != 1:
            ctx.error("PG303", f"action '{spec['name']}' needs `inputs`: the pipeline has "
                      f"{len(outs)} sources", path, "available source outputs: "
                      + ", ".join(outs), key=True)

    def emit(self, action, ctx) -> list[Emitted]:
        raise RuntimeError("a dns action always expands into its strategy's steps")


PROVIDERS = [DnsTrafficShift()]
