"""How long pipegen takes: compile time per sample without lint, lint time per template, total.

Run `.venv/bin/python benchmarks/bench_compile.py [-n REPEATS] [SPEC_OR_DIR...]` (default: the
samples). Prints figures only; it asserts nothing (timings belong in a report, not a test).
The one-off costs (imports, the composed schema, cfn-lint's rules) are shown apart, because a
CLI run pays them once however many specs it compiles.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def _specs(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths or [str(ROOT / "samples")]):
        found += sorted(p.glob("*.yaml")) if p.is_dir() else [p]
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", help="spec files or directories (default: samples)")
    parser.add_argument("-n", "--repeats", type=int, default=5, help="timed runs per spec")
    args = parser.parse_args(argv)

    t_import, _ = _timed(__import__, "pipegen.compiler")
    from pipegen import schema
    from pipegen.compiler import compile_spec
    from pipegen.lint import Linter

    t_schema, _ = _timed(schema._validator)
    t_rules, linter = _timed(Linter)
    specs = _specs(args.specs)
    print(f"one-off: import {t_import * 1000:.0f} ms, schema {t_schema * 1000:.0f} ms, "
          f"cfn-lint rules {t_rules * 1000:.0f} ms")
    print(f"{'spec':<28} {'compile ms':>11} {'lint ms':>9} {'template KiB':>13}")

    compile_total = lint_total = 0.0
    for spec in specs:
        compile_spec(spec)  # warm: caches and first-call costs are not the spec's
        compiles, lints = [], []
        for _ in range(args.repeats):
            t, result = _timed(compile_spec, spec)
            compiles.append(t)
            t, _ = _timed(linter.lint, result.text)
            lints.append(t)
        c, lt = statistics.median(compiles), statistics.median(lints)
        compile_total += c
        lint_total += lt
        print(f"{spec.name:<28} {c * 1000:>11.1f} {lt * 1000:>9.1f} "
              f"{len(result.text.encode()) / 1024:>13.1f}")
    n = len(specs)
    print(f"{'per spec (mean)':<28} {compile_total / n * 1000:>11.1f} "
          f"{lint_total / n * 1000:>9.1f}")
    print(f"total for {n} spec(s), medians of {args.repeats} runs: compile "
          f"{compile_total * 1000:.0f} ms + lint {lint_total * 1000:.0f} ms = "
          f"{(compile_total + lint_total) * 1000:.0f} ms (plus one-off "
          f"{(t_import + t_schema + t_rules) * 1000:.0f} ms)")


if __name__ == "__main__":
    sys.exit(main())
