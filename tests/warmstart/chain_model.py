"""A small blocking chain for warm-start tests: ED -> ward -> reablement, two cohorts."""

from __future__ import annotations

import dataclasses

from flowsim.config import parse_config
from flowsim.network import build_network

CHAIN = """
name: warm-start chain (test)
run: {horizon: 60 days, warm_up: 0 days, replications: 2, seed: 5}
cohorts: [general, frail]
sources:
  arrivals:
    to: ed
    rate: 9 per day
    cohorts: {general: 0.7, frail: 0.3}
services:
  ed:
    kind: queue
    setting: ed
    servers: 3
    duration: {lognormal: {mean: 3 h, sd: 2 h}}
    patience: {exponential: {mean: 12 h}}
    routes:
      - {to: ward, p: 0.8, blocking: true}
      - {to: home, p: 0.2}
  ward:
    kind: queue
    setting: acute
    bed: true
    servers: 45
    duration:
      general: {lognormal: {mean: 4 days, sd: 5 days}}
      frail: {gamma: {mean: 7 days, sd: 6 days}}
    routes:
      general:
        - {to: home, p: 0.7}
        - {to: reablement, p: 0.3, blocking: true}
      frail:
        - {to: home, p: 0.4}
        - {to: reablement, p: 0.6, blocking: true}
  reablement:
    kind: queue
    setting: social_care
    servers: 18
    duration: {weibull: {shape: 1.5, scale: 12 days}}
    routes:
      - {to: home, p: 1}
"""


def chain_network(days: float, text: str = CHAIN):
    net = build_network(parse_config(text, "chain.yaml"))
    return dataclasses.replace(net, horizon=days * 1440.0, warm_up=0.0)
