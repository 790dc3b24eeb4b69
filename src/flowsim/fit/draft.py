"""Write the fitted parts as a commented YAML config, and the report of what was fitted.

The draft is checked by flowsim's own config loader before it is returned, so
``flowsim fit`` never writes a config that ``flowsim run`` would refuse.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config.load import parse_config
from ..config.schema import DIST_NAMES
from ..errors import ConfigError
from ..units import MINUTES_PER_DAY
from .extract import Extract, read_extract
from .infer import BUILTIN_EXITS, PROFILE_P, SourceFit, check_destinations, infer_sources
from .services import infer_services

__all__ = ["FitResult", "fit_extract"]


@dataclass
class FitResult:
    """The draft config's text and the lines of the report printed by ``flowsim fit``."""

    yaml: str
    report: list[str]


def _q(name: str) -> str:
    """A name as YAML: bare when it is a plain identifier, else a JSON string (valid YAML),
    so 'A&E majors' or 'ward: 7' can never be read as YAML syntax."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and name.lower() not in _YAML_WORDS else json.dumps(name)


_YAML_WORDS = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}


def _flow(xs) -> str:
    return "[" + ", ".join(f"{x:g}" for x in xs) + "]"


def _probs(counts: list[int]) -> list[float]:
    """Shares rounded to 6 decimals that still add up to 1 (the largest takes the rounding)."""
    total = sum(counts)
    p = [round(c / total, 6) for c in counts]
    big = int(np.argmax(counts))
    p[big] = round(1.0 - sum(x for i, x in enumerate(p) if i != big), 6)
    return p


def _source_lines(s: SourceFit, cohorts: list[str]) -> list[str]:
    per = " per replication" if s.replications > 1 else ""
    out = [f"  {_q(s.name)}:", f"    to: {_q(s.to)}",
           f"    rate: {s.rate:.5g} per day        # {s.n:,} arrivals over {s.days:g} days{per}"]
    for key, w, n in (("by_hour", s.by_hour, 24), ("by_weekday", s.by_weekday, 7)):
        if w is not None:
            out.append(f"    {key}: {_flow(w)}   # observed, relative to the mean")
        else:
            out.append(f"    # {key}: not written: the {n} counts do not differ from flat (chi-square p >= {PROFILE_P})")
    if s.by_month is not None:
        out.append(f"    # by_month, January first (observed; not written as a key: flowsim's config has no "
                   f"month profile yet): {_flow(s.by_month)}")
    if len(cohorts) > 1:
        mix = _probs([round(s.cohorts.get(c, 0.0) * s.n) for c in cohorts])
        body = ", ".join(f"{_q(c)}: {p:g}" for c, p in zip(cohorts, mix) if p > 0)
        out.append(f"    cohorts: {{{body}}}")
    return out


def _route_line(r, p: float, indent: str) -> list[str]:
    extra = ", blocking: true" if r.blocking else ""
    note = f"{r.count:,} visits" + (f"; {r.blocked:,} kept their place waiting for {r.to}" if r.blocking else "")
    if r.hold is None:
        return [f"{indent}- {{to: {_q(r.to)}, p: {p:g}{extra}}}   # {note}"]
    return [f"{indent}# hold: {r.hold.comment()}; {r.held:,} of the visits waited after service",
            f"{indent}- {{to: {_q(r.to)}, p: {p:g}{extra}, hold: {r.hold.yaml()}}}   # {note}"]


def _service_lines(sv) -> list[str]:
    how = "from the extract's setting column" if sv.setting_from == "column" else "CONFIRM: guessed from the name"
    out = [f"  {_q(sv.name)}:", "    kind: queue", f"    setting: {sv.setting}          # {how}"]
    if sv.bed:
        out.append("    bed: true                 # CONFIRM: a median stay of 6 h or more in this setting")
    out += [f"    servers: {sv.servers}      # CONFIRM: the peak number in use at once, which may be below the capacity",
            f"    # duration: {sv.duration.comment()}", f"    duration: {sv.duration.yaml()}"]
    if list(sv.routes) == ["default"]:
        rs = sv.routes["default"]
        out.append("    routes:")
        for r, p in zip(rs, _probs([r.count for r in rs])):
            out += _route_line(r, p, "      ")
        return out
    out.append("    routes:                   # by cohort: they differ (chi-square p < 0.01)")
    for c, rs in sv.routes.items():
        out.append(f"      {_q(c)}:")
        for r, p in zip(rs, _probs([r.count for r in rs])):
            out += _route_line(r, p, "        ")
    return out


def _report(ex: Extract, sources, services, exits) -> list[str]:
    n = len(ex.line)
    reps = len(np.unique(ex.replication))
    out = [f"read {n:,} visits of {len(set(zip(ex.replication, ex.text['patient']))):,} patients from {ex.path}"
           + (f" ({reps} replications)" if reps > 1 else "")
           + (f"; date-times from {ex.origin}" if ex.datetimes else "")]
    for s in sources:
        out.append(f"source {s.name}: {s.n:,} arrivals -> {s.rate:.5g} per day"
                   f"; hour profile {'fitted' if s.by_hour else 'flat'}, weekday profile {'fitted' if s.by_weekday else 'flat'}")
        out += [f"  note: {x}" for x in s.notes]
    for sv in services:
        c = sv.counts
        dropped = c["visits"] - c["durations"]
        out.append(f"service {sv.name}: {sv.duration.name} from {c['durations']:,} stays; peak {sv.servers} in use; "
                   f"routes from {c['routed']:,} visits" + (f"; {dropped:,} visits not used for the stay "
                   f"({c['unfinished']:,} unfinished, {c['censored']:,} begun after the first unfinished one, "
                   f"{c['diverted'] + c['reneged'] + c['elsewhere']:,} not served)"
                   if dropped else ""))
    out.append("not inferred (add by hand if they matter): patience (left without being seen), when_full "
               "diversions, booking slots, capacity schedules, costs, interventions; month profiles only as a comment "
               "(from date-times spanning a year)")
    counts = {k: sum(sv.counts[k] for sv in services) for k in ("reneged", "diverted", "elsewhere")}
    seen = ", ".join(f"{v:,} {k}" for k, v in counts.items() if v)
    if seen:
        out.append(f"  the extract has {seen} visits: model them with patience/when_full/elsewhere")
    if exits:
        out.append(f"destinations that are not services, written as exits: {', '.join(exits)}")
    out.append("check every line marked CONFIRM in the draft (settings, beds, capacities)")
    return out


def _check_names(ex: Extract, cohorts: list[str], services: list[str]) -> None:
    """Names flowsim reserves: a cohort 'default' or named like a distribution, a service named like an exit."""
    for c in cohorts:
        if c == "" or c == "default" or c in DIST_NAMES:
            line = int(ex.line[np.flatnonzero(ex.text["cohort"] == c)[0]])
            raise ConfigError(f"expected a cohort name other than {', '.join(('default',) + DIST_NAMES)} and "
                              f"not empty, found {c!r}; rename it in the extract", file=ex.path, line=line,
                              path="column 'cohort'")
    for n in services:
        if n in BUILTIN_EXITS:
            line = int(ex.line[np.flatnonzero(ex.text["node"] == n)[0]])
            raise ConfigError(f"expected a service, found the exit name {n!r} (exits: {', '.join(BUILTIN_EXITS)}); "
                              "rename the service in the extract", file=ex.path, line=line, path="column 'node'")


def fit_extract(path, name: str | None = None) -> FitResult:
    """Fit a draft model to an episode extract.

    Parameters
    ----------
    path : str or os.PathLike
        The extract (CSV; docs/fit.md).
    name : str, optional
        The model's name; default from the file name.

    Returns
    -------
    FitResult

    Raises
    ------
    ConfigError
        Bad input, naming the file, row and column.
    """
    ex = read_extract(path)
    services = infer_services(ex)
    check_destinations(ex, [s.name for s in services])
    cohorts = sorted(set(ex.text["cohort"])) if "cohort" in ex.present else ["general"]
    _check_names(ex, cohorts, [s.name for s in services])
    sources = infer_sources(ex, cohorts)
    names = {s.name for s in services}
    exits = sorted({r.to for s in services for rs in s.routes.values() for r in rs} - names - set(BUILTIN_EXITS))
    stay = max(s.mean_stay for s in services) / MINUTES_PER_DAY
    warm = int(min(60, max(7, math.ceil(5 * stay))))
    days = sources[0].days
    head = [f"# Draft model fitted by `flowsim fit` from {Path(path).name}: {len(ex.line):,} visits over {days:g} days.",
            "# Every line marked CONFIRM is a guess from the data: check it before relying on the model.",
            f"name: {json.dumps(name if name is not None else f'Fitted from {Path(path).name}')}",
            f"run: {{horizon: {warm + days:g} days, warm_up: {warm} days, replications: 3, seed: 1}}"
            f"   # warm-up: 5 x the longest mean stay, 7-60 days; then the extract's length",
            f"cohorts: [{', '.join(map(_q, cohorts))}]"]
    if exits:
        head.append(f"exits: [{', '.join(map(_q, exits))}]")
    lines = head + ["sources:"]
    for s in sources:
        lines += _source_lines(s, cohorts)
    lines.append("services:")
    for sv in services:
        lines += _service_lines(sv)
    text = "\n".join(lines) + "\n"
    parse_config(text, filename=f"<draft fitted from {path}>")  # a draft flowsim cannot run is a bug here
    return FitResult(yaml=text, report=_report(ex, sources, services, exits))
