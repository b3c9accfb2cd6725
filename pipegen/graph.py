"""`pipegen graph`: a pipeline as a Mermaid flowchart or a Graphviz dot digraph.

Drawn from the compiled template (pipeview), so expansions and strategies appear as the
actions they became; the spec only names where an expanded step came from. One box per
stage, in pipeline order; one node per action, labelled with its provider and marked when it
is conditional (`when`), runs in another region, or assumes a role (cross-account); approvals
are hexagons (Mermaid) or octagons (dot). Artifacts are their own nodes, with an edge from the
action that produces each to every action that reads it; a dashed edge joins actions of
successive run orders inside a stage.

Node ids are positional (s2a1 is stage 2, action 1), so the text is the same on every run.
"""

from __future__ import annotations

from pipegen.pipeview import ActionView, PipelineView, StageView, show

FORMATS = ("mermaid", "dot")
_MODES = {
    "CREATE_UPDATE": "create or update stack", "REPLACE_ON_FAILURE": "replace on failure",
    "DELETE_ONLY": "delete stack", "CHANGE_SET_REPLACE": "create change set",
    "CHANGE_SET_EXECUTE": "execute change set",
}
_STAGE_SETTINGS = (("BeforeEntry", "before entry"), ("OnSuccess", "on success"),
                   ("OnFailure", "on failure"))


def action_lines(action: ActionView) -> list[str]:
    """The lines of an action's label: name, what it runs, then its marks."""
    what = f"{action.category}: {action.provider}"
    if action.mode:
        what += f" ({_MODES.get(action.mode, action.mode.lower())})"
    lines = [action.name, what]
    if action.origin:
        lines.append(f"expanded from {action.origin}")
    if action.condition:
        lines.append(f"when {action.condition}")
    if action.cross_region:
        lines.append(f"region {show(action.region)}")
    # A role this template creates (!GetAtt X.Arn: pipegen's per-action roles) lives in the
    # pipeline's own account: only other roles are worth a mark.
    if action.role is not None and not (isinstance(action.role, dict)
                                        and "Fn::GetAtt" in action.role):
        account = action.account
        lines.append(f"cross-account {account}" if account else f"role {show(action.role)}")
    return lines


def stage_lines(stage: StageView) -> list[str]:
    lines = [stage.name]
    if stage.condition:
        lines.append(f"when {stage.condition}")
    for key, words in _STAGE_SETTINGS:
        setting = stage.settings.get(key)
        if isinstance(setting, dict):
            results = [setting["Result"]] if isinstance(setting.get("Result"), str) else []
            rules = []
            for cond in setting.get("Conditions") or []:
                if isinstance(cond, dict):
                    if isinstance(cond.get("Result"), str) and cond["Result"] not in results:
                        results.append(cond["Result"])
                    rules += [show(r.get("Name")) for r in cond.get("Rules") or []
                              if isinstance(r, dict)]
            text = f"{words}: {'/'.join(r.lower() for r in results) or 'conditions'}"
            lines.append(text + (f" ({', '.join(rules)})" if rules else ""))
    return lines


def _run_order_pairs(stage: StageView, sid: str) -> list[tuple[str, str]]:
    orders = sorted({a.run_order for a in stage.actions})
    by_order = {o: [f"{sid}a{i}" for i, a in enumerate(stage.actions) if a.run_order == o]
                for o in orders}
    return [(x, y) for before, after in zip(orders, orders[1:], strict=False)
            for x in by_order[before] for y in by_order[after]]


def _artifacts(view: PipelineView) -> tuple[list[str], list[tuple[str, str]]]:
    """Artifact names in order of first appearance, and (from, to) edges through them."""
    names: list[str] = []
    edges: list[tuple[str, str]] = []
    for s, stage in enumerate(view.stages):
        for a, action in enumerate(stage.actions):
            node = f"s{s}a{a}"
            for name in action.inputs:
                names.append(name)
                edges.append((f"art:{name}", node))
            for name in action.outputs:
                names.append(name)
                edges.append((node, f"art:{name}"))
    return list(dict.fromkeys(names)), edges


def _art_ids(names: list[str]) -> dict[str, str]:
    return {name: f"art{i}" for i, name in enumerate(names)}


# --- Mermaid

def _mermaid_text(lines: list[str]) -> str:
    def escape(line: str) -> str:
        # Mermaid's entity codes start with '#', so a literal '#' is itself escaped first.
        out = line.replace("#", "#35;").replace("&", "#amp;").replace('"', "#quot;")
        return out.replace("<", "#lt;").replace(">", "#gt;")

    return "<br/>".join(escape(line) for line in lines)


def mermaid(views: list[PipelineView], title: str) -> str:
    out = ["flowchart LR", f"  %% pipegen graph of {title}"]
    for p, view in enumerate(views):
        prefix = f"p{p}" if len(views) > 1 else ""
        if len(views) > 1:
            out.append(f"  %% pipeline {view.logical_id}")
        names, edges = _artifacts(view)
        art = {n: f"{prefix}{i}" for n, i in _art_ids(names).items()}
        for s, stage in enumerate(view.stages):
            sid = f"{prefix}s{s}"
            out.append(f'  subgraph {sid}["{_mermaid_text(stage_lines(stage))}"]')
            out.append("    direction TB")
            for a, action in enumerate(stage.actions):
                label = _mermaid_text(action_lines(action))
                shape = ('{{"', '"}}') if action.category == "Approval" else ('["', '"]')
                out.append(f"    {sid}a{a}{shape[0]}{label}{shape[1]}")
            for x, y in _run_order_pairs(stage, sid):
                out.append(f"    {x} -.-> {y}")
            out.append("  end")
        for s in range(1, len(view.stages)):
            out.append(f"  {prefix}s{s - 1} ==> {prefix}s{s}")
        for name in names:
            out.append(f'  {art[name]}(["{_mermaid_text([name])}"])')
        for x, y in edges:
            x = art[x[4:]] if x.startswith("art:") else prefix + x
            y = art[y[4:]] if y.startswith("art:") else prefix + y
            out.append(f"  {x} --> {y}")
        if names:
            out.append("  classDef artifact fill:#fff8e1,stroke:#b8860b")
            out.append(f"  class {','.join(art[n] for n in names)} artifact")
    return "\n".join(out) + "\n"


# --- Graphviz dot

def _dot_string(lines: list[str]) -> str:
    text = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
    return f'"{text}"'


def dot(views: list[PipelineView], title: str) -> str:
    out = [f"digraph {_dot_string([title])} {{", "  rankdir=LR;", "  compound=true;",
           '  node [shape=box, style=rounded, fontname="Helvetica"];',
           '  edge [fontname="Helvetica"];']
    for p, view in enumerate(views):
        prefix = f"p{p}" if len(views) > 1 else ""
        names, edges = _artifacts(view)
        art = {n: f"{prefix}{i}" for n, i in _art_ids(names).items()}
        firsts: list[str] = []
        for s, stage in enumerate(view.stages):
            sid = f"{prefix}s{s}"
            out.append(f"  subgraph cluster_{sid} {{")
            out.append(f"    label={_dot_string(stage_lines(stage))};")
            out.append("    style=rounded;")
            if not stage.actions:
                out.append(f"    {sid}empty [shape=point, style=invis];")
                firsts.append(f"{sid}empty")
            for a, action in enumerate(stage.actions):
                shape = ", shape=octagon" if action.category == "Approval" else ""
                out.append(f"    {sid}a{a} [label={_dot_string(action_lines(action))}{shape}];")
            if stage.actions:
                firsts.append(f"{sid}a0")
            for x, y in _run_order_pairs(stage, sid):
                out.append(f"    {x} -> {y} [style=dashed];")
            out.append("  }")
        for s in range(1, len(view.stages)):
            out.append(f"  {firsts[s - 1]} -> {firsts[s]} [ltail=cluster_{prefix}s{s - 1}, "
                       f"lhead=cluster_{prefix}s{s}, style=bold];")
        for name in names:
            out.append(f"  {art[name]} [label={_dot_string([name])}, shape=note, "
                       'style=filled, fillcolor="#fff8e1"];')
        for x, y in edges:
            x = art[x[4:]] if x.startswith("art:") else prefix + x
            y = art[y[4:]] if y.startswith("art:") else prefix + y
            out.append(f"  {x} -> {y};")
    out.append("}")
    return "\n".join(out) + "\n"


def render(views: list[PipelineView], title: str, fmt: str) -> str:
    return mermaid(views, title) if fmt == "mermaid" else dot(views, title)


def graph_spec(path, fmt: str = "mermaid") -> str:
    """Compile a spec (no lint: a graph is a picture, `check` is the gate) and draw it.

    Raises SpecError when the spec does not compile.
    """
    from pipegen import loader
    from pipegen.compiler import compile_spec
    from pipegen.pipeview import attribute_origins, pipelines

    compiled = compile_spec(path, "json", None)
    data = loader.load_file(compiled.spec).data
    spec = data if isinstance(data, dict) else {}
    views = [attribute_origins(v, spec) for v in pipelines(compiled.template)]
    return render(views, str(spec.get("name") or compiled.spec.stem), fmt)
