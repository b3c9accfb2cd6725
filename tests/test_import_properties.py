"""Round-trip property (hypothesis): import is emit run backwards.

For every spec the valid-spec generator (tests/strategies.py) draws, `pipegen import` of the
compiled template gives a spec that compiles back to the same pipeline: the same stages and,
per action, the same type, run order, artifacts, region, role, namespace, Configuration
values and other properties (roundtrip.digest). This holds the inverse readers
(pipegen/importer/) and the providers' emitters together: a change to one that the other does
not follow fails here. No lint (the compile tests lint generated specs); fixed seed.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from strategies import to_yaml, valid_specs

from pipegen.compiler import compile_spec
from pipegen.importer import check, import_pipelines, load, roundtrip

WORKDIR = Path(tempfile.mkdtemp(prefix="pipegen-import-properties-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)

# No shrinking: a failing example of this generator takes minutes to shrink, and the
# unshrunk spec (printed) is as useful for finding which reader or emitter drifted.
CI = settings(derandomize=True, database=None, deadline=None, print_blob=True,
              phases=[Phase.explicit, Phase.reuse, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])


@settings(CI, max_examples=120)
@given(valid_specs())
def test_import_of_a_compiled_spec_compiles_back_to_the_same_pipeline(spec):
    source = WORKDIR / "spec.yaml"
    source.write_text(to_yaml(spec), encoding="utf-8")
    compiled = compile_spec(source)
    template = WORKDIR / "template.json"
    template.write_text(compiled.text, encoding="utf-8")

    (imported,) = import_pipelines(load(template))
    again = WORKDIR / "imported.yaml"
    again.write_text(imported.text, encoding="utf-8")
    result = check(imported, again)
    assert result.compiled, [f"{d.code} {d.message} {d.path}" for d in result.diagnostics]
    assert result.differences == []
    # And the comparison is not vacuous: the original's digest is the first compile's (with
    # the roles pipegen generates for actions counted as no role, as in the compare).
    assert imported.original == roundtrip.digest(compiled.template, "Pipeline", {},
                                                 frozenset(imported.renames))
