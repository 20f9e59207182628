"""The dependency graph of `deps` (analyzer.views.graph.build_graph) written for the user: networkx
node-link JSON, GraphML (Gephi/yEd) or Graphviz DOT, each deterministic."""
import json

import networkx as nx


def to_json(g):
    """networkx node-link data, keys sorted, deterministic."""
    data = nx.node_link_data(g, edges="edges")
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _scalar(v):
    if isinstance(v, (list, tuple)):
        return ";".join("" if x is None else str(x) for x in v)
    return v


def _scalar_graph(g):
    """A copy whose attribute values are scalars (GraphML and DOT have no lists); None dropped."""
    h = nx.MultiDiGraph()
    h.graph.update({k: _scalar(v) for k, v in g.graph.items()})
    for n, a in g.nodes(data=True):
        h.add_node(n, **{k: _scalar(v) for k, v in a.items() if v is not None})
    for u, v, key, a in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=key, **{k: _scalar(x) for k, x in a.items() if x is not None})
    return h


def to_graphml(g):
    """GraphML (opens in Gephi/yEd); list attributes joined with ';'."""
    return "\n".join(nx.generate_graphml(_scalar_graph(g), named_key_ids=True)) + "\n"


def _dot_id(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


DOT_SHAPES = {"package": "folder", "object": "box3d", "program": "box", "map": "cylinder", "kernel": "house",
              "kfunc": "ellipse", "helper": "ellipse", "ksym": "ellipse", "prog_type": "octagon",
              "attach_type": "octagon", "attach_target": "diamond", "struct_ops": "component",
              "struct_ops_member": "note", "kconfig": "tab", "core_type": "hexagon", "core_field": "note",
              "core_enumval": "note"}


def to_dot(g):
    """Graphviz DOT, written directly (no pydot/pygraphviz dependency), sorted and escaped."""
    h = _scalar_graph(g)
    out = ["digraph bpfstab_deps {", "  rankdir=LR;", "  node [fontsize=10];", "  edge [fontsize=8];"]
    for n, a in h.nodes(data=True):
        attrs = {"label": f"{a['type']}\n{a['name']}", "shape": DOT_SHAPES.get(a["type"], "ellipse")}
        attrs.update({k: v for k, v in a.items() if k not in ("name",)})
        out.append(f"  {_dot_id(n)} [" + ", ".join(f"{k}={_dot_id(v)}" for k, v in sorted(attrs.items())) + "];")
    for u, v, key, a in h.edges(keys=True, data=True):
        attrs = dict(a)
        attrs["label"] = key.split(":", 1)[0] if key.startswith("changed") else key
        if a.get("relation") == "changed" and a.get("breaking"):
            attrs["color"] = "red"
        out.append(f"  {_dot_id(u)} -> {_dot_id(v)} [" +
                   ", ".join(f"{k}={_dot_id(x)}" for k, x in sorted(attrs.items())) + "];")
    out.append("}")
    return "\n".join(out) + "\n"
