"""Lint worker processes: each loads cfn-lint's rules once, then lints the templates it is sent.

Loading the rules (about 0.9 s with cfn-lint's imports) dominates a one-spec run, and it does not
depend on the spec: a worker started first loads them while the main process loads, validates
and compiles the spec, so on two cores the compile costs no wall time. With many specs, several
workers lint in parallel (`--jobs`). The main process keeps the order: it asks for results by
task, so output never depends on which worker finished first.

On Linux a worker is forked (it inherits the modules already imported, and costs no interpreter
start); elsewhere it is spawned. Workers ignore Ctrl-C (the main process stops them), and are
terminated when the run ends: a worker still loading rules that no spec needed (every template
came from the lint cache) costs no wall time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import traceback
from multiprocessing import connection

from pipegen.lint import Finding

DEPTH = 2  # tasks sent ahead to one worker, so it never waits for the main process


def _context():
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _serve(conn) -> None:
    """A worker's life: load the rules, then lint each template until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from pipegen.lint import Linter

    linter = Linter()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        task_id, text = task
        try:
            reply = (task_id, True, [(f.rule, f.severity, f.message, f.line)
                                     for f in linter.lint(text)])
        except Exception:  # reported by the main process as an internal error
            reply = (task_id, False, traceback.format_exc())
        conn.send(reply)


class WorkerError(RuntimeError):
    """A lint worker failed: cfn-lint raised, or the process died."""


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True,
                                   name="pipegen-lint")
        self.process.start()
        child.close()
        self.sent: list[int] = []  # task ids sent and not yet answered, in order


class LintPool:
    """Up to `size` lint workers; the first starts at once, more when work waits for them."""

    def __init__(self, size: int, eager: bool = True):
        self.size = max(1, size)
        self._ctx = _context()
        self._workers: list[_Worker] = []
        self._queue: list[tuple[int, str]] = []  # submitted, not yet sent to a worker
        self._done: dict[int, tuple[bool, object]] = {}
        self._next_id = 0
        if eager:
            self.start()

    def start(self) -> None:
        """Start the first worker now, if none is running (it loads the rules meanwhile)."""
        if not self._workers:
            self._start_worker()

    def _start_worker(self) -> None:
        for stream in (sys.stdout, sys.stderr):  # a forked child must not repeat buffered output
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()
        self._workers.append(_Worker(self._ctx))

    def submit(self, text: str) -> int:
        """Queue a template (JSON text) for linting; returns the task id to ask `result` for."""
        task_id = self._next_id
        self._next_id += 1
        self._queue.append((task_id, text))
        self._dispatch()
        return task_id

    def _dispatch(self) -> None:
        while self._queue:
            idle = [w for w in self._workers if not w.sent]
            if not idle and len(self._workers) < self.size:
                self._start_worker()
                continue
            candidates = idle or [w for w in self._workers if len(w.sent) < DEPTH]
            if not candidates:
                return
            worker = min(candidates, key=lambda w: len(w.sent))
            task = self._queue.pop(0)
            worker.conn.send(task)
            worker.sent.append(task[0])

    def result(self, task_id: int) -> list[Finding]:
        """The findings for a task, waiting for its worker; raises WorkerError if it failed."""
        while task_id not in self._done:
            self._dispatch()
            busy = [w for w in self._workers if w.sent]
            if not busy:
                raise WorkerError(f"lint task {task_id} was never sent to a worker")
            ready = connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    self._receive(w)
        ok, value = self._done.pop(task_id)
        if not ok:
            raise WorkerError(f"cfn-lint failed in a lint worker:\n{value}")
        return [Finding(*row) for row in value]

    def _receive(self, worker: _Worker) -> None:
        try:
            task_id, ok, value = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(1)
            self._workers.remove(worker)
            raise WorkerError(f"a lint worker exited unexpectedly (exit code "
                              f"{worker.process.exitcode}) while linting") from None
        worker.sent.remove(task_id)
        self._done[task_id] = (ok, value)

    def close(self) -> None:
        """Stop every worker now (they hold nothing that needs saving) and reap them."""
        for w in self._workers:
            if w.process.is_alive():
                w.process.terminate()
        for w in self._workers:
            w.process.join()
            w.conn.close()
        self._workers.clear()

    def __enter__(self) -> LintPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
