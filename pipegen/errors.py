"""Diagnostics: where a problem is (Span), what it is (Diagnostic), and the stable code table.

Every phase reports problems as Diagnostics and raises SpecError once, with all of them, when it
cannot go on. Codes are grouped by phase and never reused:

  PG1xx load (YAML), PG2xx schema, PG3xx semantic checks, PG4xx expansion and emit,
  PG5xx lint, PG6xx check (staleness), PG9xx internal.
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
    "PG207": Code("intrinsic not allowed here", "A key that pipegen reads to decide structure "
                  "must be a literal.", "provider: !Ref P", "Write a literal value."),
    # --- semantic
    "PG301": Code("duplicate name", "Two stages, actions, sources or artifacts share a name.",
                  "stages:\n  - {name: Build, actions: [...]}\n  - {name: Build, actions: "
                  "[...]}", "Rename one of them."),
    "PG302": Code("input not produced", "An action's input artifact is not produced by any "
                  "earlier action.", "inputs: [Built]", "Name an artifact produced earlier; the "
                  "hint lists them."),
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
                  "Declare the parameter or resource, or fix the name."),
    "PG307": Code("artifact count", "An action has more or fewer inputs or outputs than its "
                  "provider allows.", "{name: Approve, type: approval, inputs: [Built]}",
                  "Adjust inputs or outputs."),
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
                  "Break the cycle."),
    "PG311": Code("unknown action in after", "`after:` names an action not in the stage.",
                  "after: [Lint]", "Name an action of the same stage."),
    "PG312": Code("invalid combination", "Keys that cannot be used together, or a value that "
                  "does not fit the rest of the spec.", "format: clone-ref feeding a deploy",
                  "Follow the hint."),
    # --- sources and triggers (PG320-PG339)
    # --- actions, stages, ordering (PG340-PG369)
    # --- CloudFormation values, parameters, conditions, resources (PG370-PG389)
    # --- warnings (PG390-PG399)
    # --- expansion and emit
    "PG401": Code("logical id clash", "Two generated resources, or a generated and a user "
                  "resource, would get the same logical id.", "resources: {Pipeline: ...}",
                  "Rename the resource."),
    "PG402": Code("override path not found", "An `overrides` path names a segment that does "
                  "not exist in the compiled template.", "Resources.Nope.Properties.X: 1",
                  "Fix the path; every segment but the last must exist."),
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
    # --- internal
    "PG901": Code("internal error", "pipegen itself failed. This is a bug, never a "
                  "problem with the spec: pipegen exits with status 3 and prints a trace.",
                  "(any spec that makes pipegen crash)",
                  "Report it with the spec that caused it and the trace."),
}


def diag(code: str, message: str, span: Span | None = None, path: Path = (),
         hint: str | None = None, severity: str = "error",
         related: tuple[Span, ...] = ()) -> Diagnostic:
    """Build a Diagnostic, refusing codes that are not in the table (keeps the catalog whole)."""
    if code not in CODES:
        raise KeyError(f"diagnostic code {code} is not in pipegen.errors.CODES")
    return Diagnostic(code, message, span, tuple(path), hint, severity, related)
