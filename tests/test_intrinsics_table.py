"""The intrinsics table (pipegen.intrinsic_keys) holds: for every key it marks as taking intrinsics,
specs that put `!Ref P`, `!Sub`, `!If` and (where marked) `#{ns.var}` there compile lint-clean
and never PG901; every literal-only key gives the documented located error (PG207 with the
table's reason). The table is also docs/intrinsics.md.

Specs are generated from the samples: each key is probed in the first sample that uses it, with
only that value replaced (plus the parameter, condition, namespace, mapping or resource the probe
needs). Keys no sample uses are probed in the small specs of BASES below, so every key of the
table is probed. Besides `!Ref`, `!Sub` and `!If`, every intrinsic-capable key also takes the
other families a CloudFormation user writes where a value goes: `!GetAtt`, `!ImportValue`,
`!FindInMap`, `!Join` and `!Select` (FAMILIES).
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from conftest import ROOT, SAMPLES

from pipegen import intrinsic_keys as intrinsics
from pipegen import providers
from pipegen.compiler import compile_spec
from pipegen.errors import SpecError, format_path
from pipegen.loader import load_file, load_text

TABLE = intrinsics.table()
P = "PgProbe"

# Keys whose probe needs a companion change a single-key probe cannot make, with the test that
# covers them instead.
COUPLED = {
    "stages[].actions[].region": "an intrinsic region needs its store under the same intrinsic "
                                 "(tests/test_realworld.py::test_region_from_a_parameter)",
    "stages[].actions[build/codebuild|test/codebuild].project.secrets.*":
        "an intrinsic secret names its store: {secrets_manager: !Ref P} (PG347; "
        "tests/test_actions_build.py)",
    "stages[].actions[build/codebuild|test/codebuild].secrets.*": "as above",
    "sources[github-enterprise].connection": "the sample's `host` belongs to `connection: "
                                             "generated` (PG324); sources[github].connection "
                                             "probes the same key",
}
# Keys that take only some intrinsic forms, by design.
ONLY = {
    "sources[github-v1].oauth_token": ("ref",),  # a !Ref to a no_echo parameter (PG321)
    "sources[github-v1].webhook_secret": ("ref",),
}
DURATION = re.compile(r"^[0-9]+(s|m|h|d)$")


# Bases for the keys no sample uses: each a spec that compiles lint-clean as written, so a
# probe's failure is the probed key's. Keep each small (they compile once per probe).
BASES = {
    "base-pipeline-role.yaml": """\
pipegen: 1
name: probe-roles
role:
  generated: true
  name: probe-pipeline-role
  permissions_boundary: arn:aws:iam::111111111111:policy/boundary
  extra_policies: [arn:aws:iam::111111111111:policy/extra]
  managed_policies: [arn:aws:iam::111111111111:policy/managed]
  permissions:
    - actions: [sns:Publish]
      resources: [arn:aws:sns:us-east-1:111111111111:releases]
artifacts:
  bucket:
    name: probe-artifacts-111111111111
    retain: false
    access_logs: {bucket: probe-access-logs, prefix: artifacts/}
  encryption: generated
  grant:
    read: [arn:aws:iam::222222222222:role/reader]
    write: [arn:aws:iam::222222222222:role/writer]
resources:
  Extra:
    Type: AWS::SNS::Topic
    Properties: {KmsMasterKeyId: alias/aws/sns}
depends_on: [Extra]
sources:
  - name: App
    provider: codecommit
    repository: app
    branch: main
  - name: Config
    provider: codecommit
    repository: config
    branch: main
    after: [App]
  - name: Images
    provider: ecr
    repository: app
    trigger: events
    run_order: 2
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        run_order: 1
        inputs: [AppSource]
        project:
          buildspec: buildspec.yml
          description: Builds the app
          queued_timeout: 8h
          encryption_key: arn:aws:kms:us-east-1:111111111111:alias/probe-builds
          cache: {type: s3, location: probe-cache/app}
          vpc: {id: vpc-0abc1234, subnets: [subnet-0abc1234, subnet-0def5678],
                security_groups: [sg-0abc1234]}
          file_systems: [{id: fs-0abc1234, path: /data, mount: /mnt/efs, identifier: efs1,
                          options: "nfsvers=4.1"}]
          managed_policies: [arn:aws:iam::111111111111:policy/build-extra]
      - name: Cached
        type: build
        inputs: [AppSource]
        project:
          buildspec: buildspec.yml
          service_role: arn:aws:iam::111111111111:role/build
          cache: {type: local, modes: [docker-layer, source]}
""",
    "base-connections.yaml": """\
pipegen: 1
name: probe-sources
sources:
  - name: Bb
    provider: bitbucket
    repository: acme/bb
    branch: main
    connection: generated
    trigger: push
    filters:
      file_paths: {include: ["src/**"], exclude: ["docs/**"]}
      tags: {include: ["v*"], exclude: ["v0*"]}
      pull_requests: {events: [open]}
  - name: Gl
    provider: gitlab
    repository: acme/gl
    branch: main
    connection: generated
    host: arn:aws:codeconnections:us-east-1:111111111111:host/gl-1a2b3c
    trigger: push
    filters:
      file_paths: {include: ["src/**"], exclude: ["docs/**"]}
      tags: {include: ["v*"], exclude: ["v0*"]}
      pull_requests: {events: [open]}
  - name: Ghe
    provider: github-enterprise
    repository: acme/ghe
    branch: main
    connection: generated
    host: arn:aws:codeconnections:us-east-1:111111111111:host/ghe-1a2b3c
    trigger: push
    filters:
      file_paths: {include: ["src/**"], exclude: ["docs/**"]}
      tags: {include: ["v*"], exclude: ["v0*"]}
      pull_requests: {events: [open]}
  - name: Gh
    provider: github
    repository: acme/gh
    branch: main
    connection: arn:aws:codeconnections:us-east-1:111111111111:connection/abc
    filters:
      tags: {include: ["v*"], exclude: ["v0*"]}
stages:
  - name: Build
    actions:
      - name: Compile
        type: build
        inputs: [BbSource]
        project: {buildspec: buildspec.yml}
""",
    "base-github-v1.yaml": """\
pipegen: 1
name: probe-ghv1
type: v1
parameters:
  Token: {type: String, no_echo: true}
  Secret: {type: String, no_echo: true}
sources:
  - name: Portal
    provider: github-v1
    repository: acme/portal
    branch: main
    oauth_token: !Ref Token
    webhook_secret: !Ref Secret
    register_webhook: true
    trigger: webhook
stages:
  - name: Build
    actions:
      - name: Build
        type: build
        project: {buildspec: buildspec.yml}
""",
    "base-stage-rules.yaml": """\
pipegen: 1
name: probe-stages
sources:
  - name: App
    provider: codecommit
    repository: app
    branch: main
    namespace: SourceVars
stages:
  - name: Build
    on_failure:
      result: rollback
      rules:
        - {alarm: build-alarm, wait: 5m}
        - deployment_window: {cron: "0 9-16 ? * MON-FRI *", timezone: UTC}
        - variable_check: {variable: "#{SourceVars.BranchName}", operator: eq, value: main}
    on_success:
      result: fail
      rules:
        - name: Window
          deployment_window: {cron: "0 9-16 ? * MON-FRI *", timezone: UTC}
        - variable_check: {variable: "#{SourceVars.BranchName}", operator: ne, value: dev}
        - lambda: health-check
    before_entry:
      result: fail
      rules:
        - {alarm: entry-alarm, wait: 10m}
        - lambda: entry-check
    actions:
      - name: Compile
        type: build
        project: {buildspec: buildspec.yml}
        outputs: [Built]
  - name: Deploy
    actions:
      - name: Stack
        type: deploy
        provider: cloudformation
        mode: change-set
        approve: true
        names: {create: Plan, approve: Review, execute: Apply}
        stack: app
        template: Built::stack.yaml
        deploy_role: arn:aws:iam::111111111111:role/cfn
        inputs: [Built]
      - name: Toggles
        type: deploy
        provider: appconfig
        application: app
        environment: prod
        profile: toggles
        path: toggles.json
        flags: false
        inputs: [Built]
        strategy: all-at-once
""",
    "base-deploy-extras.yaml": """\
pipegen: 1
name: probe-deploys
sources:
  - name: App
    provider: codecommit
    repository: app
    branch: main
stages:
  - name: Release
    actions:
      - name: Cutover
        type: deploy
        provider: dns
        hosted_zone: Z0123456789ABC
        record: api.example.com
        blue: blue.example.com
        green: green.example.com
        strategy: blue-green
        test:
          name: SmokeGreen
          type: test
          provider: codebuild
          project: smoke-tests
          inputs: [AppSource]
          outputs: [SmokeReport]
          namespace: SmokeVars
          configuration: {PrimarySource: AppSource}
  - name: Devices
    actions:
      - name: Appium
        type: test
        provider: devicefarm
        project: eec4905f-98f8-40aa-9afc-4c1cfexample
        device_pool: arn:aws:devicefarm:us-west-2:111111111111:devicepool:eec4905f/4a5b6c7d
        app_type: android
        app: app-release.apk
        test_type: appium-java-junit
        test: tests.zip
        test_spec: spec.yml
        appium_version: "2.0"
        unmetered_devices_only: true
        custom_host_machine_artifacts: /tmp/host
        custom_device_artifacts: /sdcard/out
  - name: Ecs
    actions:
      - name: Api
        type: deploy
        provider: ecs
        cluster: orders
        service: orders-api
        load_balancer:
          target_groups: [orders-blue, orders-green]
          listener: arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/o/0123/4567
        strategy: blue-green
        service_role: arn:aws:iam::111111111111:role/codedeploy
        inputs: [AppSource]
""",
}


def _sample_data() -> list[tuple[str, dict]]:
    samples = [(p.name, load_file(p).data) for p in sorted(SAMPLES.glob("*.yaml"))]
    return samples + [(name, load_text(text, name).data) for name, text in BASES.items()]


SAMPLE_DATA = _sample_data()


def _matches(key: intrinsics.Key, spec_path: tuple, data: dict) -> bool:
    """Whether a concrete spec path is an occurrence of the table key."""
    pattern = key.path
    head, _, _ = pattern.partition(".")
    m = re.match(r"^(sources|stages\[\]\.actions)\[([^\]]*)\]\.(.*)$", pattern)
    if m:
        where, kinds, inner = m.groups()
        if where == "sources":
            if spec_path[:1] != ("sources",) or len(spec_path) < 3:
                return False
            node = data["sources"][spec_path[1]]
            if kinds and node.get("provider") != kinds:
                return False
            rest = spec_path[2:]
        else:
            if spec_path[:1] != ("stages",) or len(spec_path) < 5 or spec_path[2] != "actions":
                return False
            node = data["stages"][spec_path[1]]["actions"][spec_path[3]]
            kind = (node.get("type"), node.get("provider",
                                                providers.DEFAULT_PROVIDER.get(node.get("type"))))
            if kinds and f"{kind[0]}/{kind[1]}" not in kinds.split("|"):
                return False
            rest = spec_path[4:]
        return _inner(inner, rest)
    if pattern.startswith("stages[]."):
        return spec_path[:1] == ("stages",) and len(spec_path) > 2 and _inner(
            pattern.removeprefix("stages[]."), spec_path[2:])
    return _inner(pattern, spec_path)


def _inner(dotted: str, rest: tuple) -> bool:
    parts = []
    for piece in dotted.split("."):
        if piece.endswith("[]"):
            parts += [piece[:-2], int]
        else:
            parts.append(piece)
    if len(parts) != len(rest):
        return False
    for want, got in zip(parts, rest, strict=True):
        if want is int:
            if not isinstance(got, int):
                return False
        elif want != "*" and want != got:
            return False
    return True


def _paths(value, path=()):
    yield path
    if isinstance(value, dict) and not (len(value) == 1 and next(iter(value)).startswith(
            ("Fn::", "Ref"))):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


def _occurrences(key: intrinsics.Key):
    for name, data in SAMPLE_DATA:
        for path in _paths(data):
            if path and _matches(key, path, data):
                yield name, data, path


def _occurrence(key: intrinsics.Key):
    return next(_occurrences(key), None)


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value


RESOURCE = "PgProbeValue"  # an AWS::SSM::Parameter whose Value the !GetAtt probe reads
MAPPING = "PgProbeMap"


def _family(form: str, original) -> tuple[dict, dict]:
    """The value of an intrinsic-family probe, and the top-level sections it needs.

    The parameter has no default and the mapping holds the key's own literal, so what cfn-lint
    resolves is what the spec wrote (a probe of a role ARN is not linted as "dev-probe")."""
    listy = isinstance(original, list)
    ref = {"Ref": P}
    needs: dict = {"parameters": {P: {"type": "String"}}}
    if form == "getatt":
        needs = {"resources": {RESOURCE: {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Value": "probe"}}}}
        value = {"Fn::GetAtt": [RESOURCE, "Value"]}
    elif form == "importvalue":
        value = {"Fn::ImportValue": {"Fn::Sub": "${" + P + "}-probe"}}
    elif form == "findinmap":
        literal = original if isinstance(original, (str, list)) else "probe"
        needs["mappings"] = {MAPPING: {"dev": {"value": literal}}}
        return {"Fn::FindInMap": [MAPPING, ref, "value"]}, needs
    elif form == "join":
        value = {"Fn::Join": ["-", [ref, "probe"]]}
    else:  # select
        value = {"Fn::Select": [0, {"Fn::Split": [",", ref]}]}
    return ({"Fn::Split": [",", value]} if listy else value), needs


def _probe(data: dict, path: tuple, form: str) -> dict:
    spec = copy.deepcopy(data)
    original = _get(spec, path)
    listy = isinstance(original, list)
    artifact = original.split("::", 1)[0] if isinstance(original, str) and \
        "::" in original else None
    if form in FAMILIES:
        value, needs = _family(form, original)
        if artifact is not None:
            # ARTIFACT::path: the artifact stays literal, the path takes the intrinsic.
            value = {"Fn::Join": ["::", [artifact, {"Ref": P}]]} if form == "join" else \
                {"Fn::Join": ["", [artifact + "::", value]]}
        for section, entries in needs.items():
            spec.setdefault(section, {}).update(entries)
        _set(spec, path, value)
        return spec
    # no_echo where the probe stands in a secret's place (an OAuth token), which must not echo;
    # elsewhere a plain parameter (a no_echo one in plain text is refused: PG331, PG397).
    secret_slot = path[-1] in ("oauth_token", "webhook_secret")
    spec.setdefault("parameters", {})[P] = {"type": "CommaDelimitedList" if listy else "String",
                                            **({"no_echo": True} if secret_slot else {})}
    if artifact is not None and form != "var":
        # ARTIFACT::path: the artifact stays literal, the path takes the intrinsic (SPEC.md).
        value = {"Fn::Sub": artifact + "::${" + P + "}"}
        if form == "if":
            spec.setdefault("conditions", {})[P + "On"] = {"Fn::Equals": [{"Ref": P}, "on"]}
            value = {"Fn::If": [P + "On", original, value]}
    elif form == "ref":
        value = {"Ref": P}
    elif form == "sub":
        text = original if isinstance(original, str) else ""
        value = {"Fn::Sub": text.replace("${", "${!") + "${" + P + "}"} if not listy else {
            "Fn::Split": [",", {"Fn::Sub": "${" + P + "}"}]}
    elif form == "if":
        spec.setdefault("conditions", {})[P + "On"] = {"Fn::Equals": [{"Ref": P}, "on"]} \
            if not listy else {"Fn::Equals": [{"Fn::Join": ["", {"Ref": P}]}, "on"]}
        # A mapping original is pipegen's own form (a role to generate): both branches are
        # then intrinsics.
        # A duration inside an intrinsic is in the property's own unit: both branches refer.
        # pipegen's own words (`generated`) cannot sit in an intrinsic (PG240).
        other = original if not isinstance(original, dict) and not (
            isinstance(original, str) and DURATION.match(original)) and original not in (
                "generated", "aws-managed") else {
                "Fn::Sub": "${" + P + "}-b"}
        value = {"Fn::If": [P + "On", other, {"Ref": P}]}
    else:  # a CodePipeline variable of the first source's namespace
        namespace = spec["sources"][0].setdefault("namespace", "PgVars")
        prefix = artifact + "::" if artifact is not None else ""
        value = prefix + "#{" + namespace + ".CommitId}"
        del spec["parameters"][P]
        if not spec["parameters"]:
            del spec["parameters"]
    _set(spec, path, value)
    return spec


def _compile(tmp_path, spec: dict, linter=None):
    target = tmp_path / "probe.yaml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return compile_spec(target, linter=linter)


INTRINSIC_KEYS = [k for k in TABLE if k.intrinsic and k.path not in COUPLED]
LITERAL_KEYS = [k for k in TABLE if not k.intrinsic]
FORMS = ("ref", "sub", "if", "var")
# The other intrinsic families a CloudFormation user writes where a value goes.
FAMILIES = ("getatt", "importvalue", "findinmap", "join", "select")


def test_docs_table_is_current():
    assert (ROOT / "docs" / "intrinsics.md").read_text() == intrinsics.markdown(), \
        "run `python -m pipegen.intrinsic_keys > docs/intrinsics.md`"


def test_every_key_is_probed():
    # A key no sample uses is probed in BASES: a new key needs a sample or a base that uses it.
    missing = sorted(k.path for k in INTRINSIC_KEYS + LITERAL_KEYS if _occurrence(k) is None)
    assert not missing, "add these keys to a sample or to BASES: " + ", ".join(missing)


@pytest.mark.parametrize("key", INTRINSIC_KEYS, ids=lambda k: k.path)
def test_intrinsic_key_takes_every_form(tmp_path, linter, key):
    found = _occurrence(key)
    assert found is not None, "no sample or base uses this key (test_every_key_is_probed)"
    # A sample whose other keys depend on this one's literal form (`host` needs `connection:
    # generated`) is no place to probe it: take the first where the plain !Ref compiles.
    for candidate in _occurrences(key):
        try:
            _compile(tmp_path, _probe(candidate[1], candidate[2], "ref"))
        except SpecError:
            continue
        found = candidate
        break
    name, data, path = found
    # Two of the other families per key, chosen by the key, keep the run short; across the
    # table each family is probed on about two keys in five.
    seed = sum(map(ord, key.path))
    families = (FAMILIES[seed % 5], FAMILIES[(seed + 2) % 5])
    forms = [f for f in ONLY.get(key.path, FORMS + families) if f != "var" or key.variables]
    # Every form compiles (no PG901, no error); one of them, chosen by the key, is linted
    # too, so the whole table is linted across the forms without linting each twice.
    linted = forms[seed % len(forms)]
    for form in forms:
        spec = _probe(data, path, form)
        try:
            result = _compile(tmp_path, spec, linter if form == linted else None)
        except SpecError as e:
            pytest.fail(f"{name} with {form} at {format_path(path)}: " + "; ".join(
                f"{d.code} {format_path(d.path)} {d.message}" for d in e.diagnostics))
        # A policy never contains #{ (PG384 widens it).
        assert "#{" not in str([r for r in result.template["Resources"].values()
                                if r["Type"].startswith("AWS::IAM::")])


@pytest.mark.parametrize("key", LITERAL_KEYS, ids=lambda k: k.path)
def test_literal_key_refuses_an_intrinsic_and_says_why(tmp_path, key):
    found = _occurrence(key)
    assert found is not None, "no sample or base uses this key (test_every_key_is_probed)"
    name, data, path = found
    spec = _probe(data, path, "ref")
    with pytest.raises(SpecError) as info:
        _compile(tmp_path, spec)
    here = [d for d in info.value.diagnostics if d.path == path]
    assert here, f"{name}: no error at {format_path(path)}: " + "; ".join(
        f"{d.code} {format_path(d.path)}" for d in info.value.diagnostics)
    assert here[0].code in ("PG207", "PG203"), here[0]
    if here[0].code == "PG207":
        assert here[0].message.endswith(key.reason)
        assert here[0].span is not None and here[0].hint


def test_every_family_is_probed():
    # The rotation in test_intrinsic_key_takes_every_form reaches every family.
    seen = set()
    for key in INTRINSIC_KEYS:
        if key.path not in ONLY:
            seed = sum(map(ord, key.path))
            seen |= {FAMILIES[seed % 5], FAMILIES[(seed + 2) % 5]}
    assert seen == set(FAMILIES)


@pytest.mark.parametrize("name", sorted(BASES))
def test_bases_compile_lint_clean(tmp_path, linter, name):
    # A probe's failure must be the probed key's: each base compiles lint-clean as written.
    target = tmp_path / name
    target.write_text(BASES[name], encoding="utf-8")
    result = compile_spec(target, linter=linter)
    assert result.template["Resources"]["Pipeline"]["Type"] == "AWS::CodePipeline::Pipeline"
