"""An assessment node is revisited whenever its assessing node is: fresh draws each time."""

from flowsim.config import parse_config
from flowsim.network import build_network

MODEL = """
name: loop with an assessment
cohorts: [general, mental_health]
run: {horizon: 20 days, seed: 3}
sources: {a: {to: ed, rate: 40 per day, cohorts: {general: 0.5, mental_health: 0.5}}}
services:
  ed: {kind: queue, setting: ed, servers: 10, duration: {exponential: {mean: 2 h}},
       routes: [{to: home, p: 0.7}, {to: review, p: 0.3}]}
  review: {kind: delay, setting: community, duration: {exponential: {mean: 1 day}},
           routes: [{to: ed, p: 0.5}, {to: home, p: 0.5}]}
  liaison: {kind: queue, setting: acute, servers: 1, duration: {exponential: {mean: 45 min}},
            routes: [{to: home, p: 1}]}
interventions:
  raid:
    source: test
    at: ed
    cohort: mental_health
    assessment: {by: liaison, within: 1 h}
    route_scale: {review: 0.5}
"""


def test_assessor_of_a_node_on_a_cycle_is_a_revisit_node():
    net = build_network(parse_config(MODEL))
    names = list(net.node_names)
    assert net.revisit[names.index("ed")]
    assert net.revisit[names.index("liaison")]


def test_assessor_of_a_node_off_cycles_is_visited_once():
    net = build_network(parse_config(MODEL.replace("routes: [{to: ed, p: 0.5}, {to: home, p: 0.5}]",
                                                   "routes: [{to: home, p: 1}]")))
    names = list(net.node_names)
    assert not net.revisit[names.index("ed")]
    assert not net.revisit[names.index("liaison")]
