"""The run loop of `compile` and `check`: every spec compiled, linted and reported in order.

The main process compiles (about 10 ms a spec); lint (cfn-lint, 100-300 ms a template plus
about 0.9 s to load its rules once per process) runs in worker processes (lintpool.py), or not at
all when the lint cache (lintcache.py) already holds the template's findings. Specs are compiled
a few ahead of the one being reported, so workers always have work, and results are handed
back strictly in the order of the specs: output is byte-identical whatever `--jobs` is.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipegen.errors import Diagnostic, SpecError

if TYPE_CHECKING:
    from pipegen.compiler import Compiled
    from pipegen.lintcache import LintCache
    from pipegen.lintpool import LintPool
    from pipegen.progress import Progress


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a container's CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        cpus = min(cpus, quota)
    return max(1, cpus)


def _cgroup_quota(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """CPUs allowed by the cgroup's CPU quota (v2 cpu.max, or v1 cfs quota), rounded up."""
    import math

    def read(name: str) -> str:
        return (root / name).read_text().strip()

    for quota_file, period_file in (("cpu.max", None),
                                    ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us")):
        try:
            if period_file is None:
                quota, period = (read(quota_file).split() + ["100000"])[:2]
            else:
                quota, period = read(quota_file), read(period_file)
            if quota in ("max", "-1"):
                return None
            return max(1, math.ceil(int(quota) / int(period)))
        except (OSError, ValueError, ZeroDivisionError):
            continue
    return None


@dataclass
class Outcome:
    spec: Path
    result: Compiled | None  # None: the spec failed (diagnostics say why)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class _Slot:
    spec: Path
    result: Compiled | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    crash: BaseException | None = None  # raised when its turn comes, as a serial run would
    cache_key: str | None = None
    findings: list | None = None  # from the cache
    task: int | None = None  # a lint worker's task


class Run:
    """One command's compile (and lint) of many specs; a context manager owning the workers.

    The first lint worker starts before the first spec is compiled, so cfn-lint's rules load
    while the main process does everything else; not at all if the lint cache expects to hold
    every template (lintcache.py's index), and then at the first miss.
    """

    def __init__(self, lint: bool = True, jobs: int | None = None,
                 cache_dir: Path | str | None = None, use_cache: bool = True,
                 progress: Progress | None = None):
        self.lint = lint
        cpus = available_cpus()
        self.jobs = jobs or cpus
        self.progress = progress
        self.cache: LintCache | None = None
        self.pool: LintPool | None = None
        if lint:
            from pipegen.lintpool import LintPool

            self.pool = LintPool(self.jobs, eager=False)
            self._early = cpus > 1  # on one CPU an early worker would only slow the compile
            if use_cache:
                from pipegen.lintcache import LintCache, default_dir

                self.cache = LintCache(cache_dir if cache_dir is not None else default_dir())

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.cache is not None:
            self.cache.prune()
            if self.cache.unwritable:
                import sys

                sys.stderr.write(f"pipegen: note: the lint cache was not written: "
                                 f"{self.cache.unwritable}; use --cache-dir or --no-cache\n")
        if self.progress is not None:
            self.progress.clear()

    def outcomes(self, specs: Iterable[Path], fmt: str = "json") -> Iterator[Outcome]:
        """Each spec's outcome, in the order given."""
        specs = list(specs)
        spec_keys: dict[Path, str | None] = {}
        if self.pool is not None:
            self.pool.size = max(1, min(self.jobs, len(specs)))
            if self.cache is not None:
                spec_keys = {s: self.cache.spec_key(s, fmt) for s in specs}
            if self._early and not (spec_keys and all(map(self.cache.expects_hit,
                                                          spec_keys.values()))):
                self.pool.start()  # cfn-lint's rules load while the specs compile
        ahead = 2 * self.jobs + 1  # compiled but not yet reported: bounded, for memory
        todo = iter(specs)
        slots: deque[_Slot] = deque()
        done = 0
        if self.progress is not None and specs:
            self.progress.show(0, len(specs), specs[0])
        while True:
            while len(slots) < ahead:
                spec = next(todo, None)
                if spec is None:
                    break
                slots.append(self._start(spec, fmt, spec_keys.get(spec)))
            if not slots:
                return
            slot = slots.popleft()
            outcome = self._finish(slot)
            if self.progress is not None:
                self.progress.clear()
            yield outcome
            done += 1
            if self.progress is not None:
                self.progress.show(done, len(specs), slots[0].spec if slots else None)

    def _start(self, spec: Path, fmt: str, spec_key: str | None = None) -> _Slot:
        from pipegen import compiler

        slot = _Slot(spec)
        try:
            slot.result = compiler.compile_spec(spec, fmt)
        except SpecError as e:
            slot.diagnostics = e.diagnostics
            return slot
        except Exception as e:  # noqa: BLE001 - re-raised in order, as a serial run would
            slot.crash = e
            return slot
        if self.pool is not None:
            text = slot.result.lint_text
            if self.cache is not None:
                slot.cache_key = self.cache.key(text)
                slot.findings = self.cache.get(slot.cache_key)
                self.cache.remember(spec_key, slot.cache_key)
            if slot.findings is None:
                slot.task = self.pool.submit(text)
        return slot

    def _finish(self, slot: _Slot) -> Outcome:
        if slot.crash is not None:
            raise slot.crash
        result = slot.result
        if result is None:
            return Outcome(slot.spec, None, slot.diagnostics)
        if self.pool is not None:
            from pipegen.lint import printable

            findings = slot.findings
            if findings is None:
                findings = printable(self.pool.result(slot.task), result.template)
                if self.cache is not None:
                    self.cache.put(slot.cache_key, findings)
            problems = result.lint_problems(findings)
            if problems:
                return Outcome(slot.spec, None, problems)
        return Outcome(slot.spec, result, list(result.warnings))
