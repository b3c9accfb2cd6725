"""Graph and diff on generated valid specs (tests/strategies.py): they never crash, every
action is drawn, a template compared with itself has no changes, and the Mermaid text of many
generated pipelines (arbitrary names, conditions, regions, roles) parses with Mermaid."""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from strategies import to_yaml, valid_specs
from test_graph import JS, need

from pipegen import diff, graph, loader
from pipegen.compiler import compile_spec
from pipegen.errors import SpecError
from pipegen.pipeview import attribute_origins, pipelines

CI = settings(derandomize=True, database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
WORKDIR = Path(tempfile.mkdtemp(prefix="pipegen-prflow-"))
atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
SPEC = WORKDIR / "spec.yaml"


def compiled(spec: dict):
    SPEC.write_text(to_yaml(spec), encoding="utf-8")
    try:
        return compile_spec(SPEC, "json", None)
    except SpecError as e:  # the generator's business (tests/test_properties.py), not ours
        raise AssertionError(f"a generated valid spec failed: {e}") from None


def drawn(template: dict) -> tuple[str, str]:
    data = loader.load_file(SPEC).data
    views = [attribute_origins(v, data) for v in pipelines(template)]
    return graph.render(views, "spec", "mermaid"), graph.render(views, "spec", "dot")


@settings(CI, max_examples=60)
@given(valid_specs())
def test_graph_and_diff_on_generated_specs(spec):
    result = compiled(spec)
    mermaid, dot = drawn(result.template)
    [view] = pipelines(result.template)
    for s, stage in enumerate(view.stages):
        for a in range(len(stage.actions)):
            assert f"    s{s}a{a}" in mermaid and f"    s{s}a{a} [label=" in dot
    [same] = diff.compare(json.loads(result.text), result.template, "spec.yaml", "itself")
    assert same.empty, diff.text([same])
    [new] = diff.compare(None, result.template, "spec.yaml", "nothing")
    assert new.new and len(new.stages_added) == len(view.stages)
    for fmt in ("text", "markdown", "json"):
        assert diff.render([new], fmt)


def test_generated_graphs_parse_with_mermaid():
    need(shutil.which("node") is not None and (JS / "node_modules" / "mermaid").is_dir(),
         "node with tests/js/node_modules (npm ci --prefix tests/js)")
    files: list[str] = []

    @settings(CI, max_examples=40)
    @given(valid_specs())
    def collect(spec):
        path = WORKDIR / f"g{len(files)}.mmd"
        path.write_text(drawn(compiled(spec).template)[0], encoding="utf-8")
        files.append(str(path))

    collect()
    proc = subprocess.run(["node", str(JS / "parse_mermaid.mjs"), *files], capture_output=True,
                          text=True, cwd=JS, timeout=600)
    failures = [json.loads(line) for line in proc.stdout.splitlines()
                if not json.loads(line)["ok"]]
    assert failures == [], [(f, Path(f["file"]).read_text("utf-8")) for f in failures[:3]]
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == len(files)
