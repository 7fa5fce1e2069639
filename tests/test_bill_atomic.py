"""``io.atomic.write_atomic``: temp file in the same folder, fsync, rename; never half a file."""

from __future__ import annotations

import os

import pytest

from baitiao_cli.io.atomic import write_atomic


def test_writes_bytes_and_text(tmp_path):
    p = tmp_path / "a.txt"
    write_atomic(p, "张三\n")
    assert p.read_bytes() == "张三\n".encode("utf-8")
    write_atomic(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_mode_follows_the_umask(tmp_path):
    p = tmp_path / "a.txt"
    old = os.umask(0o022)
    try:
        import baitiao_cli.io.atomic as atomic
        atomic._umask = None
        write_atomic(p, "x")
    finally:
        os.umask(old)
        atomic._umask = None
    assert p.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_crash_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, where):
    p = tmp_path / "a.txt"
    p.write_text("old")

    def boom(*a, **k):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, where, boom)
    with pytest.raises(OSError):
        write_atomic(p, "new content")
    monkeypatch.undo()
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_an_interrupt_mid_write_leaves_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(p, "x")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_remove_stale_temps_only_touches_the_named_temps(tmp_path):
    from baitiao_cli.io.atomic import remove_stale_temps

    for n in (".C1.json.abcd1234.tmp", ".C2.json.abcd1234.tmp", "C1.json", ".C1.json.short.tmp", "x.tmp"):
        (tmp_path / n).write_text("x")
    assert remove_stale_temps(tmp_path, ["C1.json"]) == 1
    assert sorted(os.listdir(tmp_path)) == [".C1.json.short.tmp", ".C2.json.abcd1234.tmp", "C1.json", "x.tmp"]
    assert remove_stale_temps(tmp_path / "missing", ["C1.json"]) == 0
