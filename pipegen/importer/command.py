"""The `pipegen import` command's work: choose outputs, write specs, check them, report.

cli.py holds only the click command. Nothing is written when the import fails; each spec is
written atomically. The report goes to stderr (or JSON with `--output json`, on stdout unless
the spec itself goes there).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from pipegen.errors import Diagnostic, SpecError, diag, format_path
from pipegen.importer import Imported, check, import_pipelines, lint_original, load

SPEC_SUFFIXES = (".yaml", ".yml")


def run(template: str, out: str | None, pipeline: str | None, report_fmt: str,
        do_check: bool, lint: bool, choose: tuple[str, ...] = ()) -> int:
    from pipegen.cli import EXIT_FAIL, EXIT_OK
    from pipegen.importer import choices

    try:
        t = load(template)
        imported = import_pipelines(t, pipeline, choose=choices.parse(choose, t))
        targets = _targets(t, imported, out, template)
    except SpecError as e:
        _fail(e.diagnostics, report_fmt)
        return EXIT_FAIL
    linter = None
    if do_check and lint:
        from pipegen.lint import Linter
        linter = Linter()
    findings = lint_original(t, linter) if linter is not None else []
    rules = frozenset(f.rule for f in findings)
    reports = []
    for item, target in zip(imported, targets, strict=True):
        if target is not None:
            from pipegen.cli import write_atomic
            try:
                write_atomic(target, item.text)
            except OSError as e:
                _fail([diag("PG708", f"cannot write {target}: {e.strerror or e}",
                            hint="check that the directory exists and is writable")],
                      report_fmt)
                return EXIT_FAIL
        else:
            click.echo(item.text, nl=False)
        result = None
        if do_check:
            result = _check(item, target, linter, rules)
        reports.append(_report(item, target, result, findings))
    if report_fmt == "json":
        click.echo(json.dumps({"template": template, "pipelines": reports}, indent=2,
                              ensure_ascii=False), err=any(t is None for t in targets))
    else:
        click.echo(_text(template, reports, imported), err=True, nl=False)
    return EXIT_OK


def _targets(t, imported: list[Imported], out: str | None, template: str) -> list:
    stem = Path(template).stem
    if out is None:
        if len(imported) > 1:
            raise SpecError(diag(
                "PG703", f"{template} declares {len(imported)} pipelines: "
                + ", ".join(i.logical_id for i in imported), t.key_span(("Resources",)),
                ("Resources",), "choose one with --pipeline LOGICAL_ID, or write one spec "
                "each with -o DIR"))
        return [None]
    path = Path(out)
    as_dir = path.is_dir() or path.suffix not in SPEC_SUFFIXES
    if not as_dir and len(imported) > 1:
        raise SpecError(diag(
            "PG703", f"{template} declares {len(imported)} pipelines and -o names one file",
            t.key_span(("Resources",)), ("Resources",), "choose one with --pipeline "
            "LOGICAL_ID, or give -o a directory for one spec each: "
            + ", ".join(i.logical_id for i in imported)))
    if as_dir:
        targets = [path / (f"{stem}.yaml" if len(imported) == 1 else
                           f"{stem}-{i.logical_id}.yaml") for i in imported]
    else:
        targets = [path]
    source = Path(template).resolve()
    for target in targets:
        if target.resolve() == source:
            raise SpecError(diag("PG707", f"the spec would overwrite the template {template}",
                                 hint="write the spec to another file (-o SPEC)"))
    return targets


def _check(item: Imported, target: Path | None, linter, rules: frozenset):
    if target is not None:
        return check(item, target, linter, rules)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "imported.yaml"
        path.write_text(item.text, "utf-8")
        return check(item, path, linter, rules)


def _diag(d: Diagnostic) -> dict:
    return {"code": d.code, "severity": d.severity, "message": d.message,
            "path": format_path(d.path), "hint": d.hint,
            "line": d.span.line if d.span else None, "col": d.span.col if d.span else None}


def _report(item: Imported, target: Path | None, result, findings: list) -> dict:
    report = {
        "pipeline": item.logical_id,
        "spec": str(target) if target is not None else None,
        "notes": [{"kind": n.kind, "subject": n.subject, "detail": n.detail}
                  for n in item.notes],
        "original_lint": [{"rule": f.rule, "line": f.line, "message": f.message}
                          for f in findings],
    }
    if result is not None:
        report["compiled"] = result.compiled
        report["round_trip"] = "same" if result.same else (
            "different" if result.compiled else "not compiled")
        report["differences"] = result.differences
        report["role_not_granted"] = result.role_gaps
        report["clean"] = result.clean
        report["diagnostics"] = [_diag(d) for d in result.diagnostics]
        report["original_findings_in_spec"] = [_diag(d) for d in result.own_findings]
        report["stages"] = len(item.original["stages"])
        report["actions"] = sum(len(s["actions"]) for s in item.original["stages"])
    return report


def _text(template: str, reports: list[dict], imported: list[Imported]) -> str:
    lines = []
    for report in reports:
        where = report["spec"] or "stdout"
        lines.append(f"imported {report['pipeline']} from {template} -> {where}")
        counts = {}
        for n in report["notes"]:
            counts[n["kind"]] = counts.get(n["kind"], 0) + 1
        if counts:
            lines.append("  " + ", ".join(f"{v} {k}" for k, v in counts.items())
                         + " (listed in the spec's header)")
        for n in report["notes"]:
            if n["kind"] in ("changed", "dropped"):
                lines.append(f"  {n['kind']}: {n['subject']}: {n['detail']}")
        if "round_trip" in report:
            if report["round_trip"] == "same":
                lines.append(f"  round trip: the compiled pipeline has the same "
                             f"{report['stages']} stages and {report['actions']} actions "
                             "(type, run order, artifacts, region, role, namespace, "
                             "Configuration)")
            elif report["round_trip"] == "different":
                lines.append("  round trip: the compiled pipeline differs (a pipegen bug, "
                             "please report it):")
                lines += [f"    {d}" for d in report["differences"]]
            else:
                lines.append("  compile: the spec does not compile yet; what to change:")
            if report.get("role_not_granted"):
                lines.append("  the original pipeline role also allowed "
                             + ", ".join(report["role_not_granted"]) + "; pipegen's role "
                             "grants only what the actions need (if an action needs more, add "
                             "it with `role: {permissions: [...]}`)")
            for d in report["diagnostics"]:
                at = f"{report['spec'] or 'spec'}:{d['line']}:{d['col']}: " if d["line"] else ""
                lines.append(f"    {at}{d['severity']} {d['code']} {d['message']}"
                             + (f" ({d['path']})" if d["path"] else ""))
                if d["hint"]:
                    lines.append(f"      hint: {d['hint']}")
        if report["original_lint"]:
            lines.append("  cfn-lint findings of the original itself (fix them in the spec "
                         "at the places shown):")
            lines += [f"    {f['rule']} (template line {f['line']}): {f['message']}"
                      for f in report["original_lint"]]
            for d in report.get("original_findings_in_spec", []):
                at = f"{report['spec'] or 'spec'}:{d['line']}:{d['col']}: " if d["line"] else ""
                lines.append(f"    -> {at}{d['message']}"
                             + (f" ({d['path']})" if d["path"] else ""))
    return "\n".join(lines) + "\n"


def _fail(diagnostics: list[Diagnostic], report_fmt: str) -> None:
    from pipegen import report

    if report_fmt == "json":
        click.echo(report.as_json(diagnostics), nl=False)
        return
    sources = {}
    for d in diagnostics:
        if d.span and d.span.file not in sources:
            try:
                sources[d.span.file] = report.split_lines(
                    Path(d.span.file).read_text("utf-8", errors="replace"))
            except OSError:
                sources[d.span.file] = []
    click.echo(report.text(diagnostics, sources), err=True, nl=False)
    sys.stderr.flush()
