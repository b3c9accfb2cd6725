"""The command line: `compile`, `check`, `import`, `schema`. Options in, exit code out.

Exit codes: 0 ok; 1 a spec, the lint gate, a write or a staleness check failed; 2 usage; 3 internal
error (a pipegen bug).

Output safety: a template is written to a temporary file beside its target and renamed over
it, so a failure at any point (a spec error, a crash, a full disk) leaves the previous file
byte-identical; nothing is written for a spec that fails.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from pathlib import Path

import click

from pipegen import __version__
from pipegen.errors import Diagnostic, Span, diag

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SPEC_SUFFIXES = (".yaml", ".yml")
TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")  # -o names a file, not a directory
_SPEC_MARK = re.compile(r"^pipegen\s*:", re.MULTILINE)
REPORT_URL = "https://github.com/pipegen/pipegen/issues"


def find_specs(paths: tuple[str, ...]) -> list[Path]:
    """Files as given; directories searched (recursively) for YAML files with a `pipegen:` key."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            candidates = sorted(x for x in _walk(p) if x.suffix in SPEC_SUFFIXES
                                and x.is_file())
            specs = [x for x in candidates if _SPEC_MARK.search(_head(x))]
            if not specs:
                raise click.UsageError(f"no pipegen specs found in {_shown(p)}")
            found += specs
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def _head(path: Path) -> str:
    """The start of a file (at most the spec size limit), for the `pipegen:` mark; "" when it
    cannot be read or is not a regular file (a FIFO or device is skipped, never read)."""
    from pipegen.loader import read_bounded

    try:
        return read_bounded(path)[0].decode("utf-8", errors="replace")
    except OSError:
        return ""


def _refuse_overwriting_specs(paths: list[Path], targets: list[Path]) -> None:
    """-o must never name an input spec: compiling would replace the spec with its template."""
    specs = {_identity(p): p for p in paths}
    for target in targets:
        spec = specs.get(_identity(target))
        if spec is not None:
            raise click.UsageError(f"-o would overwrite the input spec {_shown(spec)} with its "
                                   "template; write templates elsewhere (for example "
                                   "-o templates/)")


def _identity(path: Path):
    """What makes two paths the same file: device and inode when it exists, else its path."""
    try:
        info = path.stat()
        return (info.st_dev, info.st_ino)
    except OSError:
        return os.path.realpath(path)


def _shown(path: Path | str) -> str:
    from pipegen.report import safe_line

    return safe_line(str(path))


def _walk(top: Path):
    """Every file under top, skipping cache directories (the lint cache's among them)."""
    from pipegen.lintcache import is_cache_dir

    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not is_cache_dir(here / d))
        yield from (here / f for f in files)


class Reporter:
    """Collects what a run says and prints it in the chosen format."""

    def __init__(self, fmt: str, strict: bool, report_to_stderr: bool = False):
        self.fmt = fmt
        self.strict = strict
        self.report_to_stderr = report_to_stderr  # when stdout carries the template
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, list[str]] = {}

    def add(self, spec: Path, diagnostics: list[Diagnostic]) -> None:
        if str(spec) not in self.sources:
            from pipegen.loader import read_bounded
            from pipegen.report import split_lines

            try:
                # Bounded like the loader: an excerpt never reads past the spec size limit.
                self.sources[str(spec)] = split_lines(
                    read_bounded(spec)[0].decode("utf-8", errors="replace"))
            except OSError:
                self.sources[str(spec)] = []
        if self.strict:
            diagnostics = [d if d.is_error else dataclasses.replace(d, severity="error")
                           for d in diagnostics]
        diagnostics = _capped(diagnostics)
        self.diagnostics += diagnostics
        if self.fmt == "text" and diagnostics:
            from pipegen import report
            click.echo(report.text(diagnostics, self.sources), err=True, nl=False)

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def finish(self) -> None:
        from pipegen import report

        if self.fmt == "json":
            click.echo(report.as_json(self.diagnostics), nl=False, err=self.report_to_stderr)
        elif self.fmt == "github":
            click.echo(report.github(self.diagnostics), nl=False, err=self.report_to_stderr)


MAX_DIAGNOSTICS = 200  # per spec: past this, more lines help no one and flood CI logs


def _capped(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """At most MAX_DIAGNOSTICS, then one PG399 saying how many more there were."""
    if len(diagnostics) <= MAX_DIAGNOSTICS:
        return diagnostics
    kept, dropped = diagnostics[:MAX_DIAGNOSTICS], diagnostics[MAX_DIAGNOSTICS:]
    file = next((d.span.file for d in dropped if d.span), None)
    severity = "error" if any(d.is_error for d in dropped) else "warning"
    return kept + [diag("PG399", f"{len(dropped)} more diagnostics not shown (at most "
                        f"{MAX_DIAGNOSTICS} per spec)", Span(file, 1, 1) if file else None,
                        hint="fix the ones shown and run again", severity=severity)]


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a file.

    The temporary file is in the target's directory (a rename within one file system is
    atomic) and gets the mode the file has, or would get from the umask when new.
    """
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write(target: Path, text: str, spec: Path, reporter: Reporter) -> bool:
    """Write one template; a failure to write is reported against the spec (PG603)."""
    try:
        write_atomic(target, text)
    except OSError as e:
        reason = e.strerror or str(e)
        reporter.add(spec, [diag("PG603", f"cannot write {target}: {reason}",
                                 hint="check that the output directory exists and is "
                                 "writable, and that -o names a file or a directory as meant")])
        return False
    return True


def _compile_each(run, specs, fmt, reporter):
    """Each spec's result (None when it failed), its diagnostics reported, in order."""
    for outcome in run.outcomes(specs, fmt):
        reporter.add(outcome.spec, outcome.diagnostics)
        result = outcome.result
        failed_strict = reporter.strict and result is not None and result.warnings
        yield outcome.spec, (None if failed_strict else result)


def _start_run(no_lint, jobs, cache_dir, no_cache):
    """The run loop (runner.py), closed (its lint workers stopped) when the command ends."""
    from pipegen.runner import Run

    run = Run(lint=not no_lint, jobs=jobs, cache_dir=cache_dir, use_cache=not no_cache)
    click.get_current_context().call_on_close(run.close)
    return run


def _show_progress(run, verb: str, count: int) -> None:
    from pipegen.progress import Progress

    run.progress = Progress.for_terminal(verb, count)


def _run_options(f):
    f = click.option("--no-cache", is_flag=True,
                     help="Lint every template, neither reading nor writing the lint cache.")(f)
    f = click.option("--cache-dir", type=click.Path(file_okay=False),
                     help="Where the lint cache lives. Default: $XDG_CACHE_HOME/pipegen, or "
                     ".pipegen-cache in the working directory.")(f)
    return click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                        help="Lint worker processes. Default: the CPUs this process may use "
                        "(affinity and container quota included).")(f)


def _report_options(f):
    f = click.option("--output", "report_fmt", type=click.Choice(["text", "json", "github"]),
                     default="text", show_default=True,
                     help="How diagnostics are printed: text, JSON, or GitHub Actions "
                     "annotations. JSON and annotations go to stdout, or to stderr when stdout "
                     "carries the template.")(f)
    f = click.option("--strict", is_flag=True, help="Treat warnings as errors.")(f)
    f = click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="json",
                     show_default=True, help="Template format.")(f)
    return click.option("--no-lint", is_flag=True,
                        help="Skip the cfn-lint gate (faster; for quick iteration only).")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipegen")
def cli() -> None:
    """Compile declarative pipeline specs into AWS CodePipeline CloudFormation templates."""


@cli.command("compile")
@click.argument("specs", nargs=-1, required=True)
@click.option("-o", "--out", help="Output directory, or a file (a name ending in .json, .yaml, "
              ".yml or .template) for one spec. Default: stdout, for one spec. Writes are "
              "atomic: a failing spec leaves its previous template untouched.")
@_report_options
@_run_options
def compile_cmd(specs, out, fmt, report_fmt, strict, no_lint, jobs, cache_dir, no_cache):
    """Validate, expand and lint SPECS; write one template per spec."""
    from pipegen.render import extension

    run = _start_run(no_lint, jobs, cache_dir, no_cache)
    paths = find_specs(specs)
    out_path = Path(out) if out else None
    names_file = out_path is not None and not out_path.is_dir() and \
        out_path.suffix in TEMPLATE_SUFFIXES
    if out_path is None and len(paths) > 1:
        raise click.UsageError("several specs need -o DIR for their templates")
    if names_file and len(paths) > 1:
        raise click.UsageError(f"-o {out} names a file, and {len(paths)} specs need a "
                               "directory for their templates")
    if out_path is not None and not names_file:
        _refuse_clashes(paths, out_path, fmt)
    if out_path is not None:
        _refuse_overwriting_specs(paths, [out_path] if names_file else
                                  [out_path / (p.stem + extension(fmt)) for p in paths])
    reporter = Reporter(report_fmt, strict, report_to_stderr=out_path is None)
    _show_progress(run, "compiling", len(paths))
    for spec, result in _compile_each(run, paths, fmt, reporter):
        if result is None:
            continue
        if out_path is None:
            click.echo(result.text, nl=False)
        else:
            target = out_path if names_file else out_path / (spec.stem + extension(fmt))
            if _write(target, result.text, spec, reporter) and report_fmt == "text":
                click.echo(f"wrote {_shown(target)}", err=True)
    reporter.finish()
    sys.exit(EXIT_FAIL if reporter.failed else EXIT_OK)


def _refuse_clashes(paths: list[Path], out_dir: Path, fmt: str) -> None:
    """Two specs with one file name would write one template: refuse before writing any."""
    from pipegen.render import extension

    seen: dict[str, Path] = {}
    for p in paths:
        name = p.stem + extension(fmt)
        if name in seen:
            raise click.UsageError(f"{seen[name]} and {p} would both write {out_dir / name}; "
                                   "rename one of them or compile them separately")
        seen[name] = p


@cli.command("check")
@click.argument("specs", nargs=-1, required=True)
@click.option("--templates", "templates", required=True, type=click.Path(file_okay=False),
              help="Directory of committed templates to compare with.")
@_report_options
@_run_options
def check_cmd(specs, templates, fmt, report_fmt, strict, no_lint, jobs, cache_dir, no_cache):
    """The pull-request gate: compile and lint SPECS, and fail if a committed template is stale."""
    from pipegen.render import extension

    run = _start_run(no_lint, jobs, cache_dir, no_cache)
    paths = find_specs(specs)
    reporter = Reporter(report_fmt, strict)
    stale = 0
    _show_progress(run, "checking", len(paths))
    for spec, result in _compile_each(run, paths, fmt, reporter):
        if result is None:
            continue
        committed = Path(templates) / (spec.stem + extension(fmt))
        try:
            current = committed.read_text("utf-8")
        except FileNotFoundError:
            reporter.add(spec, [diag("PG602", f"no committed template {committed} for {spec}",
                                     hint=f"run `pipegen compile {spec} -o {templates}` and "
                                     "commit the result")])
            stale += 1
            continue
        if current != result.text:
            stale += 1
            reporter.add(spec, [diag("PG601", f"{committed} is stale: it differs from a fresh "
                                     f"compile of {spec}", hint=f"run `pipegen compile {spec} "
                                     f"-o {templates}` and commit the result")])
            import difflib

            diff = difflib.unified_diff(current.splitlines(True), result.text.splitlines(True),
                                        f"{committed} (committed)", f"{committed} (compiled)")
            if report_fmt == "text":
                from pipegen.report import safe_line

                click.echo("".join(safe_line(x.rstrip("\n")) + "\n" for x in diff), err=True,
                           nl=False)
    reporter.finish()
    if report_fmt == "text" and not reporter.failed:
        click.echo(f"checked {len(paths)} spec(s): templates are up to date", err=True)
    sys.exit(EXIT_FAIL if reporter.failed or stale else EXIT_OK)


@cli.command("graph")
@click.argument("spec")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid",
              show_default=True, help="Mermaid (renders on GitHub) or Graphviz dot.")
@click.option("--output", "report_fmt", type=click.Choice(["text", "json", "github"]),
              default="text", show_default=True, help="How diagnostics are printed.")
def graph_cmd(spec, fmt, report_fmt):
    """Draw SPEC's pipeline: stages, actions, artifacts, conditions, regions, accounts."""
    from pipegen.errors import SpecError
    from pipegen.graph import graph_spec

    reporter = Reporter(report_fmt, False, report_to_stderr=True)
    try:
        click.echo(graph_spec(Path(spec), fmt), nl=False)
    except SpecError as e:
        reporter.add(Path(spec), e.diagnostics)
    reporter.finish()
    sys.exit(EXIT_FAIL if reporter.failed else EXIT_OK)


@cli.command("diff")
@click.argument("specs", nargs=-1, required=True)
@click.option("--templates", type=click.Path(file_okay=False),
              help="Directory of committed templates (DIR/<spec stem>.json, as `check`).")
@click.option("--base", metavar="REF", help="Compare with the templates as committed at this "
              "git commit, branch or tag (default: the files in the working tree).")
@click.option("--against", type=click.Path(dir_okay=False),
              help="Compare one spec with any CloudFormation template (JSON or YAML).")
@click.option("--output", "report_fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True,
              help="text, Markdown (a pull-request comment) or JSON.")
def diff_cmd(specs, templates, base, against, report_fmt):
    """What a change does: stages, actions, resources (replacements) and IAM, per pipeline.

    A report, not a gate: exits 0 whatever the diff (1 when a spec or a template cannot be
    read). Compiles without the lint gate; `pipegen check` is the gate.
    """
    from pipegen import diff

    if (templates is None) == (against is None):
        raise click.UsageError("give --templates DIR or --against TEMPLATE (one of them)")
    if against is not None and base is not None:
        raise click.UsageError("--base applies to --templates, not to --against")
    paths = find_specs(specs)
    if against is not None and len(paths) != 1:
        raise click.UsageError(f"--against compares one spec; {len(paths)} given")
    reporter = Reporter("text", False, report_to_stderr=True)
    diffs, problems = diff.diff_specs(paths, templates, base, against)
    for spec, diagnostics in problems:
        reporter.add(spec, diagnostics)
    if diffs or report_fmt == "json":
        click.echo(diff.render(diffs, report_fmt), nl=False)
    sys.exit(EXIT_FAIL if reporter.failed else EXIT_OK)


@cli.command("init")
@click.option("--source", type=click.Choice(["github", "github-enterprise", "bitbucket", "gitlab",
                                             "codecommit", "ecr", "s3"]),
              default="github", show_default=True, help="Where the pipeline's source is.")
@click.option("--deploy", type=click.Choice(["cloudformation", "codedeploy", "ecs", "lambda",
                                             "beanstalk", "s3", "appconfig", "none"]),
              default="cloudformation", show_default=True, help="What the pipeline deploys to.")
@click.option("--name", default="my-service", show_default=True, help="The pipeline's name.")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Write the spec to this file (never over an existing one). Default: stdout.")
def init_cmd(source, deploy, name, out):
    """Print (or write) a commented starter spec that compiles as written."""
    from pipegen import init

    if not init.NAME.match(name):
        raise click.BadParameter("use 1 to 100 letters, digits, '.', '@', '_' or '-'",
                                 param_hint="--name")
    text = init.starter(source, deploy, name)
    if out is None:
        click.echo(text, nl=False)
        return
    target = Path(out)
    if target.exists():
        raise click.UsageError(f"{out} exists; pipegen init never overwrites a file")
    write_atomic(target, text)
    click.echo(f"wrote {out}; compile it with `pipegen compile {out}`", err=True)
@cli.command("import")
@click.argument("template")
@click.option("-o", "--out", help="Where the spec goes: a file (.yaml/.yml), or a directory "
              "(one spec per pipeline, <template>-<LogicalId>.yaml when there are several). "
              "Default: stdout.")
@click.option("--pipeline", "pipeline", metavar="LOGICAL_ID",
              help="Import this pipeline only; other pipelines, and what only they use, are "
              "left out (the report lists them).")
@click.option("--output", "report_fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="The report: text on stderr, or JSON for tools.")
@click.option("--no-check", is_flag=True, help="Do not compile the spec to compare it with "
              "the original.")
@click.option("--no-lint", is_flag=True, help="Check without the cfn-lint gate (faster).")
@click.option("--choose", "choose", multiple=True, metavar="CONDITION=true|false",
              help="Fix a condition of the template: every !If on it takes the chosen "
              "branch (import once per value for a template that picks its source with !If). "
              "Repeatable.")
def import_cmd(template, out, pipeline, report_fmt, no_check, no_lint, choose):
    """Turn a CloudFormation template's CodePipeline pipeline(s) into spec(s)."""
    from pipegen.importer.command import run

    sys.exit(run(template, out, pipeline, report_fmt, not no_check, not no_lint, choose))


@cli.command("schema")
def schema_cmd():
    """Print the spec's JSON Schema (for editors)."""
    from pipegen.schema import published

    click.echo(published(), nl=False)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="pipegen", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        sys.exit(EXIT_FAIL)
    except SystemExit:
        raise
    except Exception:  # a bug in pipegen: say so, with what a report needs
        import traceback

        click.echo(f"pipegen {__version__}: error PG901 internal error (a bug in pipegen, not "
                   f"in your spec).\nNo file was left half-written. Please report it at "
                   f"{REPORT_URL} with the spec and this trace:\n" + traceback.format_exc(),
                   err=True)
        sys.exit(EXIT_INTERNAL)
