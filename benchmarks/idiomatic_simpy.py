"""ED -> ward -> reablement with bed blocking, as a SimPy user would write it without
flowsim: ``simpy.Resource`` per node, one generator per patient, a request held
until the next resource is granted. Same draws as flowsim (arrivals, durations and
route uniforms from its Draws, visit 0: this chain has no cycle), so the work is the
same; statistics kept as running totals."""

from __future__ import annotations

import simpy


def run(net, draws):
    env = simpy.Environment()
    ed, ward, reab = (simpy.Resource(env, capacity=int(net.capacity[n, 0])) for n in range(3))
    dur = [draws.per_patient("dur", n)[:, 0] for n in range(3)]
    ru = [draws.per_patient("route_u", n)[:, 0] for n in range(3)]
    p_ward = float(net.route_cum[0])          # ed: ward (blocking) first, else home
    p_home, p_reab = float(net.route_cum[2]), float(net.route_cum[3])   # ward: home, reablement, died
    totals = {"done": 0, "delayed_min": 0.0}

    def patient(p):
        req = ed.request()
        yield req
        yield env.timeout(dur[0][p])
        if ru[0][p] < p_ward:
            wreq = ward.request()
            yield wreq
            ed.release(req)
            yield env.timeout(dur[1][p])
            u = ru[1][p]
            if p_home <= u < p_reab:
                end = env.now
                rreq = reab.request()
                yield rreq
                totals["delayed_min"] += env.now - end
                ward.release(wreq)
                yield env.timeout(dur[2][p])
                reab.release(rreq)
            else:
                ward.release(wreq)
        else:
            ed.release(req)
        totals["done"] += 1

    def source():
        for p, t in enumerate(draws.arrive.tolist()):
            yield env.timeout(t - env.now)
            env.process(patient(p))

    env.process(source())
    env.run(until=net.horizon)
    return totals
