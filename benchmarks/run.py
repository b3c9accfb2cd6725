"""pipegen against its peers, measured side by side in one run: the figures of issue 15.

    python benchmarks/run.py            # every figure, 5 runs each (about 3 minutes on 2 cores)
    python benchmarks/run.py --quick    # 2 runs each and 12 specs instead of 50 (under a minute)

Each figure is a ratio of two commands timed in the same run, whole processes (interpreter start
and imports included), alternating which goes first, the median of several runs: a loaded
machine slows both sides alike. Peak memory is the largest single process of a command (the
main process or one of its lint workers), from the kernel's accounting (wait4 ru_maxrss).

The 50 specs are generated into a temporary directory from samples/ (each sample in turn, its
pipeline renamed, so no two templates are alike); nothing is written into the checkout.

The `cdk synth` row needs Node.js and the AWS CDK from the npm registry:

    (cd benchmarks/cdk && npm install --no-audit --no-fund)

It is skipped, saying so, without them. Run with the Python that has pipegen installed (the
README's install command), e.g. `.venv/bin/python benchmarks/run.py`; it prints figures and
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "samples"
CDK = HERE / "cdk"


def tool(name: str) -> list[str]:
    """A console script of this interpreter's environment (as users run it), or `-m name`."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", name.replace("-", "")]


class Command:
    def __init__(self, label: str, argv: list[str], cwd: Path, env: dict | None = None):
        self.label, self.argv, self.cwd = label, argv, cwd
        self.env = {**os.environ, **(env or {})}
        self.times: list[float] = []
        self.peak_kib = 0

    def run(self) -> None:
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env,
                                    stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                err.seek(0)
                sys.exit(f"benchmark command failed ({proc.returncode}): {' '.join(self.argv)}\n"
                         + err.read().decode(errors="replace")[-3000:])
        self.times.append(elapsed)
        # ru_maxrss: the largest of the process and its reaped descendants (KiB; bytes on macOS).
        rss = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
        self.peak_kib = max(self.peak_kib, rss)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def alternate(a: Command, b: Command, runs: int) -> None:
    """Time a and b in turns, a first on even runs and b first on odd ones."""
    for i in range(runs):
        for c in (a, b) if i % 2 == 0 else (b, a):
            c.run()


def generate_specs(dest: Path, count: int) -> list[Path]:
    """`count` specs from the samples, in turn, each pipeline renamed (so templates differ)."""
    samples = sorted(SAMPLES.glob("*.yaml"))
    dest.mkdir(parents=True)
    out = []
    for i in range(count):
        sample = samples[i % len(samples)]
        text = sample.read_text("utf-8")
        renamed, n = re.subn(r"^name:\s*(\S+)\s*$", lambda m, i=i: f"name: {m.group(1)}-b{i:02d}",
                             text, count=1, flags=re.MULTILINE)
        if not n:
            sys.exit(f"{sample} has no top-level `name:` line to vary")
        path = dest / f"b{i:02d}-{sample.name}"
        path.write_text(renamed, "utf-8")
        out.append(path)
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from pipegen.runner import available_cpus

    return (f"{available_cpus()} usable CPUs ({os.cpu_count()} online, {cpu}), "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def versions() -> str:
    from importlib.metadata import version

    import pipegen

    return f"pipegen {pipegen.__version__}, cfn-lint {version('cfn-lint')}, " \
           f"troposphere {version('troposphere')}"


def cdk_command(work: Path, template_dir: Path) -> Command | None:
    """`cdk synth` of benchmarks/cdk/app.js (the typical pipeline), if the CDK is installed."""
    if not (shutil.which("node") and (CDK / "node_modules" / "aws-cdk-lib").is_dir()):
        return None
    cli = CDK / "node_modules" / ".bin" / "cdk"
    env = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true"}
    if cli.exists():
        argv = [str(cli), "synth", "--quiet", "--no-notices", "--no-version-reporting",
                "--app", f"node {CDK / 'app.js'}", "--output", str(template_dir)]
        return Command("cdk synth", argv, work, env)
    env["CDK_OUTDIR"] = str(template_dir)
    return Command("node app.js (the CDK app; no CLI)", ["node", str(CDK / "app.js")], work, env)


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 runs per figure and 12 specs instead of 50")
    parser.add_argument("--runs", type=int, help="timed runs per command (default 5; 2 quick)")
    parser.add_argument("--specs", type=int, help="specs for the many-specs rows (default 50)")
    parser.add_argument("--jobs", help="pass --jobs to pipegen (default: its own default)")
    parser.add_argument("--no-cdk", action="store_true", help="skip the cdk synth row")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    count = args.specs or (12 if args.quick else 50)
    jobs = ["--jobs", args.jobs] if args.jobs else []

    pipegen, cfn_lint = tool("pipegen"), tool("cfn-lint")
    started, load_before = time.time(), load()
    with tempfile.TemporaryDirectory(prefix="pipegen-bench-") as tmp:
        work = Path(tmp)
        typical = work / "typical.yaml"
        shutil.copy(SAMPLES / "typical.yaml", typical)
        subprocess.run([*pipegen, "compile", "typical.yaml", "-o", "typical.json", "--no-lint"],
                       cwd=work, check=True, capture_output=True)
        specs = generate_specs(work / "specs", count)
        templates = work / "templates"
        subprocess.run([*pipegen, "compile", "specs", "-o", "templates", "--no-lint"], cwd=work,
                       check=True, capture_output=True)
        template_files = sorted(str(p.relative_to(work)) for p in templates.glob("*.json"))
        cache = work / "cache"

        compile_typical = Command("pipegen compile typical.yaml",
                                  [*pipegen, "compile", "typical.yaml", "--no-cache", *jobs], work)
        lint_typical = Command("cfn-lint typical.json", [*cfn_lint, "typical.json"], work)
        no_lint = Command("pipegen compile --no-lint",
                          [*pipegen, "compile", "typical.yaml", "--no-lint"], work)
        tropo = Command("troposphere script",
                        [sys.executable, str(HERE / "troposphere_typical.py")], work)
        check = Command(f"pipegen check ({count} specs)",
                        [*pipegen, "check", "specs", "--templates", "templates", "--no-cache",
                         *jobs], work)
        lint_many = Command(f"cfn-lint ({count} templates)", [*cfn_lint, *template_files], work)
        check_warm = Command("pipegen check, unchanged",
                             [*pipegen, "check", "specs", "--templates", "templates",
                              "--cache-dir", str(cache), *jobs], work)
        cdk = None if args.no_cdk else cdk_command(work, work / "cdk.out")

        print(f"# pipegen benchmarks: {len(specs)} generated specs, {runs} runs per command, "
              "pairs alternated, medians", flush=True)
        alternate(compile_typical, lint_typical, runs)
        if cdk is not None:
            alternate(compile_typical, cdk, runs)
        alternate(no_lint, tropo, runs)
        alternate(check, lint_many, runs)
        Command("warm the cache", check_warm.argv, work).run()
        for _ in range(runs):
            check_warm.run()
        load_after = load()

    def ratio(a: Command, b: Command) -> str:
        return f"{a.median / b.median:.2f}× ({a.median:.2f} s vs {b.median:.2f} s)"

    rows = [
        ("`pipegen compile` of the typical sample, whole process, vs `cfn-lint` alone on its "
         "template", ratio(compile_typical, lint_typical), "≤ 1.0×"),
        ("the same vs `cdk synth` of the same pipeline",
         ratio(compile_typical, cdk) if cdk else "not run: see `benchmarks/cdk/README.md`",
         "≤ 0.3×"),
        ("`pipegen compile --no-lint` vs a minimal troposphere script writing a comparable "
         "template", ratio(no_lint, tropo), "≤ 1.5×"),
        (f"`pipegen check` of {count} specs vs one `cfn-lint` process over the same "
         f"{count} templates", ratio(check, lint_many), "≤ 0.5×"),
        ("the same check again with nothing changed (lint cache)",
         f"{check_warm.median:.2f} s ({check_warm.median / check.median:.2f}× the first check)",
         "≤ 1 s"),
        ("peak memory of the largest process, one spec",
         f"{mib(compile_typical.peak_kib)} (cfn-lint {mib(lint_typical.peak_kib)}"
         + (f", {cdk.label} {mib(cdk.peak_kib)}" if cdk else "") + ")", "≤ 200 MiB"),
        (f"peak memory of the largest process, {count} specs",
         f"{mib(check.peak_kib)} (cfn-lint {mib(lint_many.peak_kib)})", "≤ 200 MiB"),
    ]
    print()
    print("| what | measured | target |")
    print("|---|---|---|")
    for what, got, target in rows:
        print(f"| {what} | {got} | {target} |")
    print()
    print(f"Machine: {machine()}.")
    print(f"Versions: {versions()}.")
    print(f"Load average (1/5/15 min) {load_before} at the start, {load_after} at the end; "
          f"{time.time() - started:.0f} s in all.")


if __name__ == "__main__":
    main()
