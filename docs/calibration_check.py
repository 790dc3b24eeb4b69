"""Calibration check: run replications of a config and print targets + stability."""
import json
import sys

import numpy as np
from concurrent.futures import ProcessPoolExecutor
from flowsim.config import load_config
from flowsim.network import build_network
from flowsim.simulate import run_replication
from flowsim.metrics import hourly_occupancy

def one(args):
    path, seed, r = args
    cfg = load_config(path); net = build_network(cfg)
    m, log, secs = run_replication(net, seed, r, "simpy")
    names = list(net.node_names); lo, hi = float(net.warm_up), float(log.horizon)
    ed = names.index('ed'); inw = (log.arrive >= lo) & (log.arrive < hi)
    acute = [names.index('acute_medicine'), names.index('elderly_care')]
    isac = np.isin(log.node, acute)
    started = ~np.isnan(log.start)
    adm_ed = float((isac & (log.prev == ed) & started & (log.start >= lo) & (log.start < hi)).sum())
    adm_gp = float((isac & (log.prev == names.index('gp_same_day')) & started & (log.start >= lo) & (log.start < hi)).sum())
    out = dict(m)
    out['adm_from_ed'] = adm_ed; out['adm_from_gp'] = adm_gp
    out['ed_admit_share'] = adm_ed / m['ed_attendances']
    out['all_adm_per_att'] = m['admissions'] / m['ed_attendances']
    out['lwbs_share'] = m['node.ed.reneged'] / m['ed_attendances']
    # fit-to-discharge wait among blocked acute patients
    done = isac & ~np.isnan(log.depart) & (log.end >= lo)
    d = (log.depart - log.end)[done] / 1440
    out['fit_wait_mean_all'] = float(d.mean()); out['fit_wait_mean_delayed'] = float(d[d > 1e-9].mean()) if (d > 1e-9).any() else 0.0
    out['share_delayed_pts'] = float((d > 1e-9).mean())
    # ED time for admitted
    # quarterly occupancy for each node (last year after warm-up)
    q = {}
    for n in names:
        h = hourly_occupancy(log, net, n)[int(lo // 60):int(hi // 60)]
        k = len(h) // 4
        q[n] = [float(h[i*k:(i+1)*k].mean()) for i in range(4)]
    out['quarters'] = q
    return out

if __name__ == '__main__':
    path = sys.argv[1]; reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else load_config(path).run.seed
    with ProcessPoolExecutor(min(2, reps)) as ex:
        res = list(ex.map(one, [(path, seed, r) for r in range(reps)]))
    keys = ['acute_occupancy', 'four_hour_performance', 'delayed_bed_share', 'ed_admit_share', 'all_adm_per_att',
            'lwbs_share', 'ed_attendances', 'admissions', 'adm_from_ed', 'adm_from_gp', 'twelve_hour_waits',
            'fit_wait_mean_all', 'fit_wait_mean_delayed', 'share_delayed_pts',
            'node.gp_same_day.utilisation', 'node.gp_same_day.wait_mean_days', 'node.ed.utilisation', 'node.ed.wait_mean']
    for n in ['acute_medicine', 'elderly_care', 'reablement', 'intermediate_care', 'care_home_d2a']:
        keys += [f'node.{n}.utilisation', f'node.{n}.wait_mean', f'node.{n}.arrivals']
    for k in keys:
        v = [r[k] for r in res]
        s = ' '.join(f'{x:10.4g}' for x in v)
        print(f'{k:36s} mean {np.mean(v):10.4g} | {s}')
    print('quarter mean occupancy (Q1..Q4) per replication:')
    for n in res[0]['quarters']:
        print(f'  {n:18s}', ' || '.join(' '.join(f'{x:7.1f}' for x in r['quarters'][n]) for r in res))
    pass
