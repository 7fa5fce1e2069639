"""Many OS processes posting at once against one data directory (issue 4: "many processes
posting at once each land exactly once").

Each process is a real ``baitiao repay`` (``cli.app.main`` in a fresh interpreter), so the
lock, the read-check-append and the fsynced single write are exercised across processes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from baitiao_cli.engine.config import Config
from baitiao_cli.io.loader import load_dataset

N = 16
CUSTOMERS = "customer_id,name,opened_on,statement_day\nC1,张三,2026-01-01,3\nC2,李四,2026-01-01,3\n"
TRANSACTIONS = ("txn_id,customer_id,date,amount,installments\n"
                "T1,C1,2026-01-10,500.00,1\nT2,C2,2026-01-20,1200.00,12\n")
REPO = Path(__file__).resolve().parents[1]


def _start(data: Path, ref: str, customer: str, amount: str) -> subprocess.Popen:
    argv = ["baitiao", "repay", "--data-dir", str(data), "--customer", customer, "--amount", amount,
            "--date", "2026-03-05", "--as-of", "2026-03-05", "--ref", ref, "--format", "json"]
    code = f"import sys; sys.argv = {argv!r}; from baitiao_cli.cli.app import main; main()"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("BAITIAO_CONFIG", None)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=str(data.parent), env=env)


def _finish(procs) -> list:
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append((p.returncode, stdout.decode(), stderr.decode()))
    return out


def _data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    return d


def test_16_processes_with_different_refs_each_land_exactly_once(tmp_path):
    d = _data(tmp_path)
    procs = [_start(d, f"R{i:02d}", "C1" if i % 2 else "C2", f"{i + 1}.{i:02d}") for i in range(N)]
    results = _finish(procs)
    for rc, stdout, stderr in results:
        assert rc == 0, stderr
        assert json.loads(stdout)["status"] == "recorded"
        assert "Traceback" not in stderr
    raw = (d / "repayments.csv").read_bytes()
    assert raw.endswith(b"\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == ["repayment_id", "customer_id", "date", "amount", "kind", "channel"]   # one header
    body = rows[1:]
    assert len(body) == N
    assert all(len(r) == 6 for r in body)                                                  # intact records
    assert sorted(r[0] for r in body) == [f"R{i:02d}" for i in range(N)]                   # each exactly once
    for r in body:
        i = int(r[0][1:])
        assert r == [f"R{i:02d}", "C1" if i % 2 else "C2", "2026-03-05", f"{i + 1}.{i:02d}", "normal", ""]
    # and the data set still validates
    result = load_dataset(d, Config())
    assert not result.errors and len(result.dataset.repayments) == N


def test_16_processes_with_the_same_ref_record_it_once(tmp_path):
    d = _data(tmp_path)
    results = _finish([_start(d, "SAME", "C1", "10.00") for _ in range(N)])
    statuses = sorted(json.loads(stdout)["status"] for rc, stdout, _ in results if rc == 0)
    assert [rc for rc, _, _ in results] == [0] * N
    assert statuses == ["duplicate"] * (N - 1) + ["recorded"]
    assert (d / "repayments.csv").read_text(encoding="utf-8").count("SAME") == 1
