"""Output files (event logs, HTML reports, `flowsim init`) are checked before anything
runs and written atomically: a bad path costs nothing, a failed write leaves no
half file and no temporary file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowsim.cli import default_config_path, main
from flowsim.errors import UsageError
from flowsim.outputs import check_output_path, write_atomically

ED_SINGLE = str(default_config_path().with_name("ed_single.yaml"))


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("target, expected", [
    ("missing/x.csv", "the directory '{d}/missing' does not exist"),
    ("adir", "expected a file, found the directory '{d}/adir'"),
    ("x.txt", "expected a path ending in .parquet or .csv"),
])
def test_events_path_is_checked_before_the_run(tmp_path, capsys, monkeypatch, target, expected):
    (tmp_path / "adir").mkdir()
    ran = []
    monkeypatch.setattr("flowsim.simulate.run_model", lambda *a, **k: ran.append(1))
    err = _error(capsys, ["run", ED_SINGLE, "--events", str(tmp_path / target)])
    assert "--events: " in err and expected.format(d=tmp_path) in err
    assert not ran


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_unwritable_directory_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    with pytest.raises(UsageError, match="permission denied"):
        check_output_path(ro / "x.csv", (".csv",), "--events")


def test_failed_or_interrupted_write_leaves_nothing(tmp_path):
    target = tmp_path / "log.csv"
    target.write_text("old results\n")

    def fail(tmp: Path):
        tmp.write_text("half a fi")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, fail, "--events")
    assert target.read_text() == "old results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]

    def disk_full(tmp: Path):
        tmp.write_text("x")
        raise OSError(28, "No space left on device")

    with pytest.raises(UsageError, match="cannot write .*log.csv.*No space left on device"):
        write_atomically(target, disk_full, "--events")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


def test_init_refuses_a_directory_or_a_missing_folder(tmp_path, capsys):
    assert "expected a file, found the directory" in _error(capsys, ["init", str(tmp_path)])
    assert "does not exist" in _error(capsys, ["init", str(tmp_path / "no" / "x.yaml")])
    assert main(["init", str(tmp_path / "mine.yaml")]) == 0
    assert (tmp_path / "mine.yaml").read_bytes() == default_config_path().read_bytes()
    assert "already exists; pass --force" in _error(capsys, ["init", str(tmp_path / "mine.yaml")])


def test_run_on_an_experiment_file_says_to_use_experiment(capsys):
    exp = str(Path(__file__).resolve().parents[1] / "experiments" / "raid.yaml")
    err = _error(capsys, ["run", exp])
    assert f"this is an experiment file (it names a model); run it with 'flowsim experiment {exp}'" in err
