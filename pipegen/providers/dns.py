"""The `dns` deploy provider: Route 53 weighted traffic shifting between two endpoints.

pipegen creates two weighted records of one name in the given hosted zone, `blue` (serving
today) and `green` (the new version), and a Step Functions state machine that sets their
weights; the strategy becomes pipeline actions in the deploy action's own stage:

  all-at-once  one step: blue 0, green 100 (no test, no approval)
  blue-green   optional `test` against green, optional approval, then one step 0/100
  canary       optional test and approval, then green's share step by step (`steps`), with a
               wait (the state machine's Wait state) or a manual approval between steps
  a-b          optional test and approval, then one step holding the split

Each weight step is a Step Functions invoke action whose literal input carries the weights
(`{"blue": 90, "green": 10}`), so the pipeline itself shows what every step does. The state
machine UPSERTs both records with their full definition (so a step also repairs a record
edited by hand) and returns once Route 53 reports the change INSYNC. Its role may change only
this record name, of this record type, with UPSERT, in this one hosted zone (Route 53's
ChangeResourceRecordSets condition keys), and read change status.

The records' template weights are where traffic starts (all on blue; the split for a-b).
CloudFormation writes them only when a record's definition changes, so later stack updates
leave the weights the pipeline set, unless `blue`, `green` or `ttl` change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from troposphere import GetAtt, Ref, route53, stepfunctions

from pipegen import cfn, iam, providers
from pipegen.build import is_home_region, minutes
from pipegen.model import Action
from pipegen.naming import logical_id
from pipegen.providers.base import ActionProvider, Emitted
from pipegen.providers.strategyutil import (
    check_supported,
    percent,
    seconds,
    strategy_of,
    strategy_path,
)

STRATEGIES = ("all-at-once", "blue-green", "canary", "a-b")
DEFAULT_TTL = 60
ACTION_NAME_MAX = 100
# Route 53 propagates a change to its name servers in about a minute; the shifter polls.
POLL_SECONDS = 10


@dataclass(frozen=True)
class Step:
    """One pipeline action of the expansion."""

    kind: str  # test | approve | shift | bake
    name: str
    weights: tuple[int, int] | None = None  # (blue, green), for shift
    bake_seconds: int | None = None  # for bake

    @property
    def input(self) -> str | None:
        """The Step Functions execution input the action sends."""
        if self.kind == "shift":
            blue, green = self.weights
            return json.dumps({"blue": blue, "green": green}, separators=(",", ":"))
        if self.kind == "bake":
            return json.dumps({"bake": self.bake_seconds}, separators=(",", ":"))
        return None


def plan(settings: dict) -> list[Step]:
    """The actions the strategy expands into, in order (each one run-order level)."""
    name = settings["name"]
    strategy, body = strategy_of(settings)
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


def test_action(action, source_outputs: list[str]) -> Action:
    """The `test` mapping as a model action of the same stage, at the dns action's run order.

    Inputs default as for any action (the only source output, when the provider consumes
    one). The expansion phase (issue 9) will take this over and check it with the rest.
    """
    spec = action.settings["test"]
    provider = spec.get("provider", providers.DEFAULT_PROVIDER.get(spec["type"]))
    p = providers.actions()[(spec["type"], provider)]
    if "inputs" in spec:
        inputs = tuple(spec["inputs"])
    elif p.default_inputs(spec) and len(source_outputs) == 1:
        inputs = (source_outputs[0],)
    else:
        inputs = ()
    timeout = minutes(spec["timeout"]) if "timeout" in spec else None
    return Action(name=spec["name"], stage=action.stage, type=spec["type"], provider=provider,
                  inputs=inputs, outputs=tuple(spec.get("outputs", ())), run_order=action.run_order,
                  namespace=spec.get("namespace"), when=action.when, region=spec.get("region"),
                  role=spec.get("role"), timeout_minutes=timeout,
                  configuration=spec.get("configuration", {}), settings=spec,
                  path=action.path + ("test",))


def initial_weights(settings: dict) -> tuple[int, int]:
    """The records' template weights: all traffic on blue, or the a-b split."""
    strategy, body = strategy_of(settings)
    if strategy == "a-b":
        share = percent(body["split"])
        return 100 - share, share
    return 100, 0


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


class DnsTrafficShift(ActionProvider):
    kinds = (("deploy", "dns"),)
    schema = "actions/dns.json"
    inputs = (0, 0)
    consumes_revision = False

    def steps(self, settings: dict) -> int:
        if strategy_of(settings)[0] not in STRATEGIES:
            return 1
        return len(plan(settings))

    def check(self, action, ctx) -> None:
        s, path = action.settings, action.path
        strategy, body = strategy_of(s)
        if not check_supported(action, ctx, STRATEGIES):
            return
        spath = strategy_path(action)
        if strategy == "canary":
            self._check_steps(ctx, body, spath)
        if strategy == "a-b":
            share = percent(body["split"])
            if not 1 <= share <= 99:
                ctx.error("PG442", f"an a-b split gives green {share}% of the traffic; a split "
                          "needs both sides", spath + ("split",),
                          "write 1% to 99%; for all traffic on green use blue-green or "
                          "all-at-once")
        if strategy == "all-at-once":
            for key in ("test", "approve"):
                if s.get(key):
                    ctx.error("PG443", f"all-at-once moves all traffic at once, without `{key}`",
                              path + (key,), "use `strategy: blue-green` to test and approve "
                              "green before the flip, or remove it", key=True)
        self._check_endpoints(action, ctx)
        for key in ("role", "region"):
            if key == "role" and action.role is None or \
                    key == "region" and is_home_region(action.region):
                continue
            ctx.error("PG445", "the traffic shifter (a state machine pipegen creates) runs in "
                      f"the pipeline's own account and region, so `{key}` cannot move it",
                      path + (key,), f"remove `{key}`; Route 53 is global, and the hosted "
                      "zone must be in the pipeline's account", key=True)
        timeout = s.get("approval", {}).get("timeout")
        if timeout is not None and not 5 <= minutes(timeout) <= 86400:
            ctx.error("PG205", f"an approval waits 5m to 60d; {timeout} is outside that",
                      path + ("approval", "timeout"))
        if "approval" in s and not s.get("approve") and body.get("bake") != "approval":
            ctx.error("PG443", "`approval` configures the approvals this action expands into, "
                      "and it has none", path + ("approval",),
                      "add `approve: true`, use `bake: approval` in a canary, or remove it",
                      key=True)
        if "test" in s:
            self._check_test(action, ctx)
        if not ctx.errors:
            self._check_names(action, ctx)

    def _check_test(self, action, ctx) -> None:
        """The test action: its provider's own checks, and inputs that exist before this stage."""
        spec, path = action.settings["test"], action.path + ("test",)
        if spec.get("provider") == "dns" or spec["type"] in ("approval", "deploy"):
            kind = "an approval" if spec["type"] == "approval" else f"a {spec['type']}"
            ctx.error("PG453", "the test run against green is a build, test or invoke action, "
                      f"not {kind} action", path + ("type",),
                      "write the test as `type: test` (or build, invoke); the approval is "
                      "`approve: true`")
            return
        for key in ("outputs", "after", "run_order", "when", "region", "role"):
            if key in spec:
                ctx.error("PG453", "the test runs first in this action's expansion, under its "
                          "condition, in the pipeline's account and region, and produces no "
                          f"artifacts: `{key}` does not apply",
                          path + (key,), f"remove `{key}`", key=True)
        test = test_action(action, ctx.source_outputs)
        p = providers.actions()[(test.type, test.provider)]
        if "inputs" not in spec and p.default_inputs(spec) and len(ctx.source_outputs) != 1:
            ctx.error("PG303", f"action '{test.name}' needs `inputs`: the pipeline has "
                      f"{len(ctx.source_outputs)} sources", path, "available source outputs: "
                      + ", ".join(ctx.source_outputs), key=True)
        available = list(ctx.source_outputs)
        for stage in ctx.data["stages"][: action.path[1]]:
            for other in stage["actions"]:
                available += other.get("outputs", [])
        for k, name in enumerate(test.inputs):
            if name not in available:
                ctx.error("PG302", f"input '{name}' is not produced before this stage", path
                          + ("inputs", k), "outputs produced before this stage: "
                          + (", ".join(available) or "none"))
        lo, hi = p.inputs
        if "inputs" in spec and not lo <= len(test.inputs) <= hi:
            ctx.error("PG307", f"a {test.provider} {test.type} action takes {lo} to {hi} "
                      f"inputs, and '{test.name}' has {len(test.inputs)}", path + ("inputs",))
        p.check(test, ctx)

    def _check_steps(self, ctx, body: dict, spath: tuple) -> None:
        shares = [percent(x) for x in body["steps"]]
        for i, share in enumerate(shares):
            where = spath + ("steps", i)
            if not 1 <= share <= 100:
                ctx.error("PG441", f"a canary step gives green {share}%; steps are 1% to 100%",
                          where)
            elif i and share <= shares[i - 1]:
                ctx.error("PG441", f"canary steps rise: {share}% does not exceed the step "
                          f"before it ({shares[i - 1]}%)", where,
                          "list green's cumulative share at each step: [\"10%\", \"50%\", "
                          "\"100%\"]")
        if shares and shares[-1] != 100:
            ctx.error("PG441", f"a canary ends with all traffic on green, and the last step is "
                      f"{shares[-1]}%", spath + ("steps", len(shares) - 1),
                      "end with \"100%\"; for a lasting split use `strategy: {a-b: {split: "
                      "...}}`")

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

    def _check_names(self, action, ctx) -> None:
        """The expanded actions' names must be valid and unique in the stage."""
        stage = ctx.data["stages"][action.path[1]]
        taken = {other["name"] for other in stage["actions"] if other is not action.settings}
        for other in stage["actions"]:
            if other is not action.settings and other.get("provider") == "dns" and \
                    strategy_of(other)[0] in STRATEGIES:
                taken |= {step.name for step in plan(other)}
        seen: set[str] = set()
        for step in plan(action.settings):
            where = action.path + (("test", "name") if step.kind == "test" else ("name",))
            if len(step.name) > ACTION_NAME_MAX:
                ctx.error("PG446", f"the expanded action name '{step.name}' is longer than "
                          f"{ACTION_NAME_MAX} characters", where, "shorten the action's name")
            elif step.name in taken or step.name in seen:
                ctx.error("PG446", f"the expanded action name '{step.name}' is already used in "
                          f"stage '{action.stage}'", where,
                          "rename this action or the other one")
            seen.add(step.name)

    # --- emit
    def emit(self, action, ctx) -> list[Emitted]:
        s = action.settings
        machine = self._shifter(action, ctx)
        out: list[Emitted] = []
        for i, step in enumerate(plan(s)):
            if step.kind in ("shift", "bake"):
                out.append(Emitted("Invoke", "AWS", "StepFunctions", {
                    "StateMachineArn": Ref(machine), "InputType": "Literal",
                    "Input": step.input}, name=step.name, inputs=(), outputs=(), step=i))
            elif step.kind == "approve":
                out.append(self._approval(action, ctx, step.name, i))
            else:
                out.extend(self._test(action, ctx, i))
        return out

    def _records(self, action, ctx) -> None:
        s, path = action.settings, action.path
        blue_weight, green_weight = initial_weights(s)
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
                kwargs.update(Type="CNAME", TTL=str(self._ttl(s)),
                              ResourceRecords=[cfn.value(endpoint)])
            ctx.add(route53.RecordSetType(logical_id(action.stage, action.name,
                                                     side.capitalize() + "Record"), **kwargs),
                    path + (side,))

    def _ttl(self, settings: dict) -> int:
        return seconds(settings["ttl"]) if "ttl" in settings else DEFAULT_TTL

    def _shifter(self, action, ctx) -> str:
        """The records, the state machine that sets their weights, and its role."""
        s, path = action.settings, action.path
        self._records(action, ctx)
        title = logical_id(action.stage, action.name, "TrafficShifter")
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
                record.update(Ttl=self._ttl(s), ResourceRecords=[{"Value": "${" + cap + "}"}])
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
        ctx.add(iam.role(role, "states.amazonaws.com", self._policy(s, record_type),
                         policy_name="ShiftOneRecord", tags=ctx.tags()), path)
        kwargs: dict[str, Any] = dict(
            Definition=definition, DefinitionSubstitutions=cfn.value(values),
            RoleArn=GetAtt(role, "Arn"), StateMachineType="STANDARD")
        tags = ctx.tags()
        if tags is not None:
            kwargs["Tags"] = tags
        ctx.add(stepfunctions.StateMachine(title, **kwargs), path)
        if action.role is None:
            ctx.policy.allow(["states:DescribeStateMachine", "states:StartExecution"],
                             Ref(title))
            ctx.policy.allow("states:DescribeExecution", cfn.arn(
                "states", "execution:{machine}:*", machine=GetAtt(title, "Name")))
        return title

    def _policy(self, settings: dict, record_type: str) -> iam.Policy:
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

    def _approval(self, action, ctx, name: str, step: int) -> Emitted:
        spec = action.get("approval", {})
        config: dict[str, Any] = {}
        if "notify" in spec:
            config["NotificationArn"] = spec["notify"]
            ctx.policy.allow("sns:Publish", cfn.value(spec["notify"]))
        if "message" in spec:
            config["CustomData"] = spec["message"]
        if "url" in spec:
            config["ExternalEntityLink"] = spec["url"]
        extra = {"TimeoutInMinutes": minutes(spec["timeout"])} if "timeout" in spec else {}
        return Emitted("Approval", "AWS", "Manual", config, name=name, inputs=(), outputs=(),
                       step=step, extra=extra)

    def _test(self, action, ctx, step: int) -> list[Emitted]:
        test = test_action(action, [src.output for src in ctx.pipeline.sources])
        p = providers.actions()[(test.type, test.provider)]
        out = []
        for e in p.emit(test, ctx):
            extra = dict(e.extra)
            if test.namespace:
                extra["Namespace"] = test.namespace
            if test.timeout_minutes is not None:
                extra["TimeoutInMinutes"] = test.timeout_minutes
            config = {**e.configuration, **test.configuration}
            out.append(Emitted(e.category, e.owner, e.provider, config,
                               name=e.name or test.name,
                               inputs=test.inputs if e.inputs is None else e.inputs,
                               outputs=(), step=step + e.step, version=e.version, extra=extra))
        return out


PROVIDERS = [DnsTrafficShift()]
