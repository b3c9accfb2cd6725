"""Mutated real inputs never crash pipegen: every answer is a located error or a template.

A few hundred fixed-seed mutations of the samples, corpus specs and golden templates
(tests/mutations.py, which also runs longer campaigns by hand). A failure prints the crash and
the mutated input; add it as a regression test where the bug is fixed.
"""

from __future__ import annotations

import pytest
from mutations import fuzz_specs, fuzz_templates


@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_specs_never_crash(tmp_path, seed):
    crashes = fuzz_specs(150, seed, tmp_path)
    assert not crashes, "\n\n".join(f"{c.origin}:\n{c.text}\n{c.trace}" for c in crashes)


def test_mutated_templates_never_crash_import(tmp_path):
    crashes = fuzz_templates(120, 3, tmp_path)
    assert not crashes, "\n\n".join(f"{c.origin}:\n{c.text}\n{c.trace}" for c in crashes)
