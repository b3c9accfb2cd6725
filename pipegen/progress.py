"""A progress line for people watching a long run: `[12/50] checking orders.yaml`.

Shown only when stderr is a terminal (never in CI logs or captured output), rewritten in place
with a carriage return, and wiped before anything else is printed, so diagnostics never share a
line with it. Plain spaces do the wiping: no terminal escape codes are needed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TextIO


class Progress:
    def __init__(self, verb: str, stream: TextIO | None = None):
        self.verb = verb
        self.stream = stream if stream is not None else sys.stderr
        self._width = 0  # of what is on the line now

    @classmethod
    def for_terminal(cls, verb: str, count: int) -> Progress | None:
        """A Progress when stderr is a terminal and there is more than one spec, else None."""
        try:
            tty = sys.stderr.isatty()
        except (AttributeError, ValueError):
            tty = False
        return cls(verb) if tty and count > 1 else None

    def show(self, done: int, total: int, current: Path | None) -> None:
        if done >= total:
            return self.clear()
        line = f"[{done}/{total}] {self.verb} {current}" if current else f"[{done}/{total}]"
        columns = shutil.get_terminal_size((80, 24)).columns - 1
        line = line[:max(columns, 10)]
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)) + "\r")
        self.stream.flush()
        self._width = len(line)

    def clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
