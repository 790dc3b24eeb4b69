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
