"""Which draws a visit uses: the visit number of a patient at a node (the counter of its
draws there, ``draw_tables``) and the route a uniform picks (twin of ``rules.choose_route``)."""

from __future__ import annotations

from ._layout import REV, njit


@njit(inline=True)
def _visit_number(mi, visits, p, node):
    """Visit number j of patient p at ``node`` (always 0 off cycles)."""
    r = mi[node, REV]
    if r < 0:
        return 0
    j = visits[p, r]
    visits[p, r] = j + 1
    return j


@njit(inline=True)
def _choose_route(route_start, route_len, route_cum, node, c, u):
    a = route_start[node, c]
    last = a + route_len[node, c] - 1
    for r in range(a, last):
        if u < route_cum[r]:
            return r
    return last
