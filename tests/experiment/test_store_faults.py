"""Store faults are clear errors (exit 2, no traceback) that keep what is stored: --out a
file or an impossible place, a damaged manifest or replication file, a second writer,
a scheduler that is not one (#14)."""

from __future__ import annotations

import os
import socket

import pytest

from flowsim.cli import main
from flowsim.errors import ConfigError, UsageError
from flowsim.experiment import run_experiment
from flowsim.experiment.progress import Progress
from flowsim.experiment.store import Store

QUIET = Progress(quiet=True)


@pytest.fixture
def exp(tmp_path, tiny_path):
    p = tmp_path / "exp.yaml"
    p.write_text(f"name: tiny\nmodel: {tiny_path}\nhorizon: 10 days\nwarm_up: 1 day\nseed: 4\n"
                 "scenarios: [baseline]\nreplications: 2\n")
    return p


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_out_that_is_a_file_or_cannot_be_made(exp, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    err = _error(capsys, ["experiment", str(exp), "--workers", "1", "--out", str(afile)])
    assert "--out: expected a directory for the results store, found the file" in err
    err = _error(capsys, ["experiment", str(exp), "--workers", "1", "--out", "/proc/flowsim-store"])
    assert "--out: cannot create the results store at '/proc/flowsim-store'" in err


def test_damaged_manifest_or_replication_is_named_with_the_fix(exp, tmp_path):
    out = tmp_path / "st"
    run_experiment(exp, workers=1, out=out, progress=QUIET)
    rep = out / "replications" / "baseline" / "r000001.parquet"
    rep.write_bytes(rep.read_bytes()[:20])
    with pytest.raises(ConfigError, match="r000001.parquet' is corrupt .*delete that file and rerun"):
        run_experiment(exp, workers=1, out=out, progress=QUIET)
    rep.unlink()  # as the message says: deleting it recomputes it
    assert run_experiment(exp, workers=1, out=out, progress=QUIET)["timing"]["replications_run"] == 1
    (out / "manifest.json").write_text('{"fingerprint": {"se')
    with pytest.raises(ConfigError, match="manifest.json' is corrupt .*delete the store directory"):
        run_experiment(exp, workers=1, out=out, progress=QUIET)


def test_a_second_writer_is_refused_while_the_first_holds_the_store(exp, tmp_path):
    first = Store(tmp_path / "st")
    first.open({"a": 1}, {})
    with pytest.raises(UsageError, match="is in use by another flowsim process"):
        run_experiment(exp, workers=1, out=tmp_path / "st", progress=QUIET)
    first.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_store_turned_read_only_keeps_what_it_has(exp, tmp_path):
    out = tmp_path / "st"
    run_experiment(exp, workers=1, out=out, progress=QUIET)
    (out / "replications" / "baseline" / "r000001.parquet").unlink()
    for d in (out, out / "replications", out / "replications" / "baseline"):
        d.chmod(0o555)
    with pytest.raises(UsageError, match="already stored are kept; rerun the same command to resume"):
        run_experiment(exp, workers=1, out=out, progress=QUIET)
    assert (out / "replications" / "baseline" / "r000000.parquet").exists()


@pytest.mark.parametrize("address", ["notaurl/x", "http://127.0.0.1:8786"])
def test_scheduler_address_is_checked_before_any_store(exp, tmp_path, capsys, address):
    out = tmp_path / "st"
    err = _error(capsys, ["experiment", str(exp), "--scheduler", address, "--out", str(out)])
    assert "--scheduler: expected a Dask scheduler address such as tcp://host:8786" in err
    assert not out.exists()


def test_a_server_that_is_not_a_scheduler_times_out_and_leaves_no_store(exp, tmp_path, capsys):
    """A listening socket that never answers (as an HTTP server does to Dask's handshake)
    used to hang `flowsim experiment` for good."""
    pytest.importorskip("distributed")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)  # connections complete in the backlog; nothing ever answers
        out = tmp_path / "st"
        err = _error(capsys, ["experiment", str(exp), "--scheduler", f"tcp://127.0.0.1:{server.getsockname()[1]}",
                              "--scheduler-timeout", "2", "--out", str(out)])
    assert "no answer as a Dask scheduler within 2 s" in err
    assert not out.exists()


def test_workers_zero_is_refused_before_any_store(exp, tmp_path, capsys):
    out = tmp_path / "st"
    err = _error(capsys, ["experiment", str(exp), "--workers", "0", "--out", str(out)])
    assert "--workers: expected a whole number >= 1, found 0" in err and not out.exists()


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux /proc")
def test_workers_die_with_a_killed_experiment(tmp_path, tiny_path):
    """kill -9 on `flowsim experiment --workers 2` used to leave the forkserver, the
    resource tracker and the workers running."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    p = tmp_path / "exp.yaml"
    p.write_text(f"name: tiny\nmodel: {tiny_path}\nhorizon: 60 days\nwarm_up: 1 day\nseed: 4\n"
                 "scenarios: [baseline]\nreplications: 400\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    store = tmp_path / "st"
    proc = subprocess.Popen([sys.executable, "-m", "flowsim.cli", "experiment", str(p), "--workers", "2",
                             "--out", str(store)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list(store.glob("replications/*/*.parquet")):
        time.sleep(0.1)
    below = _descendants(proc.pid)
    assert len(below) >= 2, "the pool's processes were not found"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(q) for q in below):
        time.sleep(0.2)
    assert not [q for q in below if _alive(q)]
