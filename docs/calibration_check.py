"""Calibration check: run replications of a config and print the targets, onward care and stability.

Usage: python docs/calibration_check.py CONFIG [REPLICATIONS] [SEED] [ENGINE]
(ENGINE simpy, the default, or compiled: both give the same figures.)
"""
import sys

import numpy as np
from concurrent.futures import ProcessPoolExecutor
from flowsim.config import load_config
from flowsim.network import build_network
from flowsim.simulate import run_replication
from flowsim.metrics import hourly_occupancy

POPULATION = 300_000
ONWARD = ['reablement', 'home_care', 'intermediate_care', 'care_home_d2a']


def one(args):
    path, seed, r, engine = args
    cfg = load_config(path); net = build_network(cfg)
    m, log, secs = run_replication(net, seed, r, engine, keep_log=True)  # the checks below read the event log
    names = list(net.node_names); lo, hi = float(net.warm_up), float(log.horizon)
    years = (hi - lo) / 1440 / 365
    acute = [names.index(n) for n in ('sdec', 'acute_medicine', 'elderly_care') if n in names]
    isac = np.isin(log.node, acute)
    started = ~np.isnan(log.start) & (log.start >= lo) & (log.start < hi)
    out = dict(m)
    for src in ('ed', 'gp_same_day'):
        out[f'adm_from_{src}'] = float((isac & (log.prev == names.index(src)) & started).sum())
    out['ed_admit_share'] = out['adm_from_ed'] / m['ed_attendances']
    out['admissions_per_1000'] = m['admissions'] / years / (POPULATION / 1000)
    out['twelve_hour_share'] = m['twelve_hour_waits'] / m['ed_attendances']
    out['twelve_hour_dta_per_day'] = m['twelve_hour_waits_from_decision'] / (hi - lo) * 1440
    out['lwbs_share'] = m['node.ed.reneged'] / m['ed_attendances']
    for n in ONWARD:
        if n in names:
            out[f'{n}_wait_days'] = m[f'node.{n}.wait_mean'] / 1440
            out[f'{n}_other_route_share'] = m.get(f'node.{n}.other_route', 0.0) / m[f'node.{n}.arrivals']
    # fit-to-discharge time among acute patients who left (hold + capacity wait)
    done = isac & ~np.isnan(log.depart) & (log.end >= lo)
    d = (log.depart - log.end)[done] / 1440
    out['fit_wait_mean_delayed'] = float(d[d > 1e-9].mean()) if (d > 1e-9).any() else 0.0
    out['share_delayed_pts'] = float((d > 1e-9).mean())
    q = {}
    for n in names:
        h = hourly_occupancy(log, net, n)[int(lo // 60):int(hi // 60)]
        k = len(h) // 4
        q[n] = [float(h[i * k:(i + 1) * k].mean()) for i in range(4)]
    out['quarters'] = q
    return out


if __name__ == '__main__':
    path = sys.argv[1]; reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else load_config(path).run.seed
    engine = sys.argv[4] if len(sys.argv) > 4 else 'simpy'
    with ProcessPoolExecutor(min(2, reps)) as ex:
        res = list(ex.map(one, [(path, seed, r, engine) for r in range(reps)]))
    keys = ['acute_occupancy', 'four_hour_performance', 'twelve_hour_share', 'twelve_hour_waits',
            'twelve_hour_dta_per_day', 'admissions_per_1000', 'delayed_bed_share', 'ed_admit_share', 'lwbs_share',
            'ed_attendances', 'admissions', 'adm_from_ed', 'adm_from_gp_same_day', 'fit_wait_mean_delayed',
            'share_delayed_pts', 'other_route', 'node.ed.utilisation']
    for n in ['sdec', 'acute_medicine', 'elderly_care'] + ONWARD:
        keys += [f'node.{n}.utilisation', f'node.{n}.arrivals']
        keys += [k for k in (f'{n}_wait_days', f'{n}_other_route_share') if k in res[0]]
    keys += sorted(k for k in res[0] if k.startswith('other_route.'))
    for k in keys:
        v = [r[k] for r in res if k in r]
        s = ' '.join(f'{x:10.4g}' for x in v)
        print(f'{k:44s} mean {np.mean(v):10.4g} | {s}')
    print('quarter mean occupancy (Q1..Q4) per replication:')
    for n in res[0]['quarters']:
        print(f'  {n:18s}', ' || '.join(' '.join(f'{x:7.1f}' for x in r['quarters'][n]) for r in res))
