"""The provider boundary: provider and strategy modules import the contexts and helpers of
pipegen.contexts (through pipegen.providers.base), never the phases themselves."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pipegen.providers
import pipegen.strategies

PHASES = ("pipegen.build", "pipegen.expand", "pipegen.emit", "pipegen.compiler")

# Import each module alone, in a fresh interpreter state (every pipegen module forgotten
# first), and print the phases it pulled in.
PROBE = f"""
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "pipegen" or m.startswith("pipegen.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
    phases = [p for p in {PHASES!r} if p in sys.modules]
    print(name, *phases)
"""


def _modules(package) -> list[str]:
    return sorted(f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
                  if m.name != "__main__")


def test_no_provider_or_strategy_module_imports_a_phase():
    modules = _modules(pipegen.providers) + _modules(pipegen.strategies)
    assert "pipegen.providers.cloudformation" in modules
    out = subprocess.run([sys.executable, "-c", PROBE, "pipegen.providers",
                          "pipegen.strategies", *modules], capture_output=True, text=True,
                         check=True).stdout
    lines = out.splitlines()
    assert len(lines) == len(modules) + 2
    assert [line for line in lines if " " in line] == []


def test_the_probe_sees_a_phase():
    """The probe reports a module that does import a phase (so the test above can fail)."""
    out = subprocess.run([sys.executable, "-c", PROBE, "pipegen.compiler"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["pipegen.compiler", "pipegen.build", "pipegen.expand",
                           "pipegen.emit", "pipegen.compiler"]
