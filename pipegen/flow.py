"""Run order and artifact flow over the expanded plan (called by the expand phase).

Every action here is an ordinary model action, expanded or as written, so these rules hold
for every provider and strategy alike: RunOrder from `after` and from artifacts produced in
the same stage; every input produced earlier, every output unique, counts that fit each
provider, clone-ref outputs read by CodeBuild only, conditional inputs not outliving their
producer. Diagnostics point at the written action (`Action.written_path`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipegen import condition_logic, providers

if TYPE_CHECKING:
    from pipegen.contexts import ExpandContext
    from pipegen.model import Action, Source, Stage


def run_orders(ctx: ExpandContext, actions: list[Action]) -> list[int]:
    """RunOrder per action of one stage: explicit `run_order`, else after all it waits for.

    An action waits for the actions named in its `after` and for any action of the same stage
    that produces one of its inputs (so artifact flow inside a stage orders itself). An
    explicit `run_order` (kept by the first steps of an expansion) must still come after all
    of those.
    """
    index = {a.name: i for i, a in enumerate(actions)}
    producers = {o: i for i, a in enumerate(actions) for o in a.outputs}
    deps: list[list[int]] = []
    for i, a in enumerate(actions):
        wanted = [index[n] for n in a.after if n in index and index[n] != i]
        wanted += [producers[x] for x in a.inputs if x in producers and producers[x] != i]
        deps.append(list(dict.fromkeys(wanted)))

    levels: list[int] = [1] * len(actions)
    state = [0] * len(actions)  # 0 new, 1 visiting, 2 done
    stack: list[int] = []

    def visit(i: int) -> int:
        if state[i] == 2:
            return levels[i]
        if state[i] == 1:
            raise _Cycle(stack[stack.index(i):] + [i])
        state[i] = 1
        stack.append(i)
        need, why = 1, None
        for j in deps[i]:
            after_j = visit(j) + 1
            if after_j > need:
                need, why = after_j, j
        stack.pop()
        explicit = actions[i].explicit_run_order
        level = need
        if explicit is not None:
            level = explicit
            if explicit < need:
                a, w = actions[i], actions[why]
                when = "at the same time as" if explicit == levels[why] else "before"
                ctx.error("PG345", f"run_order {explicit} would start '{a.name}' {when} "
                          f"'{w.name}', which it waits for (run order {levels[why]})",
                          a.written_path + ("run_order",), f"remove `run_order` (pipegen "
                          f"computes {need}), or set it to {need} or more")
        state[i] = 2
        levels[i] = level
        return level

    for i in range(len(actions)):
        try:
            visit(i)
        except _Cycle as c:
            a = actions[c.members[0]]
            loop = " -> ".join(f"'{actions[k].name}'" for k in c.members)
            where = "after" if "after" in ctx.written_of(a).settings else "inputs"
            ctx.error("PG310", f"actions {loop} wait for each other in a cycle",
                      a.written_path + (where,), "`after:` and inputs produced in the same "
                      "stage must not form a loop", key=where == "inputs")
            return [1] * len(actions)
    return levels


class _Cycle(Exception):
    def __init__(self, members: list[int]):
        self.members = members


def check_artifact_flow(ctx: ExpandContext, sources: tuple[Source, ...],
                        stages: tuple[Stage, ...]) -> None:
    """Every input produced earlier, every output name unique, counts fit each provider."""
    produced: dict[str, tuple] = {}
    conds, params = ctx.pipeline.conditions, ctx.pipeline.parameters
    by_output: dict[str, list[Source]] = {}
    for s in sources:
        others = by_output.setdefault(s.output, [])
        # A source chosen by a parameter: alternatives under conditions that exclude each other.
        if others and not (s.when and all(o.when and condition_logic.exclusive(
                s.when, o.when, conds) for o in others)):
            ctx.error("PG301", f"two sources output the artifact '{s.output}'",
                      s.path + ("output",), "output artifact names must be unique; sources "
                      "that replace each other need `when:` conditions that exclude each other "
                      "(`!Equals` on one parameter with different values)")
        others.append(s)
        produced.setdefault(s.output, s.path)
    # Who produces what anywhere, to tell "produced later" from "produced nowhere".
    producer = {o: f"'{a.name}' in stage '{st.name}'" for st in stages for a in st.actions
                for o in a.outputs}
    # The CloudFormation conditions an action exists under (its own `when` and its stage's).
    conditions = {id(a): frozenset(c for c in (st.when, a.when) if c) for st in stages
                  for a in st.actions}
    made_under = {o: (a, conditions[id(a)]) for st in stages for a in st.actions
                  for o in a.outputs}
    for output, alternatives in by_output.items():
        whens = {s.when for s in alternatives}
        if None not in whens and not condition_logic.covering(whens, conds, params):
            made_under[output] = (alternatives[0], frozenset(whens) if len(whens) == 1 else
                                  frozenset())
    clone_refs = {s.output for s in sources if s.format == "clone-ref"}
    registry = providers.actions()
    for stage in stages:
        # A cycle or a contradicting run_order is reported already; its stage's own
        # artifacts then flow in no meaningful order, so their inputs are not re-reported.
        unordered = any(d.code in ("PG310", "PG345") and d.path[:len(stage.path)] == stage.path
                        for d in ctx.diagnostics)
        stage_outputs = {o for a in stage.actions for o in a.outputs}
        for level in sorted({a.run_order for a in stage.actions}):
            batch = [a for a in stage.actions if a.run_order == level]
            available = list(produced)
            for a in batch:
                _check_inputs(ctx, a, produced, producer, clone_refs, registry,
                              skip=stage_outputs if unordered else set())
                _check_input_conditions(ctx, a, conditions[id(a)], made_under)
            for a in batch:
                for k, name in enumerate(a.outputs):
                    path = a.path + ("outputs", k)
                    if name in a.outputs[:k]:
                        ctx.error("PG346", f"'{a.name}' lists the output '{name}' twice", path,
                                  "list each output once")
                    elif name in produced:
                        ctx.error("PG301", f"the artifact '{name}' is already produced by "
                                  "another action", path, "output artifact names must be "
                                  "unique in a pipeline; names taken so far: "
                                  + ", ".join(produced), related=(ctx.loaded.span(produced[name]),))
                    produced.setdefault(name, path)
            for a in batch:
                _check_counts(ctx, a, registry[(a.type, a.provider)], available)


def _check_inputs(ctx: ExpandContext, a: Action, produced: dict, producer: dict,
                  clone_refs: set, registry, skip: set) -> None:
    for k, name in enumerate(a.inputs):
        path = a.path + ("inputs", k) if "inputs" in a.settings else a.path
        hint = "outputs produced before this action: " + (", ".join(produced) or "none")
        if name in a.inputs[:k]:
            ctx.error("PG346", f"'{a.name}' lists the input '{name}' twice", path,
                      "list each input once")
        elif name in skip:
            continue
        elif name in a.outputs and name not in produced:
            ctx.error("PG302", f"input '{name}' is the action's own output; an action cannot "
                      "read what it produces", path, hint)
        elif name not in produced and name in producer:
            ctx.error("PG302", f"input '{name}' is not produced before this action: "
                      f"{producer[name]} produces it, and runs later", path,
                      hint + f"; or make '{a.name}' run after its producer")
        elif name not in produced:
            ctx.error("PG302", f"input '{name}' is not produced by any earlier action", path,
                      hint)
        elif name in clone_refs and not registry[(a.type, a.provider)].reads_clone_ref:
            ctx.error("PG312", f"input '{name}' is a clone-ref source output, which only "
                      f"CodeBuild actions can read; '{a.name}' is a {a.provider} action",
                      a.path, "use `format: zip` on the source, or feed it to a CodeBuild "
                      "action only")


def _check_input_conditions(ctx: ExpandContext, a: Action, mine: frozenset,
                            made_under: dict) -> None:
    """An input made by a conditional action must not feed an action that outlives it."""
    for k, name in enumerate(a.inputs):
        if name not in made_under:
            continue
        producer, theirs = made_under[name]
        missing = sorted(theirs - mine)
        if missing:
            ctx.error("PG353", f"input '{name}' exists only when {' and '.join(missing)} "
                      f"holds ('{producer.name}' has `when:`), and '{a.name}' does not share "
                      "that condition", a.path + ("inputs", k) if "inputs" in a.settings
                      else a.path, f"add `when: {missing[0]}` to '{a.name}' or its stage, or "
                      "produce the artifact unconditionally")


def _check_counts(ctx: ExpandContext, a: Action, p, available: tuple | list = ()) -> None:
    for what, have, (lo, hi) in (("input", a.inputs, p.inputs), ("output", a.outputs,
                                                                  p.outputs)):
        if lo <= len(have) <= hi:
            continue
        key = what + "s"
        if what == "input" and not have and any(d.code == "PG303" and d.path == a.path
                                                 for d in ctx.diagnostics):
            continue  # "needs `inputs`" is reported already
        if lo == hi == 0:
            allowed = f"no {key}"
        elif lo == hi:
            allowed = f"exactly {lo} {what}{'s' if lo != 1 else ''}"
        else:
            allowed = f"{lo} to {hi} {key}"
        hint = f"adjust `{key}`" if key in a.settings else f"add `{key}:`"
        if what == "input":
            hint += "; artifacts available here: " + (", ".join(available) or "none")
        ctx.error("PG307", f"a {a.provider} {a.type} action takes {allowed}, and '{a.name}' "
                  f"has {len(have)}", a.path + ((key,) if key in a.settings else ()), hint,
                  key=key not in a.settings)
