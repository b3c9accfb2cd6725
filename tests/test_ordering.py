"""`after:` and `run_order` compile to RunOrder levels; cycles and contradictions are errors."""

from __future__ import annotations

import pytest
from helpers import actions_by_name, compile_stages, error_report

from pipegen.compiler import compile_spec


def run_orders(template: dict, stage: int = 1) -> dict[str, int]:
    return {n: a["RunOrder"] for n, a in actions_by_name(template, stage).items()}


@pytest.mark.parametrize(("stages", "expected"), [
    pytest.param("""\
      - name: Build
        actions:
          - {name: A, type: build, project: a}
          - {name: B, type: build, project: b}
          - {name: C, type: approval}
    """, {"A": 1, "B": 1, "C": 1}, id="actions_without_after_run_in_parallel"),
    pytest.param("""\
      - name: Build
        actions:
          - {name: Package, type: build, project: p, inputs: [Built]}
          - {name: Compile, type: build, project: c, outputs: [Built]}
    """, {"Package": 2, "Compile": 1},
        id="an_input_produced_in_the_same_stage_orders_the_consumer"),
    pytest.param("""\
      - name: Build
        actions:
          - {name: A, type: build, project: a, run_order: 5}
          - {name: B, type: build, project: b, after: [A]}
          - {name: C, type: build, project: c, run_order: 2}
    """, {"A": 5, "B": 6, "C": 2}, id="run_order_is_accepted_and_ordering_builds_on_it"),
    pytest.param("""\
      - name: Build
        actions:
          - {name: A, type: build, project: a}
          - {name: B, type: build, project: b, after: [A], run_order: 4}
    """, {"A": 1, "B": 4}, id="run_order_may_be_later_than_needed"),
])
def test_run_orders_of_one_stage(write_spec, stages, expected):
    assert run_orders(compile_stages(write_spec, stages)) == expected


def test_after_chains_and_joins_into_levels(write_spec):
    t = compile_stages(write_spec, """\
      - name: Build
        actions:
          - {name: Publish, type: approval, after: [Lint, Test]}
          - {name: Test, type: build, project: t, after: [Lint]}
          - {name: Lint, type: build, project: l}
          - {name: Docs, type: build, project: d, after: [Lint]}
    """)
    # Written out of order on purpose: the levels follow `after:`, not the listing.
    assert run_orders(t) == {"Publish": 3, "Test": 2, "Lint": 1, "Docs": 2}
    names = [a["Name"] for a in t["Resources"]["Pipeline"]["Properties"]["Stages"][1]["Actions"]]
    assert names == ["Publish", "Test", "Lint", "Docs"]  # the spec's order is kept


def test_after_orders_each_stage_separately(write_spec):
    t = compile_stages(write_spec, """\
      - name: One
        actions:
          - {name: A, type: build, project: a}
          - {name: B, type: build, project: b, after: [A]}
      - name: Two
        actions:
          - {name: A, type: build, project: a2}
    """)
    assert run_orders(t, 1) == {"A": 1, "B": 2}
    assert run_orders(t, 2) == {"A": 1}


def test_unknown_after_names_the_stage_actions(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
          - name: B
            type: build
            project: b
            after: [Lnit]
    """) == """\
spec.yaml:17:15: error PG311 after: names 'Lnit', which is not an action of stage 'Build'
  (stages[0].actions[1].after[0])
           after: [Lnit]
                   ^^^^
  hint: other actions in this stage: A
"""


def test_after_names_an_action_of_another_stage(write_spec):
    text = error_report(write_spec, """\
      - name: One
        actions:
          - {name: A, type: build, project: a}
      - name: Two
        actions:
          - {name: B, type: build, project: b, after: [A]}
    """)
    assert text == (
        "spec.yaml:14:50: error PG311 after: names 'A', which is not an action of stage 'Two'\n"
        "  (stages[1].actions[0].after[0])\n"
        "         - {name: B, type: build, project: b, after: [A]}\n"
        "                                                      ^\n"
        "  hint: this stage has no other action; stages already run one after another, so "
        "`after:` orders actions within one stage only\n")


def test_after_itself(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            after: [A]
    """) == """\
spec.yaml:14:15: error PG310 action 'A' cannot run after itself
  (stages[0].actions[0].after[0])
           after: [A]
                   ^
"""


@pytest.mark.parametrize(("stages", "report"), [
    pytest.param("""\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            after: [C]
          - name: B
            type: build
            project: b
            after: [A]
          - name: C
            type: build
            project: c
            after: [B]
    """, """\
spec.yaml:14:14: error PG310 actions 'A' -> 'C' -> 'B' -> 'A' wait for each other in a cycle
  (stages[0].actions[0].after)
           after: [C]
                  ^^^
  hint: `after:` and inputs produced in the same stage must not form a loop
""", id="after_cycle_names_its_members"),
    pytest.param("""\
      - name: Build
        actions:
          - name: A
            type: build
            project: a
            inputs: [FromB]
            outputs: [FromA]
          - name: B
            type: build
            project: b
            inputs: [FromA]
            outputs: [FromB]
    """, """\
spec.yaml:14:7: error PG310 actions 'A' -> 'B' -> 'A' wait for each other in a cycle
  (stages[0].actions[0].inputs)
           inputs: [FromB]
           ^^^^^^
  hint: `after:` and inputs produced in the same stage must not form a loop
""", id="artifact_cycle_is_one_error_without_follow_on_input_errors"),
])
def test_a_cycle_is_one_located_error(write_spec, stages, report):
    assert error_report(write_spec, stages) == report


def test_run_order_before_a_dependency_is_an_error(write_spec):
    assert error_report(write_spec, """\
      - name: Build
        actions:
          - name: Compile
            type: build
            project: c
            outputs: [Built]
          - name: Package
            type: build
            project: p
            inputs: [Built]
            run_order: 1
    """) == """\
spec.yaml:19:18: error PG345 run_order 1 would start 'Package' at the same time as 'Compile', \
which it waits for (run order 1)
  (stages[0].actions[1].run_order)
           run_order: 1
                      ^
  hint: remove `run_order` (pipegen computes 2), or set it to 2 or more
"""


def test_run_order_against_after(write_spec):
    text = error_report(write_spec, """\
      - name: Build
        actions:
          - {name: A, type: build, project: a, run_order: 3}
          - {name: B, type: build, project: b, after: [A], run_order: 2}
    """)
    assert "error PG345 run_order 2 would start 'B' before 'A', which it waits for (run " \
           "order 3)" in text
    assert "hint: remove `run_order` (pipegen computes 4), or set it to 4 or more" in text


def test_samples_ordering_in_the_showcase():
    from conftest import SAMPLES

    t = compile_spec(SAMPLES / "showcase.yaml").template
    stages = t["Resources"]["Pipeline"]["Properties"]["Stages"]
    assert run_orders(t, 2) == {"Compile": 1, "Mobile": 1, "Devices": 2}
    assert run_orders(t, 3) == {"Deploy": 1, "Migrate": 2, "Load": 3, "Notify": 3}
    assert [s["Name"] for s in stages] == ["Source", "Verify", "Build", "Staging", "Production"]
