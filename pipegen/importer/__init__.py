"""`pipegen import`: a CloudFormation template's CodePipeline pipeline(s) -> spec(s).

Import is emit run backwards. The template is loaded with pipegen's loader (located errors),
each pipeline is read by the inverse readers (sources.py and actions.py, one per provider,
keyed by the CodePipeline action type the providers emit; projects.py and spec.py for the
resources pipegen generates instead), and the spec is written for people (writer.py) with a
header saying what was replaced, kept raw, changed or left out. `check` then compiles the spec
and compares the compiled pipeline with the original's (roundtrip.py), so an import proves
itself: same stages and, per action, the same type, run order, artifacts, region, role,
namespace and Configuration values.

The inverse mappings live here, not in the provider modules, so the providers stay one job
each (their emit) and this package reads templates as one job; the round-trip property test
(tests/test_import_properties.py) holds both directions together.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from pipegen.errors import Diagnostic, SpecError, diag
from pipegen.importer import choices, names, roundtrip
from pipegen.importer import spec as spec_module
from pipegen.importer import template as template_module
from pipegen.importer.context import KINDS, ImportContext, Note
from pipegen.importer.writer import dump

HEADINGS = {"replaced": "Replaced by what pipegen generates",
            "kept": "Kept as written (raw)", "changed": "Changed",
            "dropped": "Left out", "finding": "cfn-lint findings of the original"}


@dataclass
class Imported:
    """One pipeline's import: the spec, its text, and what the header says."""

    logical_id: str
    spec: dict
    text: str
    notes: list[Note]
    renames: dict[str, str]
    original: dict  # roundtrip.digest of the original pipeline, renamed
    check: Check | None = None
    role_actions: list[str] = field(default_factory=list)  # the replaced pipeline role's


@dataclass
class Check:
    """The compile of an imported spec, against the original."""

    diagnostics: list[Diagnostic] = field(default_factory=list)  # located in the spec
    differences: list[str] = field(default_factory=list)
    compiled: bool = False
    role_gaps: list[str] = field(default_factory=list)  # original role actions pipegen omits
    own_findings: list[Diagnostic] = field(default_factory=list)  # the original's, in the spec

    @property
    def same(self) -> bool:
        return self.compiled and not self.differences

    @property
    def clean(self) -> bool:
        """Compiles with no error of its own (the original's lint findings aside)."""
        return self.compiled and not any(d.is_error for d in self.diagnostics)


def load(path: str | Path) -> template_module.Template:
    return template_module.load(str(path))


def import_pipelines(t: template_module.Template, only: str | None = None,
                     stem: str | None = None,
                     choose: dict[str, bool] | None = None) -> list[Imported]:
    """Import every pipeline of t (or the one named `only`); SpecError on bad input.

    `choose` fixes conditions (`--choose IsCodeCommit=true`): every !If on them takes the
    chosen branch before import reads the template (choices.py)."""
    choice_notes = choices.apply(t.data, choose or {})
    pipelines = t.pipelines()
    if not pipelines:
        raise SpecError(diag("PG702", f"{t.file} declares no AWS::CodePipeline::Pipeline",
                             t.key_span(("Resources",)), ("Resources",),
                             "import reads pipelines; types found: " + ", ".join(sorted({
                                 str(v.get("Type")) for v in t.resources.values()
                                 if isinstance(v, dict)}))[:300]))
    if only is not None and only not in pipelines:
        raise SpecError(diag("PG704", f"--pipeline {only}: the template has no pipeline with "
                             "that logical id", t.key_span(("Resources",)), ("Resources",),
                             "its pipelines: " + ", ".join(pipelines)))
    chosen = [only] if only is not None else pipelines
    stem = stem or Path(t.file).stem
    out, problems = [], []
    for pid in chosen:
        others = [p for p in pipelines if p != pid]
        try:
            out.append(import_one(t, pid, stem, others, choice_notes))
        except SpecError as e:
            problems += e.diagnostics
    if problems:
        raise SpecError(problems)
    return out


def import_one(t: template_module.Template, pid: str, stem: str,
               others: list[str], chosen: list[tuple[str, str]] = ()) -> Imported:
    resolved = [*chosen, *names.resolve(t.data, pid), *names.artifacts(t.data, pid)]
    ctx = ImportContext(t, pid)
    for subject, detail in resolved:
        ctx.note("changed", subject, detail)
    try:
        spec = spec_module.build(ctx, stem, others)
    except spec_module.Unsupported as e:
        raise SpecError(diag("PG706", f"pipeline {pid}: {e}", t.key_span(e.path), e.path,
                             e.hint)) from None
    if ctx.problems:
        raise SpecError(ctx.problems)
    for other in others:
        ctx.note("dropped", other, "another pipeline of the template (import one at a time "
                 "with --pipeline, or all with -o DIR)")
    # An action role pipegen generates counts as no role, in the original as in the compile.
    original = roundtrip.digest(t.data, pid, ctx.renames, frozenset(ctx.action_roles))
    header = header_lines(t.file, pid, ctx.notes)
    return Imported(pid, spec, dump(spec, header), ctx.notes, dict(ctx.renames), original,
                    role_actions=_role_actions(ctx))


def _role_actions(ctx: ImportContext) -> list[str]:
    """The actions the original pipeline role allowed, when pipegen's replaces it."""
    from pipegen.importer.projects import actions_of, role_statements

    if ctx.original_role is None or ctx.renames.get(ctx.original_role) != "PipelineRole" and \
            ctx.original_role not in (ctx.resources or {}):
        return []
    found = role_statements(ctx, ctx.original_role)
    if isinstance(found, str):
        return []
    out: list[str] = []
    for st in found[0]:
        if isinstance(st, dict) and st.get("Effect") == "Allow":
            for a in actions_of(st) or []:
                if a not in out:
                    out.append(a)
    return out


def header_lines(file: str, pid: str, notes: list[Note]) -> list[str]:
    lines = [f"Imported by `pipegen import` from {Path(file).name} (pipeline {pid}).",
             "Compile it with `pipegen compile`; the report of the import says whether the",
             "compiled pipeline matches the original."]
    for kind in KINDS:
        items = [n for n in notes if n.kind == kind]
        if not items:
            continue
        lines += ["", HEADINGS[kind] + ":"]
        for n in items:
            text = f"{n.subject}: {n.detail}"
            lines += textwrap.wrap(text, 96, initial_indent="- ", subsequent_indent="  ")
    return lines


def check(imported: Imported, spec_path: Path, linter=None,
          original_rules: frozenset = frozenset()) -> Check:
    """Compile the written spec; compare its pipeline with the original's; lint it.

    Lint findings whose rule the original's own lint also reports are the original's: the
    check still compares the pipelines, and lists them as findings to fix in the spec.
    """
    from pipegen.compiler import compile_spec

    result = Check()
    imported.check = result
    try:
        compiled = compile_spec(spec_path)  # every phase but lint, which is split below
    except SpecError as e:
        result.diagnostics = e.diagnostics
        return result
    result.diagnostics = list(compiled.warnings)
    result.compiled = True
    doc = compiled.template
    resources = doc.get("Resources") or {}
    kept = set(imported.spec.get("resources") or {})
    generated = frozenset(k for k in resources if k not in kept)
    again = roundtrip.digest(doc, "Pipeline", {}, generated)
    result.differences = roundtrip.compare(imported.original, again)
    result.role_gaps = _role_gaps(getattr(imported, "role_actions", []), doc)
    if linter is not None:
        findings = linter.lint(compiled.lint_text)
        result.own_findings = compiled.lint_problems(
            [f for f in findings if f.rule in original_rules])
        result.diagnostics += compiled.lint_problems(
            [f for f in findings if f.rule not in original_rules])
    return result


def _role_gaps(original: list[str], doc: dict) -> list[str]:
    """Actions the original pipeline role allowed that pipegen's generated role does not."""
    import fnmatch

    if not original:
        return []
    granted: set[str] = set()

    def walk(v) -> None:
        if isinstance(v, dict):
            if v.get("Effect") == "Allow":
                actions = v.get("Action")
                granted.update(a.lower() for a in (actions if isinstance(actions, list)
                                                   else [actions]) if isinstance(a, str))
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    resources = doc.get("Resources") or {}
    walk((resources.get("PipelineRole") or {}).get("Properties"))
    walk(resources.get("PipelineAssumesActionRoles"))
    for rid, body in resources.items():
        if rid.endswith("ActionRole"):
            walk(body.get("Properties"))
    return [a for a in original if a.lower() not in granted and not any(
        fnmatch.fnmatch(g, a.lower()) for g in granted)]


def lint_original(t: template_module.Template, linter) -> list:
    """cfn-lint's findings (errors and warnings) on the original template."""
    try:
        text = Path(t.file).read_text("utf-8")
        findings = linter.lint(text)
    except Exception:  # noqa: BLE001 - the original's lint is advice, never fatal
        return []
    return [f for f in findings if f.severity in ("error", "warning")]
