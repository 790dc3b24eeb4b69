"""The command line: ``flowsim run``, ``experiment``, ``validate``, ``init``, ``fit``, ``diagram``.

Every FlowsimError becomes a one-line message on stderr and exit status 2, with
no traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from importlib import resources
from pathlib import Path

from . import __version__
from .errors import ConfigError, FlowsimError, UsageError
from .units import MINUTES_PER_DAY

__all__ = ["main", "default_config_path"]

EXIT_USAGE = 2


def default_config_path() -> Path:
    """The bundled default health economy (ships inside the package)."""
    return Path(str(resources.files("flowsim") / "data" / "configs" / "default.yaml"))


def _duration_arg(flag: str):
    def parse(text: str) -> float:
        from .units import parse_duration
        try:
            return parse_duration(text)
        except ValueError as e:
            raise ConfigError(str(e), path=flag) from None
    return parse


def _date_arg(text: str, flag: str):
    import datetime as dt
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"expected a date as YYYY-MM-DD, found {text!r}", path=flag) from None


def _jsonable(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def _load(path: str | None, scenario: str | None = None):
    from .config.scenarios import BASELINE, load_scenario
    return load_scenario(path if path else default_config_path(), scenario or BASELINE)


def _with_run(cfg, args):
    """Apply --warm-up/--horizon/--seed/--replications/--engine to the config's run section."""
    update = {}
    if args.warm_up is not None:
        update["warm_up"] = _duration_arg("--warm-up")(args.warm_up)
    if args.horizon is not None:
        update["horizon"] = _duration_arg("--horizon")(args.horizon)
    if getattr(args, "start_from", None) and args.warm_up is None:
        update["warm_up"] = 0.0  # a warm start needs no warm-up
    if getattr(args, "start", None) is not None:
        update["start"] = _date_arg(args.start, "--start")
    run = cfg.run.model_copy(update=update)
    if not run.warm_up < run.horizon:
        raise ConfigError(f"expected warm-up < horizon, found warm-up {run.warm_up / MINUTES_PER_DAY:g} days and "
                          f"horizon {run.horizon / MINUTES_PER_DAY:g} days", path="--warm-up/--horizon")
    from .simulate import check_run_args
    check_run_args(args.replications, args.seed, names=("--replications", "--seed"))
    return cfg.model_copy(update={"run": run})


def run_document(cfg, res, config_label: str, scenario: str | None = None) -> dict:
    """The JSON document of ``flowsim run`` (the stable contract in README.md)."""
    from .draws import RANDOMNESS_VERSION
    from .series import summarise_series
    from .stats import summarise_all
    metrics = summarise_all(res.metrics)
    return {
        "config": config_label,
        **({"scenario": scenario} if scenario else {}),
        "seed": res.seed,
        "randomness_version": RANDOMNESS_VERSION,
        "replications": len(res.metrics),
        "engine": res.engine,
        "warm_up_days": cfg.run.warm_up / MINUTES_PER_DAY,
        "horizon_days": cfg.run.horizon / MINUTES_PER_DAY,
        "metrics": metrics,
        "warnings": list(res.warnings),
        "timing": {"wall_s": res.wall_s, "replication_s": res.replication_s, "patients": res.patients,
                   "compile_s": res.compile_s, "workers": res.workers},
        **({"series": summarise_series(res.series, res.series_labels, res.series_period)} if res.series else {}),
    }


def cmd_run(args) -> int:
    from .eventlog import check_eventlog_path, write_eventlog
    from .experiment.progress import Progress
    from .report.table import render_run_table
    from .simulate import run_model

    cfg = _with_run(_load(args.config, args.scenario), args)
    if args.series:
        from .series import check_series
        check_series(args.series, cfg.run.start, cfg.run.warm_up, cfg.run.horizon)
    if args.events:
        check_eventlog_path(args.events)  # before the run, not after minutes of it
    if args.html:
        from .report.html import check_html_path
        check_html_path(args.html)  # before the run, not after minutes of it
    res = run_model(cfg, replications=args.replications, seed=args.seed, engine=args.engine,
                    keep_logs=bool(args.events), keep_first_log=bool(args.html), series=args.series,
                    start_from=args.start_from, progress=Progress(quiet=args.quiet), scenario=args.scenario,
                    workers=args.workers)
    label = args.config or f"{default_config_path().name} (bundled default)"
    doc = run_document(cfg, res, label, args.scenario)
    for w in doc["warnings"]:
        print(f"flowsim: warning: {w}", file=sys.stderr)
    if res.census is not None:
        from .forecast import forecast_document
        from .warmstart.commands import warm_start_document
        doc["warm_start"] = warm_start_document(res.census, forecast_document(res.daily, res.network))
        for note in res.census.notes:
            print(f"flowsim: note: {note}", file=sys.stderr)
    if args.events:
        net = res.network
        write_eventlog(res.logs, args.events, net.node_names, net.cohorts, net.exit_names)
    if args.html:
        from .report.html import render_run_html, write_html
        log = res.logs[0] if res.logs else None
        write_html(args.html, render_run_html(_jsonable(doc), cfg.name, cfg.description, res.network, log))
    if args.format == "json":
        print(json.dumps(_jsonable(doc), indent=1))
    else:
        print(f"{cfg.name}")
        pools = getattr(res.network.prices, "pool_names", ())
        print(render_run_table(doc, list(res.network.node_names), pools))
        if "series" in doc:
            from .report.series_table import render_series_table
            print(render_series_table(doc["series"]))
        if "warm_start" in doc:
            from .report.forecast import render_forecast_text
            print(render_forecast_text(doc["warm_start"]))
        if args.events:
            print(f"event log written to {args.events}")
        if args.html:
            print(f"HTML report written to {args.html}")
    return 0


def cmd_census(args) -> int:
    from .outputs import check_output_path
    from .warmstart.commands import census_date, run_census

    cfg = _load(args.config, args.scenario)
    at = _duration_arg("--at")(args.at)
    check_output_path(args.out, (".csv",), "-o")  # before the run, not after minutes of it
    from .errors import UsageError
    from .simulate import check_run_args
    check_run_args(seed=args.seed, names=("--replications", "--seed"))
    if args.replication < 0:
        raise UsageError(f"expected a replication number >= 0, found {args.replication}", argument="--replication")
    census = run_census(cfg, at, args.out, seed=cfg.run.seed if args.seed is None else args.seed,
                        replication=args.replication, engine=args.engine or cfg.run.engine)
    date, hint = census_date(cfg.run.start, at, args.out)
    print(f"census of {len(census)} patients at day {at / MINUTES_PER_DAY:g}{date} written to {args.out}")
    if hint:
        print(hint)
    return 0


def cmd_experiment(args) -> int:
    from .experiment import run_experiment
    from .report.experiment_table import render_experiment_table

    if args.html:
        from .report.html import check_html_path
        check_html_path(args.html)
    from .experiment.capacity import is_capacity_file
    if is_capacity_file(args.file):
        return cmd_capacity(args)
    from .experiment.progress import Progress
    doc = run_experiment(args.file, replications=args.replications, seed=args.seed, workers=args.workers,
                         scheduler=args.scheduler, out=args.out, scheduler_timeout=args.scheduler_timeout,
                         progress=Progress(quiet=args.quiet))
    for w in doc["warnings"]:
        print(f"flowsim: warning: {w}", file=sys.stderr)
    if args.html:
        from .experiment import check_experiment
        from .network import build_network
        from .report.html import render_experiment_html, write_html
        spec, cfgs = check_experiment(args.file)
        write_html(args.html, render_experiment_html(_jsonable(doc), spec.description, build_network(cfgs[spec.baseline])))
    if args.format == "json":
        print(json.dumps(_jsonable(doc), indent=1))
    else:
        print(render_experiment_table(doc))
        if args.html:
            print(f"HTML report written to {args.html}")
    return 1 if doc["failures"] else 0


def cmd_capacity(args) -> int:
    """``flowsim experiment`` on a file with ``search:`` or ``sweep:``."""
    from .experiment.capacity import run_capacity
    from .report.capacity import render_capacity
    doc = run_capacity(args.file, replications=args.replications, seed=args.seed, workers=args.workers,
                       scheduler=args.scheduler)
    if args.html:
        from .experiment import check_experiment
        from .network import build_network
        from .report.capacity import render_capacity_html
        from .report.html import write_html
        spec, cfgs = check_experiment(args.file)
        write_html(args.html, render_capacity_html(_jsonable(doc), build_network(cfgs[spec.baseline])))
    print(json.dumps(_jsonable(doc), indent=1) if args.format == "json" else render_capacity(doc))
    return 0


def cmd_validate(args) -> int:
    from .config import load_data
    from .config.scenarios import is_experiment, scenario_names, validate_scenario
    from .network import build_network

    path = str(args.config or default_config_path())
    data, positions = load_data(path)
    if is_experiment(data):
        from .experiment import check_experiment
        from .experiment.capacity import check_capacity
        spec, cfgs = check_experiment(path)
        extra = "; ".join(check_capacity(path))
        print(f"{path}: OK (experiment {spec.name}: scenarios {', '.join(cfgs)}" + (f"; {extra})" if extra else ")"))
        return 0
    cfg = validate_scenario(data, positions, path)  # the model as written
    net = build_network(cfg)
    names = [n for n in scenario_names(data) if n != "baseline"]
    for name in names:  # every scenario of the model is a config of its own: check each
        build_network(validate_scenario(data, positions, path, name))
    print(f"{path}: OK ({cfg.name}: {len(net.node_names)} services, {len(net.source_names)} sources, "
          f"{len(net.cohorts)} cohorts" + (f"; scenarios {', '.join(names)}" if names else "") + ")")
    return 0


def cmd_diagram(args) -> int:
    from .network import build_network
    from .report.diagram import write_diagram
    net = build_network(_load(args.config, args.scenario))
    write_diagram(args.output, net)
    print(f"pathway diagram written to {args.output}")
    return 0


def cmd_init(args) -> int:
    from .outputs import check_output_path, write_atomically
    dest = Path(args.path)
    check_output_path(dest, (".yaml", ".yml"), "init")
    if dest.exists() and not args.force:
        raise UsageError(f"{dest} already exists; pass --force to overwrite it", argument="init")
    write_atomically(dest, lambda tmp: shutil.copyfile(default_config_path(), tmp), "init")
    print(f"wrote the default health economy to {dest}; edit it, then: flowsim run {dest}")
    return 0


def _lazy(module: str, name: str):
    """A subcommand whose work lives in its own module, imported only when it runs."""
    def run(args) -> int:
        import importlib
        return getattr(importlib.import_module(module), name)(args)
    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flowsim", description="Patient-flow simulation across health and social care.")
    p.add_argument("--version", action="version", version=f"flowsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run a model and print its summary")
    r.add_argument("config", nargs="?", help="config YAML (default: the bundled medium health economy)")
    r.add_argument("--replications", type=int, help="number of replications (overrides run.replications)")
    r.add_argument("--seed", type=int, help="experiment seed (overrides run.seed)")
    r.add_argument("--warm-up", dest="warm_up", help="warm-up, e.g. '60 days' (overrides run.warm_up)")
    r.add_argument("--horizon", help="end of the run, warm-up included, e.g. '425 days'")
    r.add_argument("--format", choices=("table", "json"), default="table")
    r.add_argument("--events", help="write the per-patient event log to PATH (.parquet or .csv)")
    r.add_argument("--html", help="also write a self-contained HTML report to PATH (needs flowsim[plot])")
    r.add_argument("--engine", choices=("simpy", "compiled", "auto"),
                   help="simulation engine (overrides run.engine; auto picks compiled)")
    r.add_argument("--series", choices=("week", "month"),
                   help="also report the headline metrics per week or calendar month (month needs run.start)")
    r.set_defaults(func=cmd_run)

    r.add_argument("--scenario", help="apply a scenario of the config (default: baseline, the model as written)")
    r.add_argument("--start-from", dest="start_from", metavar="CENSUS_CSV",
                   help="start from this census of patients (docs/warm-start.md); warm-up 0 unless given")
    r.add_argument("--start", metavar="YYYY-MM-DD", help="the date of day 0, e.g. the census's date (overrides "
                   "run.start: months, weekdays and bank holidays of the calendar follow it)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr (warnings still)")
    r.add_argument("--workers", type=int, help="local worker processes for the replications "
                   "(default: all cores; 1 runs them in this process); the numbers do not change")

    c = sub.add_parser("census", help="write the census of a run at a given time (the --start-from format)")
    c.add_argument("config", nargs="?", help="config YAML (default: the bundled medium health economy)")
    c.add_argument("--at", required=True, help="time of the census from the start of the run, e.g. '200 days'")
    c.add_argument("-o", "--out", required=True, help="census CSV to write")
    c.add_argument("--seed", type=int, help="experiment seed (overrides run.seed)")
    c.add_argument("--replication", type=int, default=0, help="which replication (default 0)")
    c.add_argument("--scenario", help="apply a scenario of the config")
    c.add_argument("--engine", choices=("simpy", "compiled", "auto"), help="simulation engine")
    c.set_defaults(func=cmd_census)

    e = sub.add_parser("experiment", help="run scenarios x replications into a resumable results store")
    e.add_argument("file", help="experiment YAML (docs/experiments.md)")
    e.add_argument("--replications", type=int, help="fixed number of replications (overrides the file)")
    e.add_argument("--seed", type=int, help="experiment seed (overrides the file)")
    e.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    e.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    e.add_argument("--scheduler-timeout", dest="scheduler_timeout", type=float, default=10.0,
                   help="seconds to wait for the Dask scheduler to answer (default 10)")
    e.add_argument("--out", help="results store (default: results/<experiment name>)")
    e.add_argument("--format", choices=("table", "json"), default="table")
    e.add_argument("--html", help="also write a self-contained HTML report to PATH (needs flowsim[plot])")
    e.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr (warnings still)")
    e.set_defaults(func=cmd_experiment)

    v = sub.add_parser("validate", help="check a config (or an experiment file and its scenarios) without running it")
    v.add_argument("config", nargs="?")
    v.set_defaults(func=cmd_validate)

    f = sub.add_parser("fit", help="fit a draft model to an episode extract (docs/fit.md)")
    f.add_argument("episodes", help="episode extract, CSV: one row per visit (the format of run --events)")
    f.add_argument("-o", "--output", required=True, help="where to write the draft config (.yaml)")
    f.add_argument("--name", help="the model's name (default: from the file name)")
    f.add_argument("--force", action="store_true", help="overwrite the output")
    f.set_defaults(func=_lazy("flowsim.fit.command", "cmd_fit"))

    g = sub.add_parser("diagram", help="draw a model's pathway as an SVG (services, capacities, yearly flows)")
    g.add_argument("config", nargs="?", help="config YAML (default: the bundled medium health economy)")
    g.add_argument("-o", "--output", required=True, help="where to write the diagram (.svg)")
    g.add_argument("--scenario", help="apply a scenario of the config")
    g.set_defaults(func=cmd_diagram)

    i = sub.add_parser("init", help="write the default config as a starting point")
    i.add_argument("path")
    i.add_argument("--force", action="store_true")
    i.set_defaults(func=cmd_init)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except FlowsimError as e:
        print(f"flowsim: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("flowsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
