"""Pathological input files: refused quickly, with the file named, exit status 2 and no traceback.

Each case was found by a new user (issue 14): 100k nested brackets gave a
RecursionError, 12M list items took minutes and gigabytes, /dev/zero gave a
MemoryError and a FIFO hung for good.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import flowsim
from flowsim.cli import main
from flowsim.config import load_data
from flowsim.config import load as load_mod
from flowsim.config import yaml_loader
from flowsim.errors import ConfigError


def _validate(path, capsys) -> str:
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    return err


def test_deep_nesting_is_refused_before_recursion_fails(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    # in a subprocess: a RecursionError would show there as a traceback, whatever pytest's stack depth
    src = str(Path(flowsim.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-m", "flowsim.cli", "validate", str(path)], capture_output=True,
                         text=True, env=env, timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    line = res.stderr.strip()
    assert f"{path}:1:" in line and f"nested at most {yaml_loader.MAX_DEPTH} levels deep" in line


def test_depth_within_the_bound_loads():
    data, _ = yaml_loader.load_yaml("a: " + "[" * 50 + "1" + "]" * 50 + "\n")
    node = data["a"]
    for _ in range(49):
        node = node[0]
    assert node == [1]


def test_too_many_values_are_refused_while_composing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(yaml_loader, "MAX_VALUES", 1_000)
    path = tmp_path / "long.yaml"
    path.write_text("items:\n" + "".join(f"  - {i}\n" for i in range(5_000)))
    err = _validate(path, capsys)
    # the item after the 999 values composed so far (the mapping, its key, the list, items 0..995)
    assert "at most 1,000 values, found more" in err and f"{path}:999:5:" in err


def test_aliases_expanding_past_the_bound_are_refused(monkeypatch):
    monkeypatch.setattr(yaml_loader, "MAX_VALUES", 1_000)
    laughs = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
             "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    with pytest.raises(ConfigError, match="at most 1,000 values, found more once aliases are expanded"):
        yaml_loader.load_yaml(laughs, "laughs.yaml")


def test_a_file_over_the_size_bound_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    with open(path, "w") as fh:
        fh.write("- 1\n" * (load_mod.MAX_BYTES // 4 + 1))
    t0 = time.perf_counter()
    err = _validate(path, capsys)
    assert time.perf_counter() - t0 < 5  # parsing it would take minutes
    assert "expected a config file, found 10.0 MB at" in err and "(a config is at most 10 MB)" in err


def test_a_file_growing_past_the_bound_after_its_size_was_read_is_still_bounded(monkeypatch, tmp_path):
    monkeypatch.setattr(load_mod, "MAX_BYTES", 100)
    real_fstat = os.fstat

    def fstat_saying_empty(fd):  # as files under /proc do
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 0, *st[7:]))
    monkeypatch.setattr(load_mod.os, "fstat", fstat_saying_empty)
    path = tmp_path / "liar.yaml"
    path.write_text("a: 1\n" * 100)
    with pytest.raises(ConfigError, match=r"found more than 0.0001 MB at .* \(a config is at most 0.0001 MB\)"):
        load_data(path)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_character_device_is_refused(capsys):
    err = _validate("/dev/zero", capsys)
    assert "expected a config file, found a character device" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    src = str(Path(flowsim.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-m", "flowsim.cli", "validate", str(fifo)], capture_output=True,
                         text=True, env=env, timeout=60)  # hung for good before
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{fifo}: expected a config file, found a named pipe (FIFO)" in res.stderr


def test_a_directory_is_refused(tmp_path, capsys):
    err = _validate(tmp_path, capsys)
    assert "expected a config file, found a directory" in err


def test_bytes_that_are_not_utf8_are_refused_with_their_offset(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.yaml: expected a UTF-8 text file, .* at offset 9"):
        load_data(path)


def test_an_unreadable_file_is_named(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text("name: x\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as a user who can read anything")
    with pytest.raises(ConfigError, match="secret.yaml: expected a config file, found a file that cannot be opened"):
        load_data(path)
