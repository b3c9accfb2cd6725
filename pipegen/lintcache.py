"""The lint cache: cfn-lint's findings for a template, kept so an unchanged template is not linted
again.

An entry is keyed by everything that decides the findings: the template's bytes, cfn-lint's
version (its version file), the configuration pipegen passes to cfn-lint and the `.cfnlintrc`
files cfn-lint reads by itself (home and working directory), and pipegen's version. It holds
the findings as reports show them (`lint.printable`: secrets masked), never a verdict: a
template with findings still fails from the cache, and no secret reaches a CI cache.

An entry is trusted only whole: it names its own key and carries a checksum of its content; an
entry that is unreadable, truncated, for another key or fails its checksum is ignored (the
template is linted again and the entry rewritten). The checksum catches corruption, not a
forger: whoever can write the cache directory can make pipegen skip cfn-lint, so a release gate
that cannot trust its cache runs with `--no-cache`.

Beside the entries, an index maps a spec (its path and bytes) to the template key it compiled
to last time. It decides nothing about findings, only whether a run starts a lint worker before
it has compiled anything: when every spec's last template is cached, none is started (a run
with nothing changed loads no cfn-lint at all); when the guess is wrong, the first miss starts
one.

The default directory is `$XDG_CACHE_HOME/pipegen`, or `.pipegen-cache` in the working
directory. A cache directory gets a `.gitignore` (so it is never committed) and a
`CACHEDIR.TAG` (so backups and pipegen's own spec search skip it).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path

from pipegen import __version__
from pipegen.lint import OPTIONS, Finding

FORMAT = "pipegen-lint-cache 1"
DEFAULT_DIR = ".pipegen-cache"
TAG_NAME = "CACHEDIR.TAG"
# https://bford.info/cachedir/ : the signature every CACHEDIR.TAG starts with.
TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
       "# This file is a cache directory tag created by pipegen (the lint cache).\n"
       "# For information about cache directory tags see https://bford.info/cachedir/\n")
MAX_ENTRIES = 4096  # the oldest entries beyond this are removed when new ones are written
RC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")


def default_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "pipegen" if xdg and os.path.isabs(xdg) else Path(DEFAULT_DIR)


def is_cache_dir(path: Path) -> bool:
    """A directory that is a cache (pipegen's or another tool's): never searched for specs."""
    return path.name == DEFAULT_DIR or (path / TAG_NAME).is_file()


def _cfnlint_version() -> bytes:
    """cfn-lint's version file, read without importing cfn-lint (that takes half a second)."""
    spec = importlib.util.find_spec("cfnlint")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        try:
            return (Path(folder) / "version.py").read_bytes()
        except OSError:
            continue
    return b"unknown"


def _rc_files() -> list[tuple[str, bytes]]:
    """The configuration files cfn-lint reads on its own: the first found at home and here."""
    found = []
    for folder in (Path.home(), Path.cwd()):
        for name in RC_NAMES:
            path = folder / name
            try:
                found.append((str(path), path.read_bytes()))
                break
            except OSError:
                continue
    return found


def _checksum(key: str, findings: list) -> str:
    body = json.dumps([FORMAT, key, findings], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class LintCache:
    """Findings by template; `get` returns None on a miss or an entry it cannot trust."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.entries = self.directory / "lint"
        self.index = self.directory / "specs"
        context = hashlib.sha256()
        for part in (FORMAT.encode(), __version__.encode(), _cfnlint_version(),
                     json.dumps(OPTIONS, sort_keys=True).encode(),
                     json.dumps([[p, hashlib.sha256(b).hexdigest()] for p, b in _rc_files()])
                     .encode()):
            context.update(len(part).to_bytes(8, "big") + part)
        self._context = context
        self.written = 0
        self.unwritable: str | None = None  # why entries could not be written, if so

    def key(self, template_text: str) -> str:
        h = self._context.copy()
        h.update(template_text.encode("utf-8"))
        return h.hexdigest()

    def spec_key(self, spec: Path, fmt: str) -> str | None:
        """The index key of a spec file as it is now (None if it cannot be read)."""
        try:
            data = spec.read_bytes()
        except OSError:
            return None
        h = self._context.copy()
        h.update(f"\0spec\0{fmt}\0{spec}\0".encode() + data)
        return h.hexdigest()

    def expects_hit(self, spec_key: str | None) -> bool:
        """Whether this spec's template was cached when the spec last compiled as it is now."""
        if spec_key is None:
            return False
        try:
            key = (self.index / spec_key).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return False
        return len(key) == 64 and self._path(key).is_file()

    def remember(self, spec_key: str | None, key: str) -> None:
        """Note the template key a spec compiled to (for `expects_hit` next time)."""
        if spec_key is None or self.unwritable:
            return
        path = self.index / spec_key
        try:
            if path.read_text("ascii") == key:
                return
        except (OSError, UnicodeDecodeError):
            pass
        with contextlib.suppress(OSError):
            self._prepare()
            self.index.mkdir(exist_ok=True)
            self._write(path, key)

    def _write(self, path: Path, text: str) -> None:
        """Write via a temporary file and rename: readers see a whole file or none."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _path(self, key: str) -> Path:
        return self.entries / f"{key}.json"

    def get(self, key: str) -> list[Finding] | None:
        try:
            entry = json.loads(self._path(key).read_bytes())
            if entry["format"] != FORMAT or entry["key"] != key:
                return None
            rows = entry["findings"]
            if entry["checksum"] != _checksum(key, rows):
                return None
            findings = [Finding(*row) for row in rows]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # missing, unreadable or malformed: lint again
        if not all(isinstance(f.rule, str) and isinstance(f.severity, str)
                   and isinstance(f.message, str) and type(f.line) is int for f in findings):
            return None
        with contextlib.suppress(OSError):
            os.utime(self._path(key))  # recently used: kept when the cache is pruned
        return findings

    def put(self, key: str, findings: list[Finding]) -> None:
        """Store printable findings (lint.printable); a cache that cannot be written is skipped."""
        if self.unwritable:
            return
        rows = [[f.rule, f.severity, f.message, f.line] for f in findings]
        entry = {"format": FORMAT, "key": key, "findings": rows,
                 "checksum": _checksum(key, rows)}
        try:
            self._prepare()
            self._write(self._path(key), json.dumps(entry, ensure_ascii=False))
        except OSError as e:
            self.unwritable = f"{e.strerror or e} ({e.filename or self.directory})"
            return
        self.written += 1

    def _prepare(self) -> None:
        if self.entries.is_dir():
            return
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# created by pipegen: the lint cache\n*\n"),
                           (TAG_NAME, TAG)):
            path = self.directory / name
            if not path.exists():
                path.write_text(text, encoding="utf-8")

    def prune(self, keep: int = MAX_ENTRIES) -> None:
        """Remove the least recently used entries beyond `keep` (a cache must not grow forever)."""
        if not self.written:
            return
        for folder in (self.entries, self.index):
            try:
                entries = [(e.stat().st_mtime, e.path) for e in os.scandir(folder)
                           if not e.name.startswith(".")]
                for _, path in sorted(entries)[:max(0, len(entries) - keep)]:
                    os.unlink(path)
            except OSError:
                pass  # another run pruning at the same time, or a read-only cache: harmless
