"""Pictures of computation graphs, drawn without the graphviz program.

Works for any node with `_prev` and `_op` (a scalar `Value` or a `Tensor`). The layout is the
simplest that reads well: a result's column is its depth (longest path from an input), an input
sits just left of its first consumer, each result gets a small ellipse for the op that made it,
and within a column nodes are ordered by the average row of their neighbours (a few barycentre
sweeps), which removes most crossings. Arrows are drawn under the boxes. `to_svg` writes the SVG
text by hand (boxes, ellipses, arrows); `save_png` draws the same layout with matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

BOX_W, BOX_H, OP_R = 240.0, 34.0, 16.0
COL_W, ROW_H, MARGIN = 340.0, 56.0, 20.0


@dataclass
class Layout:
    """Where everything goes: node boxes, op ellipses and the arrows between them."""

    boxes: list[tuple[float, float, str]]  # (centre x, centre y, text)
    ops: list[tuple[float, float, str]]  # (centre x, centre y, symbol)
    arrows: list[tuple[float, float, float, float]]  # (x1, y1, x2, y2)
    width: float
    height: float


def _describe(node: Any) -> str:
    label = getattr(node, "label", "") or ""
    data = node.data
    if isinstance(data, (int, float)):
        text = f"data {data + 0.0:.4g} | grad {node.grad + 0.0:.4g}"  # + 0.0: no "-0"
    else:  # an array: its shape says more than its numbers
        text = f"shape {tuple(data.shape)} {data.dtype}"
        if getattr(node, "grad", None) is not None:
            text += " | grad"
    return f"{label} | {text}" if label else text


def trace(root: Any) -> list[Any]:
    """All nodes leading to `root`, each after its inputs (iterative depth-first search)."""
    order: list[Any] = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node._prev if id(p) not in visited)
    return order


def layout(root: Any, max_nodes: int = 300) -> Layout:
    """Place every node of `root`'s graph in columns by depth; refuse graphs too big to read."""
    nodes = trace(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes)} nodes, more than max_nodes={max_nodes} can show legibly"
        )
    depth: dict[int, int] = {}
    consumers: dict[int, list[Any]] = {id(n): [] for n in nodes}
    for n in nodes:  # inputs come first, so their depths are known
        depth[id(n)] = 1 + max((depth[id(p)] for p in n._prev), default=-1)
        for p in n._prev:
            consumers[id(p)].append(n)
    for n in nodes:  # an input sits just left of its first consumer, not far away in column 0
        if not n._prev and consumers[id(n)]:
            depth[id(n)] = min(depth[id(c)] for c in consumers[id(n)]) - 1
    columns: dict[int, list[Any]] = {}
    for n in nodes:
        columns.setdefault(depth[id(n)], []).append(n)
    row = {id(n): float(i) for col in columns.values() for i, n in enumerate(col)}

    def sweep(order: list[int], neighbours: Any) -> None:
        """Sort each column by the mean row of each node's neighbours (barycentre heuristic)."""
        for d in order:
            col = columns[d]
            col.sort(key=lambda n: sum(row[id(m)] for m in neighbours(n)) / len(neighbours(n))
                     if neighbours(n) else row[id(n)])
            for i, n in enumerate(col):
                row[id(n)] = float(i)

    ds = sorted(columns)
    sweep(ds, lambda n: n._prev)
    sweep(ds[::-1], lambda n: consumers[id(n)])
    sweep(ds, lambda n: n._prev)
    tallest = max(len(c) for c in columns.values())
    width = 2 * MARGIN + BOX_W + COL_W * max(columns)
    height = 2 * MARGIN + ROW_H * tallest

    def centre(n: Any) -> tuple[float, float]:
        col = columns[depth[id(n)]]
        offset = (tallest - len(col)) * ROW_H / 2  # centre short columns vertically
        return (MARGIN + BOX_W / 2 + COL_W * depth[id(n)],
                MARGIN + ROW_H / 2 + offset + ROW_H * row[id(n)])

    boxes, ops, arrows = [], [], []
    for n in nodes:
        x, y = centre(n)
        boxes.append((x, y, _describe(n)))
        if n._prev:
            ox = x - BOX_W / 2 - (COL_W - BOX_W) / 2  # the op sits in the gap on the left
            ops.append((ox, y, n._op or "?"))
            arrows.append((ox + OP_R, y, x - BOX_W / 2, y))
            for p in n._prev:
                px, py = centre(p)
                arrows.append((px + BOX_W / 2, py, ox - OP_R, y))
    return Layout(boxes, ops, arrows, width, height)


def to_svg(root: Any, max_nodes: int = 300) -> str:
    """The graph as SVG text: a box per node (its data and grad), an ellipse per op."""
    lay = layout(root, max_nodes)
    w, h = lay.width, lay.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="monospace" font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        "</defs>",
        f'<rect width="{w:.0f}" height="{h:.0f}" fill="white"/>',
    ]
    for x1, y1, x2, y2 in lay.arrows:
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   'stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')
    for x, y, text in lay.boxes:
        out.append(f'<rect x="{x - BOX_W / 2:.1f}" y="{y - BOX_H / 2:.1f}" width="{BOX_W:.0f}" '
                   f'height="{BOX_H:.0f}" rx="4" fill="#e8f0fe" stroke="#3b5b92"/>')
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                   f'dominant-baseline="middle">{escape(text)}</text>')
    for x, y, symbol in lay.ops:
        out.append(f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{OP_R * 1.6:.1f}" ry="{OP_R:.1f}" '
                   'fill="#fdecd2" stroke="#a0622d"/>')
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
                   f'dominant-baseline="middle">{escape(symbol)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def save_svg(root: Any, path: str | Path, max_nodes: int = 300) -> Path:
    """Write `to_svg(root)` to `path` (folders created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_svg(root, max_nodes), encoding="utf-8")
    return path


def save_png(root: Any, path: str | Path, max_nodes: int = 300) -> Path:
    """Draw the same layout with matplotlib and write a PNG; return the path."""
    from matplotlib.patches import Ellipse, FancyBboxPatch

    from zero2hero import plots

    lay = layout(root, max_nodes)
    scale = 1 / 100  # layout units are pixels at 100 dpi
    fig, ax = plots.figure(max(lay.width * scale, 2.0), max(lay.height * scale, 1.0))
    for x1, y1, x2, y2 in lay.arrows:
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                    arrowprops=dict(arrowstyle="-|>", color="#555", lw=1.0), zorder=0.5)
    for x, y, text in lay.boxes:
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0,rounding_size=4",
                                    facecolor="#e8f0fe", edgecolor="#3b5b92"))
        ax.text(x, y, text, ha="center", va="center", fontsize=7, family="monospace")
    for x, y, symbol in lay.ops:
        ax.add_patch(Ellipse((x, y), OP_R * 3.2, OP_R * 2, facecolor="#fdecd2",
                             edgecolor="#a0622d"))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=7, family="monospace")
    ax.set_xlim(0, lay.width)
    ax.set_ylim(lay.height, 0)  # y grows downwards, as in the SVG
    ax.set_aspect("equal")
    ax.axis("off")
    return plots.save(fig, path)
