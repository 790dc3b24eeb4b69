"""The command line: ``flowsim run``, ``flowsim experiment``, ``flowsim validate``, ``flowsim init``.

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
    run = cfg.run.model_copy(update=update)
    if not run.warm_up < run.horizon:
        raise ConfigError(f"expected warm-up < horizon, found warm-up {run.warm_up / 1440:g} days and "
                          f"horizon {run.horizon / 1440:g} days", path="--warm-up/--horizon")
    from .simulate import check_run_args
    check_run_args(args.replications, args.seed, names=("--replications", "--seed"))
    return cfg.model_copy(update={"run": run})


def run_document(cfg, res, config_label: str) -> dict:
    """The JSON document of ``flowsim run`` (the stable contract in README.md)."""
    from .series import summarise_series
    from .stats import summarise_all
    return {
        "config": config_label,
        "seed": res.seed,
        "replications": len(res.metrics),
        "engine": res.engine,
        "warm_up_days": cfg.run.warm_up / 1440.0,
        "horizon_days": cfg.run.horizon / 1440.0,
        "metrics": summarise_all(res.metrics),
        "timing": {"wall_s": res.wall_s, "replication_s": res.replication_s, "patients": res.patients,
                   "compile_s": res.compile_s},
        **({"series": summarise_series(res.series, res.series_labels, res.series_period)} if res.series else {}),
    }


def cmd_run(args) -> int:
    from .eventlog import check_eventlog_path, write_eventlog
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
                    keep_logs=bool(args.events), keep_first_log=bool(args.html), series=args.series)
    label = args.config or f"{default_config_path().name} (bundled default)"
    doc = run_document(cfg, res, label)
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
        print(render_run_table(doc, list(res.network.node_names)))
        if "series" in doc:
            from .report.series_table import render_series_table
            print(render_series_table(doc["series"]))
        if args.events:
            print(f"event log written to {args.events}")
        if args.html:
            print(f"HTML report written to {args.html}")
    return 0


def cmd_experiment(args) -> int:
    from .experiment import run_experiment
    from .report.experiment_table import render_experiment_table

    if args.html:
        from .report.html import check_html_path
        check_html_path(args.html)
    doc = run_experiment(args.file, replications=args.replications, seed=args.seed, workers=args.workers,
                         scheduler=args.scheduler, out=args.out, scheduler_timeout=args.scheduler_timeout)
    if args.html:
        from .experiment.spec import load_spec
        from .report.html import render_experiment_html, write_html
        write_html(args.html, render_experiment_html(_jsonable(doc), load_spec(args.file).spec.description))
    if args.format == "json":
        print(json.dumps(_jsonable(doc), indent=1))
    else:
        print(render_experiment_table(doc))
        if args.html:
            print(f"HTML report written to {args.html}")
    return 1 if doc["failures"] else 0


def cmd_validate(args) -> int:
    from .config import load_data
    from .config.scenarios import is_experiment, scenario_names, validate_scenario
    from .network import build_network

    path = str(args.config or default_config_path())
    data, positions = load_data(path)
    if is_experiment(data):
        from .experiment import check_experiment
        spec, cfgs = check_experiment(path)
        print(f"{path}: OK (experiment {spec.name}: scenarios {', '.join(cfgs)})")
        return 0
    cfg = validate_scenario(data, positions, path)  # the model as written
    net = build_network(cfg)
    names = [n for n in scenario_names(data) if n != "baseline"]
    for name in names:  # every scenario of the model is a config of its own: check each
        build_network(validate_scenario(data, positions, path, name))
    print(f"{path}: OK ({cfg.name}: {len(net.node_names)} services, {len(net.source_names)} sources, "
          f"{len(net.cohorts)} cohorts" + (f"; scenarios {', '.join(names)}" if names else "") + ")")
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
    e.set_defaults(func=cmd_experiment)

    v = sub.add_parser("validate", help="check a config (or an experiment file and its scenarios) without running it")
    v.add_argument("config", nargs="?")
    v.set_defaults(func=cmd_validate)

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
