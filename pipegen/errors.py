"""Diagnostics: where a problem is (Span), what it is (Diagnostic), and the stable code table.

Every phase reports problems as Diagnostics and raises SpecError once, with all of them, when it
cannot go on. Codes are grouped by phase and never reused:

  PG1xx load (YAML), PG2xx schema, PG3xx semantic checks, PG4xx expansion and emit
  (PG410-PG459 reserved for the expand phase and deployment strategies: PG410-PG419 expand
  and the strategy registry, PG420-PG459 the strategies), PG5xx lint, PG6xx check
  (staleness), PG9xx internal.

Each code's severity and the phase that raises it are columns of the table (a code whose
`phase` is empty is raised by its block's phase); docs/errors.md groups codes by that phase,
and tests/test_error_cases.py checks it against the phase that raises each error golden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

Path = tuple  # of str keys and int indices, from the spec root


@dataclass(frozen=True, order=True)
class Span:
    """A region of a spec file; lines and columns are 1-based, the end is exclusive."""

    file: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    path: Path = ()
    hint: str | None = None
    severity: str = "error"  # error | warning
    related: tuple[Span, ...] = field(default=())  # other places the message names
    redact: bool = False  # the span holds a secret: reports mask it instead of quoting it

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class SpecError(Exception):
    """Raised by a phase that found errors; carries every diagnostic it collected."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


def format_path(path: Path) -> str:
    """('stages', 2, 'actions', 0) -> 'stages[2].actions[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class Code(NamedTuple):
    title: str
    explanation: str
    example: str
    fix: str
    severity: str = "error"  # error | warning: what a diagnostic with this code is by default
    phase: str = ""  # the phase that raises it (PHASES); "" = its block's (DEFAULT_PHASE)


# The phases, in the order they run, as docs/errors.md groups the codes.
PHASES = ("load", "schema", "build", "expand", "emit", "lint", "check", "import", "internal")
# A code's phase when its entry names none: by its block.
DEFAULT_PHASE = {"1": "load", "2": "schema", "3": "build", "4": "emit", "5": "lint",
                 "6": "check", "7": "import", "9": "internal"}


def phase_of(code: str) -> str:
    return CODES[code].phase or DEFAULT_PHASE[code[2]]


def severity_of(code: str) -> str:
    return CODES[code].severity


# The catalog: docs/errors.md is generated from this table (`python -m pipegen.doc_errors`).
CODES: dict[str, Code] = {
    # --- load
    "PG101": Code("file cannot be read", "The spec file does not exist or is not readable.",
                  "pipegen compile missing.yaml", "Check the path."),
    "PG102": Code("YAML syntax error", "The file is not well-formed YAML.",
                  "stages: [Build", "Fix the YAML at the location shown."),
    "PG103": Code("duplicate key", "A mapping names the same key twice; YAML would silently keep "
                  "the last one.", "name: a\nname: b", "Remove one of the two keys."),
    "PG104": Code("unsupported tag", "Only the CloudFormation short-form intrinsics (!Ref, !Sub, "
                  "...) may be used as tags; Python and custom tags are refused.",
                  "role: !!python/object:os.system x",
                  "Use a plain value or a CloudFormation intrinsic."),
    "PG105": Code("empty spec", "The file holds no document.", "# only a comment",
                  "Write a spec; see samples/."),
    "PG106": Code("spec root is not a mapping", "The document must be a mapping of top-level keys.",
                  "- name: x", "Start the file with `pipegen: 1`."),
    "PG107": Code("not UTF-8", "The file is not valid UTF-8 text.", "(a Latin-1 byte)",
                  "Save the file as UTF-8."),
    "PG108": Code("tab in indentation", "YAML indents with spaces only.", "\tname: x",
                  "Replace the tabs with spaces."),
    "PG109": Code("alias expansion too large", "An alias stands for more nodes than pipegen "
                  "allows; documents like 'billion laughs' are refused before expansion.",
                  "b: [*a, *a, *a, ...]", "Write the values out, or use fewer aliases."),
    "PG110": Code("nesting too deep", "The document nests deeper than pipegen allows.",
                  "[[[[[[...]]]]]]", "Flatten the structure."),
    "PG111": Code("file too large", "The spec file is larger than pipegen accepts (1 MiB).",
                  "(a 2 MiB spec file)",
                  "Split the pipeline; a spec this large is not one pipeline."),
    "PG112": Code("merge keys not supported", "YAML merge keys (<<) are refused: they hide "
                  "where values come from.", "<<: *defaults", "Write the keys out."),
    "PG113": Code("non-string key", "Mapping keys must be strings.", "1: x", "Quote the key."),
    # --- schema
    "PG201": Code("unknown key", "A key that the spec language does not define.",
                  "stages: [{name: Build, actoins: []}]", "Use a key from the schema; the hint "
                  "names the closest one."),
    "PG202": Code("missing key", "A required key is absent.",
                  "sources: [{provider: codecommit, branch: main}]",
                  "Add the key; the hint says what needs it."),
    "PG203": Code("wrong type", "A value has the wrong type: a list where a string goes, a "
                  "string where true or false goes (`yes` is a string in YAML 1.2), an "
                  "intrinsic where pipegen needs a mapping.", "restart_on_update: yes",
                  "Write a value of the type named."),
    "PG204": Code("value not allowed", "A value is not one of the allowed values (an "
                  "enumerated setting, a provider of the action's type).", "type: v3",
                  "Use one of the values listed; the hint names the closest one."),
    "PG205": Code("invalid value", "A value does not have the form the key requires (a name, "
                  "an ARN, a duration), or is out of bounds (too long, too few items).",
                  "outputs: [Built.zip]", "Follow the form the message and hint name."),
    "PG206": Code("spec version not supported", "The `pipegen:` key names a version this "
                  "pipegen does not read.", "pipegen: 9", "Use `pipegen: 1`."),
    "PG208": Code("part of the language, not supported yet", "SPEC.md documents the key, "
                  "and this version of pipegen has not built it yet (it is not a typo).",
                  "strategy: {canary: {step: 10%, bake: 5m}}",
                  "Remove it for now, or write what it stands for under `resources:` or the "
                  "action's raw `configuration:`."),
    "PG207": Code("intrinsic not allowed here", "A key that pipegen reads to decide structure "
                  "must be a literal.", "provider: !Ref P", "Write a literal value."),
    # --- semantic
    "PG240": Code("pipegen keyword in an intrinsic", "A word pipegen reads itself "
                  "(`generated`, `aws-managed`) appears inside an intrinsic function, which "
                  "CloudFormation resolves only after pipegen decided what to create.",
                  "connection: !If [HasArn, !Ref ConnectionArn, generated]",
                  "Write the word as the whole value, or give every branch a real ARN or name; "
                  "declare a conditionally created thing under `resources:` with `Condition`.",
                  phase="build"),
    "PG301": Code("duplicate name", "Two stages, actions, sources or artifacts share a name.",
                  "stages:\n  - {name: Build, actions: [...]}\n  - {name: Build, actions: "
                  "[...]}", "Rename one of them."),
    "PG302": Code("input not produced", "An action's input artifact is not produced by any "
                  "earlier action.", "inputs: [Built]", "Name an artifact produced earlier; the "
                  "hint lists them.", phase="expand"),
    "PG303": Code("inputs needed", "An action needs inputs and pipegen cannot pick a default.",
                  "sources: [{name: App, ...}, {name: Config, ...}]\n"
                  "stages: [{name: Build, actions: [{name: B, type: build, project: p}]}]",
                  "Add `inputs`."),
    "PG304": Code("branch required", "Every VCS source needs exactly one branch.",
                  "sources: [{provider: codecommit, repository: app}]",
                  "Add `branch: main` (one per pipeline)."),
    "PG305": Code("v2-only feature in a v1 pipeline", "The feature needs `type: v2`.",
                  "type: v1\nvariables: {ENV: {default: dev}}",
                  "Remove the feature or use `type: v2`."),
    "PG306": Code("undeclared reference", "A !Ref or !GetAtt names nothing the template declares.",
                  "connection: !Ref Missing",
                  "Declare the parameter or resource, or fix the name.", phase="emit"),
    "PG307": Code("artifact count", "An action has more or fewer inputs or outputs than its "
                  "provider allows.", "{name: Approve, type: approval, inputs: [Built]}",
                  "Adjust inputs or outputs.", phase="expand"),
    "PG308": Code("invalid artifact name", "A source's default output artifact name "
                  "(<name>Source) is not a valid artifact name: artifact names allow letters, "
                  "digits, '-' and '_' only, while source names may hold '.' and '@'. (A "
                  "written artifact name with such characters is PG205.)",
                  "sources: [{name: app.src, provider: codecommit, ...}]",
                  "Add `output: NAME` to the source."),
    "PG309": Code("bad ARTIFACT::path", "An ARTIFACT::path names an artifact that is not one "
                  "of the action's inputs.", "template: Other::t.yaml", "Use one of the inputs."),
    "PG310": Code("ordering cycle", "`after:` lists form a cycle.",
                  "actions: [{name: A, after: [B], ...}, {name: B, after: [A], ...}]",
                  "Break the cycle.", phase="expand"),
    "PG311": Code("unknown action in after", "`after:` names an action not in the stage.",
                  "after: [Lint]", "Name an action of the same stage."),
    "PG312": Code("invalid combination", "Keys that cannot be used together, or a value that "
                  "does not fit the rest of the spec.", "format: clone-ref feeding a deploy",
                  "Follow the hint.", phase="expand"),
    # --- sources and triggers (PG320-PG339)
    "PG313": Code("EFS file system without a VPC", "A CodeBuild project mounts EFS file "
                  "systems through its VPC; `file_systems` needs `vpc`.",
                  "project: {file_systems: [{id: fs-1, mount: /mnt/efs, identifier: efs}]}",
                  "Add `vpc: {id, subnets, security_groups}` reaching the mount targets."),
    "PG320": Code("secret in plain text", "A token or webhook secret is written into the spec; "
                  "it would end up in the template, the stack and every log that shows them. "
                  "The message never repeats the value, and the excerpt masks it.",
                  "oauth_token: ghp_0123456789abcdef",
                  "Store it in Secrets Manager and write `{{resolve:secretsmanager:NAME:"
                  "SecretString:KEY}}`, or `!Ref` a parameter with `no_echo: true`."),
    "PG321": Code("secret from an unsafe source", "A secret comes from something CloudFormation "
                  "shows in plain text: a parameter without `no_echo`, a resource's id, or an "
                  "intrinsic that is not a dynamic reference.",
                  "oauth_token: !Ref GitHubToken (a parameter without no_echo)",
                  "Set `no_echo: true` on the parameter, or use a dynamic reference."),
    "PG322": Code("filters without push detection", "`filters` describe what starts the "
                  "pipeline, and `trigger: none` says nothing does.",
                  "trigger: none with filters: {tags: ...}",
                  "Remove `trigger: none`, or remove `filters`."),
    "PG323": Code("connection host needed", "A generated GitHub Enterprise Server connection "
                  "must name the CodeConnections host of the installation.",
                  "provider: github-enterprise, connection: generated, no host",
                  "Add `host: arn:aws:codeconnections:REGION:ACCOUNT:host/...`."),
    "PG324": Code("host not used", "`host` is read only with `connection: generated` on "
                  "github-enterprise and gitlab sources, and all sources sharing one generated "
                  "connection must agree on it.", "host with connection: !Ref ConnectionArn",
                  "Remove `host`, or pass the second connection's ARN instead."),
    "PG325": Code("event trigger on a cross-account source", "A cross-account CodeCommit "
                  "repository cannot be watched by this account's EventBridge rules: the rule "
                  "would have to live in the repository's account.",
                  "role: arn:aws:iam::333333333333:role/reader with trigger: events (the default)",
                  "Use `trigger: poll` or `trigger: none`."),
    "PG326": Code("repository owner", "A github-v1 source needs exactly one owner: "
                  "`owner:` or `repository: owner/repo`.", "repository: orders (no owner)",
                  "Write `repository: owner/repo`, or add `owner:`."),
    "PG327": Code("setting unused by this trigger", "A source key that only one trigger reads "
                  "is set while the source uses another trigger.",
                  "via: cloudtrail with trigger: poll", "Remove the key, or change `trigger`."),
    "PG328": Code("source bucket not versioned", "An S3 source reads object versions: its "
                  "bucket must have versioning on. pipegen checks buckets declared in "
                  "`resources`.", "bucket: !Ref Sources, a resource without versioning",
                  "Add `VersioningConfiguration: {Status: Enabled}` to the bucket."),
    "PG329": Code("source bucket sends no EventBridge events", "With `via: eventbridge` the "
                  "rule matches the bucket's own EventBridge notifications; a bucket declared "
                  "in `resources` without them would never start the pipeline.",
                  "bucket: !Ref Sources, a resource without EventBridgeConfiguration",
                  "Enable `NotificationConfiguration.EventBridgeConfiguration."
                  "EventBridgeEnabled`, or use `via: cloudtrail`."),
    "PG339": Code("nothing starts the pipeline", "Every source says `trigger: none`: the "
                  "pipeline runs only when someone starts it (console, CLI, API).",
                  "sources: [{provider: s3, ..., trigger: none}]",
                  "Choose a trigger, or acknowledge the warning (`acknowledge: [PG339]`).",
                  severity="warning"),
    "PG330": Code("lint waiver on pipegen's resources", "An `overrides` path sets `Metadata` "
                  "`cfn-lint` or `checkov` on a resource pipegen generates, or for the whole "
                  "template: pipegen's own output passes the lint gate and scanners without "
                  "waivers, and a waiver there could hide a weakened resource.",
                  "Resources.PipelineRole.Metadata.cfn-lint: {config: {ignore_checks: [W3005]}}",
                  "Fix what the rule reports in the spec; a waiver may sit only on a resource "
                  "of your own under `resources:`.", phase="emit"),
    "PG331": Code("secret in a plain-text variable", "A Secrets Manager dynamic reference or a "
                  "`no_echo` parameter is the value of a plain-text environment variable (a "
                  "CodeBuild project's `environment`, an action's `environment_variables`): "
                  "anyone who can read the project or the pipeline reads the secret.",
                  "environment_variables: {TOKEN: '{{resolve:secretsmanager:ci:SecretString:t}}'}",
                  "Move it under `secrets:` (a Secrets Manager ARN, or `{parameter_store: "
                  "NAME}`): the build reads it at run time."),
    "PG332": Code("secret mixed with text", "An `oauth_token` or `webhook_secret` holds a "
                  "dynamic reference with other text around it; the text would be sent as part "
                  "of the credential, and a literal part of it sits in the template.",
                  "oauth_token: '{{resolve:secretsmanager:gh:SecretString:t}}x'",
                  "Write exactly one whole dynamic reference, or `!Ref` a `no_echo` parameter."),
    "PG333": Code("pull requests start a pipeline that deploys", "A source starts the "
                  "pipeline on pull requests (`filters.pull_requests` or `trigger: "
                  "pull-request`), so code nobody has reviewed or merged runs through every "
                  "stage, and the spec also deploys, invokes a function, runs `commands`, or "
                  "runs an action or source as an assumed (possibly cross-account) role: a pull "
                  "request could change what reaches those.",
                  "filters: {pull_requests: {events: [open]}} in a spec with a deploy stage",
                  "Validate pull requests in a spec of their own with `trigger: pull-request` "
                  "and build and test actions only, and keep `pull_requests` out of the "
                  "deploying spec; acknowledge PG333 when the pipeline is meant to run pull "
                  "requests this far.", severity="warning"),
    # --- actions, stages, ordering (PG340-PG369)
    "PG340": Code("action timeout not available", "CodePipeline takes an action-level "
                  "`timeout` (TimeoutInMinutes) on manual approvals only; other actions run "
                  "under their provider's own limits.", "type: build\ntimeout: 30m",
                  "Remove `timeout`; for CodeBuild set `project: {timeout: 30m}`."),
    "PG341": Code("value out of range", "A provider setting is outside what AWS accepts "
                  "(a CodeBuild timeout, a configuration value's length, a list's size).",
                  "project: {timeout: 2m}", "Use a value inside the range the message names."),
    "PG342": Code("primary_source needed", "A CodeBuild action with several inputs must say "
                  "which one it checks out as its primary source.", "inputs: [App, Config]",
                  "Add `primary_source: App`."),
    "PG343": Code("primary_source not an input", "`primary_source` must name one of the "
                  "action's own inputs.", "inputs: [App]\nprimary_source: Config",
                  "Name one of the inputs, or add the artifact to `inputs`."),
    "PG344": Code("conflicting keys", "Two keys of an action cannot be used together, or one "
                  "needs another.", "input: '{}' with input_file: in.json",
                  "Keep one of them, as the hint says."),
    "PG345": Code("run_order contradicts ordering", "An explicit `run_order` puts an action "
                  "before (or beside) an action it must wait for, by `after:` or because that "
                  "action produces one of its inputs.", "run_order: 1\nafter: [Build]",
                  "Drop `run_order` and let `after:` decide, or raise it.", phase="expand"),
    "PG346": Code("artifact listed twice", "An action lists the same artifact twice in its "
                  "inputs or outputs.", "inputs: [App, App]", "List each artifact once.",
                  phase="expand"),
    "PG347": Code("secret store unknown", "A secret given as an intrinsic function does not "
                  "say whether it lives in Secrets Manager or Parameter Store.",
                  "secrets: {TOKEN: !Ref TokenArn}",
                  "Write `{secrets_manager: !Ref TokenArn}` or `{parameter_store: ...}`."),
    "PG348": Code("cross-region not allowed", "Custom (Jenkins) and third-party (partner) "
                  "actions cannot run in another region.", "provider: jenkins\nregion: eu-west-1",
                  "Remove `region`, or use `region: !Ref AWS::Region`."),
    "PG349": Code("intrinsic in inline buildspec", "An inline buildspec becomes one YAML text; "
                  "CloudFormation intrinsics cannot be placed inside it.",
                  "buildspec: {phases: {build: {commands: [!Ref Cmd]}}}",
                  "Pass the value as a project `environment` variable and read it in the "
                  "buildspec."),
    "PG350": Code("input needed for this setting", "A setting reads a file from an input "
                  "artifact, and the action has none.", "input_file: input.json with inputs: []",
                  "Add the artifact to `inputs`."),
    "PG351": Code("commands output needs files", "A Commands action's output artifact holds "
                  "the files its `files` globs match; without them it is empty.",
                  "outputs: [Built] without files", "Add `files: [dist/**]`."),
    "PG352": Code("configuration clashes with a typed key", "A raw `configuration` key sets a "
                  "Configuration value that a typed key of the action already sets.",
                  "project: x with configuration: {ProjectName: y}",
                  "Remove the raw key and use the typed one.", phase="emit"),
    "PG353": Code("input from a conditional action", "An action's input is produced by an "
                  "action (or stage) that has `when:`, and the consumer does not share that "
                  "condition: when it is false the input does not exist.",
                  "A: {when: IsProd, outputs: [Built]}; B: {inputs: [Built]}",
                  "Give the consumer (or its stage) the same `when:`.", phase="expand"),
    "PG355": Code("invalid stage condition", "A v2 stage setting (on_failure, before_entry, "
                  "on_success) or one of its rules does not fit CodePipeline's rules: skip takes "
                  "Lambda and variable-check rules only, on_failure rules only roll back, a "
                  "parallel pipeline cannot roll back, a rule names exactly one check.",
                  "before_entry: {result: skip, rules: [{alarm: x}]}", "Follow the hint."),
    "PG356": Code("no artifact store in the action's region", "A cross-region action (`region`) "
                  "needs an artifact store in that region, listed under artifacts.regions.",
                  "region: eu-west-1 with no artifacts.regions entry",
                  "Add `artifacts: {regions: {eu-west-1: {bucket: ...}}}`, or use `!Ref "
                  "AWS::Region` for the pipeline's own region."),
    "PG357": Code("reserved condition name", "pipegen declares a condition per cross-region "
                  "store (PipegenHomeIs<Region>); the spec declares one of the same name.",
                  "conditions: {PipegenHomeIsEuWest1: ...}", "Rename the condition.", phase="emit"),
    "PG358": Code("deploy role required", "A CloudFormation action needs the role "
                  "CloudFormation assumes (`deploy_role`) in every mode but change-set-execute.",
                  "provider: cloudformation without deploy_role",
                  "Add `deploy_role: ARN`, or `deploy_role: {managed_policies: [...]}`."),
    "PG359": Code("created deploy role in a cross-account action", "A deploy role pipegen "
                  "creates lives in the pipeline's account; a cross-account action's deploy role "
                  "must live in the target account, beside its action role.",
                  "role: ARN in 222222222222 with deploy_role: {managed_policies: [...]}",
                  "Give the ARN of a deploy role in the target account."),
    "PG360": Code("key not used in this mode", "A CloudFormation key that the action's `mode` "
                  "does not use (template keys for delete, approve outside change-set, ...).",
                  "mode: delete with template", "Remove the key, or change `mode`."),
    "PG361": Code("template required", "CloudFormation modes that read a template need "
                  "`template: ARTIFACT::path`.", "mode: create-update without template",
                  "Add `template`."),
    "PG362": Code("output file needs an output artifact", "`output_file` is written to the "
                  "action's output artifact, so the action needs `outputs`.",
                  "output_file: out.json without outputs", "Add `outputs: [NAME]`."),
    "PG363": Code("feature flags not deployable from a pipeline", "AWS AppConfig feature-flag "
                  "profiles take hosted configurations only; the pipeline's AppConfig action "
                  "feeds freeform profiles (codepipeline:// location).", "flags: true",
                  "Remove `flags`, or deploy the flags document from a stack with a "
                  "cloudformation action."),
    "PG364": Code("object key required", "An S3 deploy with `extract: false` uploads the zip "
                  "as one object and needs its `key`.", "extract: false without key",
                  "Add `key`."),
    "PG365": Code("lambda deploy needs a version or an input", "A Lambda deploy without an "
                  "input artifact deploys a published `version` to an `alias`.",
                  "inputs: [] without version", "Add `version` and `alias`, or an input."),
    "PG366": Code("expanded action name clash", "An action that expands into several actions "
                  "(mode change-set) would create a name already used in the stage, or one "
                  "longer than 100 characters.", "two actions named Stack-CreateChangeSet",
                  "Set the expanded names with `names:`, or rename the other action.",
                  phase="expand"),
    "PG367": Code("ECS blue/green keys", "task_definition, appspec and images belong to "
                  "blue/green ECS deploys, which name an existing CodeDeploy application and "
                  "deployment group; image_definitions belongs to rolling deploys.",
                  "images without application", "Follow the hint."),
    "PG369": Code("cross-account action with the aws/s3 key in its region", "An action with "
                  "a `role` in another region runs as that role, typically in another account; "
                  "that region's store uses the AWS-managed aws/s3 key, whose policy cannot let "
                  "another account decrypt artifacts (PG378 covers the home region).",
                  "role: arn:aws:iam::222222222222:role/x with the default encryption",
                  "Use `artifacts: {encryption: generated}` or a KMS key ARN (per region for "
                  "cross-region actions), and grant the role."),
    # --- CloudFormation values, parameters, conditions, resources (PG370-PG389)
    "PG370": Code("generated id not generated", "A reference names one of pipegen's documented "
                  "logical ids (docs/logical-ids.md), but this spec does not generate that "
                  "resource.", "encryption: aws-managed with !GetAtt ArtifactKey.Arn",
                  "Change the spec so pipegen generates it (`encryption: generated`), or "
                  "reference the existing resource directly."),
    "PG371": Code("malformed intrinsic function", "An intrinsic function's argument does not "
                  "have the shape CloudFormation requires, or conditions refer to each other in "
                  "a loop.", "!Select [a, [x, y]]", "Follow the shape named in the message."),
    "PG372": Code("condition function out of place", "Condition functions (!Equals, !And, !Or, "
                  "!Not, !Condition) may be used only under `conditions:`, and conditions may "
                  "reference parameters only (they are evaluated before any resource exists).",
                  "branch: !Equals [!Ref Env, prod]", "Declare a condition and choose the value "
                  "with !If [CONDITION, a, b].", phase="schema"),
    "PG373": Code("unknown intrinsic function", "A one-key mapping whose key looks like an "
                  "intrinsic function (Fn::...) that CloudFormation does not have.",
                  "{Fn::Subb: x}", "Use the function the hint names.", phase="schema"),
    "PG374": Code("inconsistent parameter or mapping lookup", "A parameter's properties "
                  "contradict each other (a default outside its allowed values, min above "
                  "max, a length bound on a Number), or !FindInMap names a key the mapping "
                  "lacks.", "Env: {type: String, default: qa, allowed_values: [dev, prod]}",
                  "Fix the property or key named."),
    "PG375": Code("unused declaration", "A parameter, condition or mapping is declared but "
                  "never used (a warning): a migrated stack keeps its parameter interface. The "
                  "template keeps it and waives exactly cfn-lint's unused-declaration rule of "
                  "that kind (W2001, W8001, W7001) in its Metadata, with the reason.",
                  "parameters: {Unused: ...}", "Remove it, use it, or acknowledge PG375.",
                  severity="warning"),
    "PG376": Code("no_echo parameter with a default", "A no_echo parameter holds a secret; its "
                  "default would be stored in the template in plain text.",
                  "Token: {type: String, no_echo: true, default: abc}", "Remove the default; "
                  "pass the value at deploy time or use a dynamic reference."),
    "PG377": Code("parameter clashes with a resource", "Parameters and resources share one "
                  "namespace in a template.", "parameters: {Pipeline: ...}",
                  "Rename the parameter."),
    "PG378": Code("cross-account role with the aws/s3 key", "A source or action runs as a role "
                  "that may be in another account (or `grant` names one), and the artifacts "
                  "are encrypted with the AWS-managed aws/s3 key, whose policy cannot be "
                  "changed: the other account could never decrypt them.",
                  "role: arn:aws:iam::222222222222:role/deployer with no `encryption`",
                  "Set `artifacts.encryption: generated` (or a customer-managed key ARN) and "
                  "list the role under `artifacts.grant`."),
    "PG379": Code("KMS alias across accounts", "Another account cannot resolve this account's "
                  "KMS aliases.", "encryption: arn:aws:kms:us-east-1:111111111111:alias/x with "
                  "a cross-account role", "Name the key by its key ARN."),
    "PG381": Code("condition leaves the pipeline or a stage empty", "Every stage (or every "
                  "action of a stage) has the same `when:`; when that condition is false "
                  "CloudFormation would get a pipeline with only its source stage, or a stage "
                  "with no actions.", "a single stage with `when: IsProd`",
                  "Leave a stage unconditional, or move the action's `when:` to its stage."),
    "PG383": Code("wildcard action in permissions", "`permissions` grant named actions; a '*' "
                  "or '?' anywhere in an action ('*', 's3:*', 's3:Get*') grants every action it "
                  "matches, including those AWS adds later.",
                  "permissions: [{actions: ['s3:*'], resources: [...]}]",
                  "List the actions the role needs."),
    "PG384": Code("policy resource widened for a run-time variable", "A value holding a "
                  "CodePipeline variable (#{ns.var}) also names a policy resource; IAM never "
                  "resolves the variable, so pipegen writes '*' in its place (a warning).",
                  'stack: "#{Vars.StackName}"   # stack/*/* in the pipeline role',
                  "Name the target literally or with an intrinsic for a narrower policy, or "
                  "acknowledge PG384.",
                  severity="warning", phase="emit"),
    "PG385": Code("key ignored by AWS in this mode", "`deploy_role` and `capabilities` on a "
                  "change-set-execute action, or `change_set` outside the change-set modes, are "
                  "accepted by AWS and ignored; pipegen writes them as given, with a warning.",
                  "mode: change-set-execute with deploy_role: arn:...",
                  "Remove them, or acknowledge PG385.",
                  severity="warning"),
    "PG386": Code("policy widened: pipeline name chosen by CloudFormation", "With "
                  "`pipeline_name: generated` the name is known only after deployment; a "
                  "grant that embeds it (a Commands action's log group) covers the "
                  "`<stack name>-Pipeline-*` pattern instead (a warning).",
                  "pipeline_name: generated with a commands action",
                  "Name the pipeline for a narrower grant, or acknowledge PG386.",
                  severity="warning"),
    # --- warnings (PG390-PG399)
    "PG390": Code("existing bucket's policy replaced", "`artifacts.grant` with an existing "
                  "bucket makes pipegen write the bucket's policy, which replaces the policy "
                  "the bucket has.", "bucket: shared-artifacts with grant: [...]",
                  "Make sure nothing else needs the old policy, then acknowledge PG390.",
                  severity="warning"),
    "PG391": Code("assumed role not granted artifact access", "A source or action runs as a "
                  "role that may be in another account, and the bucket and key policies "
                  "pipegen writes do not name it, so it cannot read or write artifacts.",
                  "role: arn:aws:iam::222222222222:role/deployer missing from grant",
                  "Add the role to `artifacts.grant`.",
                  severity="warning"),
    "PG392": Code("action kept on a brought pipeline role", "An action that runs customer "
                  "code or holds high privilege (commands, a CloudFormation deploy that passes "
                  "a deploy role, ECS, Elastic Beanstalk) gets a role of its own when pipegen "
                  "generates the pipeline role. A brought pipeline role (`role: ARN`) cannot "
                  "be made to assume new roles, so the action runs under the brought role, "
                  "which then holds its grants.", "role: arn:aws:iam::111111111111:role/pipeline"
                  " with a commands action",
                  "Let pipegen generate the pipeline role, or give the action a `role:` your "
                  "pipeline role may assume; acknowledge PG392 to keep it as it is.",
                  severity="warning"),
    "PG393": Code("cross-account writer granted read only", "An action with `outputs` runs as "
                  "a role of another account that `artifacts.grant` lets read artifacts only "
                  "(the default): it cannot write its outputs.",
                  "grant: [arn:aws:iam::222222222222:role/builder] and that role's action has "
                  "outputs", "List the role under `grant: {write: [...]}`.",
                  severity="warning"),
    "PG394": Code("PassRole or AssumeRole on any role", "`permissions` grant iam:PassRole or "
                  "sts:AssumeRole on \"*\" without a condition: the role could pass or assume "
                  "any role of the account, a path to every permission those roles hold.",
                  "permissions: [{actions: [iam:PassRole], resources: ['*']}]",
                  "Name the roles, or add a `condition` such as iam:PassedToService.",
                  severity="warning"),
    "PG395": Code("admin-level managed policy", "A role pipegen generates gets an "
                  "administrator-level managed policy (AdministratorAccess, PowerUserAccess, "
                  "IAMFullAccess, any *FullAccess).",
                  "managed_policies: [arn:aws:iam::aws:policy/AdministratorAccess]",
                  "Grant the actions the role needs under `permissions`; acknowledge PG395 "
                  "when the breadth is reviewed and intended.",
                  severity="warning"),
    "PG396": Code("override changes a policy", "An `overrides` path changes a policy of a "
                  "resource pipegen generates (a role's policies, trust or managed policies, a "
                  "bucket or key policy), so the IAM documented in docs/iam.md no longer holds.",
                  "Resources.PipelineRole.Properties.Policies.0.PolicyDocument.Statement.0: ...",
                  "Use the spec's keys (`permissions`, `managed_policies`, `artifacts.grant`); "
                  "acknowledge PG396 once the change is reviewed.",
                  severity="warning", phase="emit"),
    "PG397": Code("secret where no secret slot exists", "A Secrets Manager dynamic reference "
                  "or a `no_echo` parameter flows into `parameter_overrides`, `user_parameters` "
                  "or a pipeline variable, which CodePipeline shows in plain text (console, API, "
                  "execution history).",
                  "parameter_overrides: {DbPassword: !Ref DbPassword} (a no_echo parameter)",
                  "Pass the secret's name or ARN and resolve it where it is used: a "
                  "{{resolve:secretsmanager:...}} reference in the deployed template, or "
                  "GetSecretValue in the function.", severity="warning"),
    "PG398": Code("value looks like a secret", "A plain-text value (environment variable, "
                  "parameter override, user parameter, pipeline variable) is named like a "
                  "secret (PASSWORD, TOKEN, SECRET, API_KEY, ...) or looks like a credential "
                  "(an AWS access key id AKIA..., a GitHub token ghp_..., a PEM -----BEGIN).",
                  "environment_variables: {DB_PASSWORD: hunter2hunter2}",
                  "Store it in Secrets Manager and use `secrets:` (or resolve it in the "
                  "deployed template); acknowledge PG398 when the value is not a secret.",
                  severity="warning"),
    "PG399": Code("too many diagnostics", "A spec produced more diagnostics than pipegen "
                  "prints (200 per spec); the rest are counted, not shown, so a broken or hostile "
                  "file cannot flood a CI log. It is an error when any of those not shown is "
                  "one.", "(a spec with thousands of unknown keys)",
                  "Fix the diagnostics shown and run again."),
    # --- expansion and emit
    "PG401": Code("logical id clash", "Two generated resources, or a generated and a user "
                  "resource, would get the same logical id.", "resources: {Pipeline: ...}",
                  "Rename the resource."),
    "PG402": Code("override path not found", "An `overrides` path names a segment that does "
                  "not exist in the compiled template.", "Resources.Nope.Properties.X: 1",
                  "Fix the path; every segment but the last must exist."),
    # --- expansion and strategies (PG410-PG459: PG410-PG419 the expand phase and the
    # strategy registry, PG420-PG459 the strategies themselves)
    "PG410": Code("strategy not available for this provider", "A deploy action names a "
                  "`strategy` its provider does not run. The message quotes the provider's "
                  "reason when it gives one, and the hint names the providers that do run it "
                  "(docs/strategies.md has the whole table).",
                  "provider: lambda\nstrategy: min-in-service",
                  "Pick a strategy the provider runs, or omit `strategy` to keep the target's "
                  "own configuration.", phase="build"),
    "PG411": Code("strategy needs settings", "The strategy was written as a bare name, and it "
                  "has settings without defaults.", "strategy: linear",
                  "Write it as a mapping with its settings: `strategy: {linear: {...}}`.",
                  phase="build"),
    # codedeploy, ecs and lambda strategies (PG420-PG439)
    "PG420": Code("all-at-once deploy", "A deploy strategy sends the new revision to every "
                  "target at once: a bad revision reaches every user before anything can stop "
                  "it. A warning: it fails a run only with --strict.",
                  "strategy: all-at-once",
                  "Use rolling, blue-green, canary or linear, or acknowledge the warning "
                  "(`acknowledge: [PG420]`).", severity="warning", phase="build"),
    "PG422": Code("rolling batch of several hosts", "CodeDeploy keeps a minimum of healthy "
                  "hosts; a batch of N hosts would need the fleet's size, which is not known "
                  "when the template is written. A batch of 1 is OneAtATime.",
                  "strategy: {rolling: {batch: 3}}",
                  "Write a share (`batch: \"25%\"`), or use `min-in-service`.", phase="build"),
    "PG423": Code("rolling deploy without health checks", "A rolling deploy moves to the next "
                  "batch when the last one is healthy; with neither a load balancer nor the "
                  "revision's own hooks nothing reports health.",
                  "strategy: {rolling: {batch: 1}} without load_balancer",
                  "Add `load_balancer: {target_group: NAME}`, or `health_check: "
                  "appspec-hooks`.", phase="build"),
    "PG424": Code("blue-green without a load balancer", "A blue/green deploy moves traffic "
                  "from the old fleet to the new one through a load balancer.",
                  "strategy: blue-green without load_balancer",
                  "Add `load_balancer` (codedeploy: `{target_group: NAME}`; ecs: "
                  "`{target_groups: [BLUE, GREEN], listener: ARN}`).", phase="build"),
    "PG425": Code("setting for a created deployment group", "A key that configures the "
                  "deployment group pipegen creates is given for an action that deploys to an "
                  "existing group (no `targets`, or for ecs no `load_balancer`), or the name "
                  "of a group to create is a #{...} variable.",
                  "deployment_group: web-prod\nstrategy: {rolling: {batch: 1}}  # no targets",
                  "Add `targets` (ecs: `load_balancer`) to create the group, or remove the "
                  "key: an existing group keeps its own configuration.", phase="build"),
    "PG426": Code("blue-green setting without blue-green", "green_fleet, terminate_blue and "
                  "ready configure blue/green deploys.", "green_fleet: copy-autoscaling-group "
                  "with strategy: rolling", "Remove the key, or use `strategy: blue-green`.",
                  phase="build"),
    "PG427": Code("targets do not fit the strategy", "single-target deploys to one instance "
                  "(not an Auto Scaling group); an EC2 blue/green deploy copies exactly one "
                  "Auto Scaling group; manually provisioned replacement instances (`green_fleet:"
                  " discover`) must be named when each deployment starts, which CodePipeline "
                  "cannot do.", "strategy: blue-green\ntargets: {ec2_tags: {Role: web}}",
                  "Follow the hint.", phase="build"),
    "PG428": Code("alarm rollback without alarms", "The `alarm` rollback event rolls back "
                  "when one of the deployment's CloudWatch alarms fires; none is named.",
                  "auto_rollback: {events: [alarm]}", "Add `alarms: [NAME]`.", phase="build"),
    "PG429": Code("lambda strategy without an alias", "The Lambda deploy action shifts "
                  "traffic between versions behind an alias; without `alias` it deploys to "
                  "$LATEST and takes no strategy.", "provider: lambda\nstrategy: {canary: ...}",
                  "Add `alias: live` (an existing alias of the function).", phase="build"),
    "PG430": Code("traffic shift too long", "The Lambda deploy action waits at most 2 days in "
                  "all between its traffic steps.",
                  "strategy: {linear: {step: \"1%\", every: 1h}}",
                  "Use larger steps or shorter waits.", phase="build"),
    "PG431": Code("ecs strategy does not fit the deploy", "An ECS deploy to an existing "
                  "CodeDeploy group shifts traffic the group's own way, so its strategy is "
                  "omitted or blue-green; the CodeDeploy strategies need the group (an existing "
                  "one, or `load_balancer` to create one); rolling is the ECS service's own "
                  "update and takes none of them.",
                  "strategy: {canary: ...} with application and deployment_group",
                  "Follow the hint.", phase="build"),
    "PG432": Code("blue-green fleet declared in this stack", "An EC2 blue/green deployment "
                  "copies the Auto Scaling group and terminates the original; when the "
                  "original is a resource of this stack, CloudFormation loses track of it. A "
                  "warning.", "targets: {autoscaling_groups: [!Ref WebFleet]}  # in resources",
                  "Declare the group in another stack, use `terminate_blue: keep`, or "
                  "acknowledge PG432.", severity="warning", phase="build"),
    "PG433": Code("strategy value out of range", "A strategy setting or wait is outside what "
                  "the service accepts: a share of 0% or 100%, a wait that is not whole "
                  "minutes (CodeDeploy counts minutes), a wait over the service's limit.",
                  "strategy: {rolling: {batch: \"100%\"}}",
                  "Use a value inside the range the message names.", phase="build"),
    "PG434": Code("deployment grant widened for run-time names", "An application or "
                  "deployment group named by a #{ns.var} variable is known only when the "
                  "pipeline runs; IAM cannot resolve it, so the pipeline role's CodeDeploy "
                  "grant uses \"*\" in its place. A warning.",
                  "deployment_group: \"#{Vars.Group}\"",
                  "Name the application and group in the spec, or acknowledge PG434.",
                  severity="warning", phase="build"),
    "PG435": Code("created deployment group in another region", "The CodeDeploy application "
                  "and deployment group pipegen creates (`targets`, ecs `load_balancer`) live in "
                  "the stack's region; an action with `region` elsewhere would deploy to a group "
                  "that does not exist there.", "targets: {...}\nregion: eu-west-1",
                  "Remove `region`, or deploy to an existing group in that region.", phase="build"),
    "PG436": Code("application for two compute platforms", "Two actions create a CodeDeploy "
                  "application of the same name, one for EC2/on-premises and one for ECS; an "
                  "application has one compute platform.",
                  "codedeploy and ecs actions both with `application: orders` and "
                  "load_balancer/targets", "Give one of them another application name."),
    "PG437": Code("ECS service CodeDeploy cannot deploy", "The service an ECS deploy creates "
                  "a CodeDeploy group for is declared in `resources` and does not use the "
                  "CODE_DEPLOY deployment controller, or is named by `!Ref` (its ARN) where the "
                  "group needs its name.", "service: !Ref Api   # an AWS::ECS::Service",
                  "Write `!GetAtt Api.Name`, and create the service with `DeploymentController: "
                  "{Type: CODE_DEPLOY}`.", phase="build"),
    # --- strategies: dns, appconfig, beanstalk (issue 10b)
    "PG441": Code("dns canary steps", "A dns canary lists green's cumulative share at each "
                  "step: 1% to 100%, rising, ending at 100%.",
                  "strategy: {canary: {steps: [\"50%\", \"10%\"], bake: 10m}}",
                  "List rising shares ending with \"100%\"; a lasting split is `a-b`.",
                  phase="build"),
    "PG442": Code("a-b split out of range", "An a-b split gives green (B) 1% to 99% of the "
                  "traffic; 0% or 100% is no split.", "strategy: {a-b: {split: \"100%\"}}",
                  "Write 1% to 99%, or use blue-green to move all traffic.", phase="build"),
    "PG443": Code("step not part of the strategy", "all-at-once moves traffic in one step with "
                  "no test or approval; `approval` settings need an approval to configure.",
                  "strategy: all-at-once\ntest: {name: Smoke, type: test, ...}",
                  "Use blue-green to test and approve green first, or remove the key.",
                  phase="build"),
    "PG444": Code("blue and green of different kinds", "Both weighted records share one name "
                  "and type: both endpoints are DNS names (CNAME) or both aliases (A); alias "
                  "records take no `ttl`.", "blue: blue.example.com\ngreen: {alias: ..., zone: "
                  "...}", "Write both endpoints the same way.", phase="build"),
    "PG445": Code("traffic shifter elsewhere", "The state machine that moves the weights is "
                  "created in the pipeline's own account and region; a dns action takes no "
                  "`role` or `region`.", "provider: dns\nregion: us-west-2",
                  "Remove the key.", phase="build"),
    "PG447": Code("AppConfig rollout out of range", "AppConfig grows a deployment by 1% to "
                  "100% a step, and a deployment lasts at most 24 hours.",
                  "strategy: {linear: {step: \"1%\", every: 1h}}   # 100 hours",
                  "A larger step, or a shorter interval or bake.", phase="build"),
    "PG448": Code("AppConfig batch as a count", "AppConfig does not count its targets; a "
                  "rolling batch is a percentage of them.", "strategy: {rolling: {batch: 2}}",
                  "Write batch: \"25%\".", phase="build"),
    "PG449": Code("Beanstalk environment defined elsewhere", "A Beanstalk strategy is the "
                  "environment's own deployment policy (option settings); pipegen sets them "
                  "only on an environment declared in the spec's `resources`.",
                  "environment: orders-prod   # not in resources\nstrategy: immutable",
                  "Remove `strategy` (set the policy where the environment is defined), or "
                  "declare the environment in `resources` and write `environment: !Ref NAME`.",
                  phase="build"),
    "PG450": Code("deployment policy set twice", "The strategy sets a Beanstalk option that "
                  "the environment in `resources` sets too, or two actions ask one "
                  "environment for different policies.",
                  "OptionSettings: [{Namespace: aws:elasticbeanstalk:command, OptionName: "
                  "DeploymentPolicy, ...}]", "Keep one: the strategy, or the option setting.",
                  phase="build"),
    "PG451": Code("policy not available for this environment", "Rolling, rolling with an "
                  "additional batch and traffic splitting need a load-balanced environment; "
                  "traffic splitting needs an Application Load Balancer.",
                  "strategy: {canary: ...}   # environment with a Classic Load Balancer",
                  "Change the environment's option settings, or choose another strategy.",
                  phase="build"),
    "PG452": Code("Beanstalk policy value out of range", "A batch is 1% to 100%, min_healthy "
                  "a percentage below 100%, a traffic split 1% to 100% evaluated for 3 to 600 "
                  "minutes.", "strategy: {canary: {step: \"10%\", bake: 12h}}",
                  "Use a value in range.", phase="build"),
    "PG453": Code("dns test action", "The test run against green is a build, test or invoke "
                  "action that runs first in the expansion, in the pipeline's account and "
                  "region, and produces no artifacts.", "test: {name: Gate, type: approval}",
                  "Write a test action (`type: test`); approvals are `approve: true`.",
                  phase="build"),
    # --- lint
    "PG501": Code("cfn-lint error", "cfn-lint found an error in the compiled template.",
                  "project: {timeout: 100h}   # CodeBuild allows at most 36h",
                  "Fix the spec value the message points at."),
    "PG502": Code("cfn-lint warning", "cfn-lint found a warning in the compiled template; "
                  "the lint gate fails on warnings too.", "parameters: {Unused: {type: String}}",
                  "Fix the spec value the message points at."),
    # --- check
    "PG601": Code("stale template", "The committed template differs from a fresh compile.",
                  "pipegen check samples --templates templates   # after editing a spec",
                  "Run `pipegen compile` and commit the result."),
    "PG602": Code("template missing", "No committed template exists for a spec.",
                  "pipegen check samples/new.yaml --templates templates",
                  "Run `pipegen compile` and commit the result."),
    "PG603": Code("cannot write template", "The compiled template could not be written (no "
                  "permission, a file where a directory should be, a full disk). The previous "
                  "file, if any, is untouched.", "pipegen compile orders.yaml -o /read-only/dir",
                  "Check the output path and its permissions."),
    # --- graph, diff, init (pull-request tooling)
    "PG610": Code("template to compare with unreadable", "`pipegen diff` could not read the "
                  "template it compares a fresh compile with: the file given to --against, or "
                  "the committed one, is missing where expected, unreadable, or not a "
                  "CloudFormation template.", "pipegen diff orders.yaml --against old.json   "
                  "# old.json does not exist", "Give the path of a JSON or YAML template."),
    "PG611": Code("git base not found", "`pipegen diff --base REF` could not find the commit: "
                  "not a git repository, git not installed, or REF names no commit (in CI the "
                  "base branch is often not fetched).", "pipegen diff samples --templates "
                  "templates --base origin/main", "Fetch the base (`git fetch origin main "
                  "--depth=1`) or name an existing commit, branch or tag."),
    # --- import (`pipegen import`)
    "PG701": Code("not a CloudFormation template", "`pipegen import` reads a CloudFormation "
                  "template (YAML or JSON) with a `Resources` mapping; this file is empty, not "
                  "a mapping, has no resources, or is a pipegen spec.",
                  "pipegen import samples/typical.yaml",
                  "Give it the template that declares the pipeline; compile specs with "
                  "`pipegen compile`."),
    "PG702": Code("no pipeline in the template", "The template declares no "
                  "AWS::CodePipeline::Pipeline resource, so there is nothing to import.",
                  "Resources: {Bucket: {Type: AWS::S3::Bucket}}",
                  "Import the template that declares the pipeline."),
    "PG703": Code("several pipelines", "The template declares more than one pipeline and the "
                  "command was not told which one to import, or where to write one spec each.",
                  "pipegen import two-pipelines.yaml",
                  "Choose one with `--pipeline LOGICAL_ID`, or write one spec each with "
                  "`-o DIR`."),
    "PG704": Code("no such pipeline", "`--pipeline` names a logical id that is not a pipeline "
                  "of the template.", "pipegen import t.yaml --pipeline Pipelin",
                  "Use one of the logical ids the hint lists."),
    "PG705": Code("intrinsic a spec cannot carry", "The template uses an intrinsic function "
                  "that pipegen does not pass through (Fn::Transform, Fn::ForEach, Fn::Length, "
                  "Fn::ToJsonString).", "Fn::Transform: {Name: AWS::Include, ...}",
                  "Expand it by hand (or take the processed template from the console), "
                  "then import again."),
    "PG706": Code("pipeline shape a spec cannot hold", "The pipeline is valid CloudFormation "
                  "but has a shape pipegen's spec language has no form for: a non-source "
                  "action in the first stage, a source in a later stage, an !If choosing "
                  "between two stages, an unknown source provider.",
                  "Stages: [{Name: Source, Actions: [{ActionTypeId: {Category: Build, ...}}]}]",
                  "Reshape the pipeline as the hint says, or keep this one in CloudFormation."),
    "PG707": Code("spec would overwrite the template", "`-o` names the template being "
                  "imported.", "pipegen import pipeline.yaml -o pipeline.yaml",
                  "Write the spec to another file."),
    "PG708": Code("cannot write spec", "The imported spec could not be written (no permission, "
                  "a missing directory, a full disk).",
                  "pipegen import t.yaml -o /read-only/x.yaml",
                  "Check the output path and its permissions."),
    "PG709": Code("bad --choose", "`pipegen import --choose` takes CONDITION=true or "
                  "CONDITION=false, for a condition the template declares.",
                  "pipegen import t.yaml --choose IsCodeCommit=yes",
                  "Name one of the template's conditions (the hint lists them) and true or "
                  "false."),
    # --- internal
    "PG901": Code("internal error", "pipegen itself failed. This is a bug, never a "
                  "problem with the spec: pipegen exits with status 3 and prints a trace.",
                  "(any spec that makes pipegen crash)",
                  "Report it with the spec that caused it and the trace."),
}


def diag(code: str, message: str, span: Span | None = None, path: Path = (),
         hint: str | None = None, severity: str | None = None,
         related: tuple[Span, ...] = ()) -> Diagnostic:
    """Build a Diagnostic, refusing codes that are not in the table (keeps the catalog whole)."""
    if code not in CODES:
        raise KeyError(f"diagnostic code {code} is not in pipegen.errors.CODES")
    return Diagnostic(code, message, span, tuple(path), hint, severity or CODES[code].severity,
                      related)
