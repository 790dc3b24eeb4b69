"""The model as a pathway diagram: inline SVG, laid out left to right by setting.

Services are boxes (name, capacity, setting), arrows carry the expected yearly
patient flow and the share of the node's patients taking that route. Flows come
from the traffic equations of the network: for each cohort, the arrivals at each
node are its sources' mean rates plus the flows routed into it,
``lam = s + P^T lam``, solved exactly. Diversions when full, booking patients who
go elsewhere, interventions and blocking do not change these expected flows.
No external assets: the SVG is a string, safe to embed in an HTML page.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..network import BOOKING, DELAY, SETTING_CODES, Network
from ..units import MINUTES_PER_DAY

__all__ = ["expected_flows", "diagram_svg", "write_diagram"]

MINUTES_PER_YEAR = 365 * MINUTES_PER_DAY
_SETTING_NAMES = {v: k for k, v in SETTING_CODES.items()}
_COLOURS = {"primary": "#e8f1fa", "ed": "#fde8e8", "acute": "#fff4d6", "community": "#e6f4ea", "social_care": "#efe8f7"}
BOX_W, BOX_H, COL_W, PAD = 150, 54, 240, 24


def _route_probs(net: Network, n: int, c: int) -> dict[int, float]:
    """Destination code -> probability for node n, cohort c."""
    s, k = int(net.route_start[n, c]), int(net.route_len[n, c])
    cum = net.route_cum[s:s + k]
    p = np.diff(np.concatenate([[0.0], cum]))
    out: dict[int, float] = {}
    for d, q in zip(net.route_dest[s:s + k], p):
        out[int(d)] = out.get(int(d), 0.0) + float(q)
    return out


def expected_flows(net: Network) -> tuple[np.ndarray, dict[tuple[int, int], float], np.ndarray]:
    """Expected patients per year: at each node, on each route (node, destination code), from each source.

    Returns
    -------
    (node_flow (N,), edge_flow {(node, dest code): per year}, source_flow (S,))
    """
    N, C = net.n_nodes, len(net.cohorts)
    src_year = net.source_rate.mean(axis=1) * MINUTES_PER_YEAR
    mix = np.diff(np.concatenate([np.zeros((len(src_year), 1)), net.source_cohort_cum], axis=1), axis=1)
    node_flow = np.zeros(N)
    edges: dict[tuple[int, int], float] = {}
    for c in range(C):
        s = np.zeros(N)
        np.add.at(s, net.source_to, src_year * mix[:, c])
        P = np.zeros((N, N))
        probs = [_route_probs(net, n, c) for n in range(N)]
        for n in range(N):
            for d, q in probs[n].items():
                if d >= 0:
                    P[n, d] += q
        lam = np.linalg.solve(np.eye(N) - P.T, s)
        node_flow += lam
        for n in range(N):
            for d, q in probs[n].items():
                edges[(n, d)] = edges.get((n, d), 0.0) + lam[n] * q
    return node_flow, edges, src_year


def _capacity(net: Network, n: int) -> str:
    if net.kind[n] == DELAY:
        return "unlimited"
    if net.kind[n] == BOOKING:
        return f"{int(net.slots[n].sum()):,} slots/week"
    cap = net.capacity[n]
    unit = "beds" if net.bed[n] else "servers"
    return f"{int(cap.min()):,}-{int(cap.max()):,} {unit}" if cap.min() != cap.max() else f"{int(cap[0]):,} {unit}"


def _layout(net: Network, exit_lines: int) -> tuple[dict, int, int, int]:
    """Column per setting (primary -> ed -> acute -> community -> social care), sources first."""
    cols: dict[int, list] = {}
    for n in range(net.n_nodes):
        cols.setdefault(int(net.setting[n]) + 1, []).append(("node", n))
    cols[0] = [("source", s) for s in range(len(net.source_names))]
    order = sorted(cols)
    row_h = BOX_H + 14 * exit_lines + 34
    pos = {}
    for i, k in enumerate(order):
        for j, item in enumerate(cols[k]):
            pos[item] = (PAD + i * COL_W, PAD + 20 + j * row_h)
    rows = max(len(v) for v in cols.values())
    return pos, row_h, PAD * 2 + len(order) * COL_W - (COL_W - BOX_W), PAD * 2 + 20 + rows * row_h


def _box(x, y, fill, title, sub, rx=6) -> str:
    return (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{rx}" fill="{fill}" stroke="#425563"/>'
            f'<text x="{x + BOX_W / 2}" y="{y + 22}" text-anchor="middle" font-weight="bold">{escape(title)}</text>'
            f'<text x="{x + BOX_W / 2}" y="{y + 40}" text-anchor="middle" font-size="11">{escape(sub)}</text>')


def _bezier(p0, p1, p2, p3, t: float) -> tuple[float, float]:
    u = 1 - t
    return tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d for a, b, c, d in zip(p0, p1, p2, p3))


def _arrow(a, b, label: str, row_h: float) -> tuple[str, str]:
    """A curved arrow from box a's right side to box b's left side (or looping under, going back),
    labelled a third of the way along, where arrows leaving the same box have already parted."""
    p0 = (a[0] + BOX_W, a[1] + BOX_H / 2)
    p3 = (b[0], b[1] + BOX_H / 2)
    if p3[0] <= p0[0]:  # backwards or within a column: loop under the boxes
        p3 = (b[0] + BOX_W / 2, b[1] + BOX_H)
        mid = max(p0[1], p3[1]) + row_h / 2
        p1, p2 = (p0[0] + 60, mid), (p3[0], mid + 20)
    else:
        cx = (p0[0] + p3[0]) / 2
        p1, p2, p3 = (cx, p0[1]), (cx, p3[1]), (p3[0] - 4, p3[1])
    lx, ly = _bezier(p0, p1, p2, p3, 0.3)
    path = f"M{p0[0]:.1f},{p0[1]:.1f} C{p1[0]:.1f},{p1[1]:.1f} {p2[0]:.1f},{p2[1]:.1f} {p3[0]:.1f},{p3[1]:.1f}"
    return (f'<path d="{path}" fill="none" stroke="#768692" stroke-width="1.4" marker-end="url(#fs-arrow)"/>',
            f'<text x="{lx:.1f}" y="{ly - 4:.1f}" text-anchor="middle" font-size="10" fill="#212b32" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(label)}</text>')


def diagram_svg(net: Network) -> str:
    """The pathway diagram of a network as an SVG document (a string).

    Services are boxes (capacity, setting) in columns by setting; arrows between
    services carry the expected yearly flow and its share of the service's
    patients; where patients leave the system is listed under each box.
    """
    node_flow, edges, src_year = expected_flows(net)
    exits: dict[int, list[str]] = {}
    for (n, d), f in sorted(edges.items(), key=lambda kv: -kv[1]):
        if d < 0 and f > 0:
            share = f / node_flow[n] if node_flow[n] > 0 else 0.0
            exits.setdefault(n, []).append(f"-> {net.exit_names[-d - 1]} {f:,.0f}/yr ({100 * share:.0f}%)")
    pos, row_h, width, height = _layout(net, max((len(v) for v in exits.values()), default=0))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Arial, Helvetica, sans-serif" font-size="12" '
           f'role="img" aria-label="pathway diagram of {escape(net.name)}">',
           '<defs><marker id="fs-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#768692"/></marker></defs>',
           f'<text x="{PAD}" y="{PAD}" font-size="11" fill="#4c6272">Expected patients per year (from rates and '
           f'route probabilities) and the share of each service\'s patients on each route</text>']
    arrows = [_arrow(pos[("source", s)], pos[("node", int(net.source_to[s]))], f"{src_year[s]:,.0f}/yr", row_h)
              for s in range(len(net.source_names))]
    for (n, d), f in sorted(edges.items()):
        if d >= 0 and f > 0:
            share = f / node_flow[n] if node_flow[n] > 0 else 0.0
            arrows.append(_arrow(pos[("node", n)], pos[("node", d)], f"{f:,.0f}/yr ({100 * share:.0f}%)", row_h))
    out += [path for path, _ in arrows]
    for s, name in enumerate(net.source_names):
        out.append(_box(*pos[("source", s)], "#ffffff", name, "arrivals", rx=20))
    for n, name in enumerate(net.node_names):
        setting = _SETTING_NAMES[int(net.setting[n])]
        x, y = pos[("node", n)]
        out.append(_box(x, y, _COLOURS[setting], name, f"{_capacity(net, n)} · {setting}"))
        for i, line in enumerate(exits.get(n, [])):
            out.append(f'<text x="{x + 4}" y="{y + BOX_H + 14 + 14 * i}" font-size="10" fill="#4c6272">{escape(line)}</text>')
    out += [label for _, label in arrows]  # labels last, over the boxes, so none is hidden
    out.append("</svg>")
    return "".join(out)


def write_diagram(path, net: Network) -> None:
    """Write the diagram as a standalone ``.svg`` file, atomically; a bad path is a UsageError."""
    from ..outputs import check_output_path, write_atomically
    check_output_path(path, (".svg",), "-o")
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + diagram_svg(net) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), "-o")
