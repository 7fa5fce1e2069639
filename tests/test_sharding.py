"""Splitting a run: ``--shard K/N`` and ``--jobs N`` on ``bill`` and ``overdue-report`` (issue 7).

On a generated book (``benchmarks.generate``, 300 customers): the shards of a run are disjoint
and their union is the single run; ``--jobs 2`` and ``--jobs 3`` give byte for byte the output
of one process (stdout in every format, stderr, and the files of ``--out``); bad values are
usage errors (exit 2).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baitiao_cli.cli.app import app  # noqa: E402
from baitiao_cli.cli.common import parse_shard  # noqa: E402
from baitiao_cli.engine.partition import WHOLE, customer_hash, shard_of  # noqa: E402
from baitiao_cli.engine.partition import Shard  # noqa: E402
from baitiao_cli.render import dumps, write_document  # noqa: E402
from baitiao_cli.services.billing import merge_summaries, summary_name  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

BILL_DAY = "2026-11-03"       # statement day 3: the most common one
AS_OF = "2026-11-25"
COMPARE = "2026-08-01"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """300 generated customers, plus deferral requests the engine refuses (so runs have warnings)."""
    d = tmp_path_factory.mktemp("book")
    generate(d, customers=300, seed=7)
    with open(d / "customers.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    picked = [r for r in rows if r["statement_day"] == "3"][:6] + [r for r in rows if r["statement_day"] != "3"][:6]
    with open(d / "deferrals.csv", "a", encoding="utf-8", newline="") as f:
        for k, r in enumerate(picked, 1):
            # a statement date that is not the customer's statement day: refused with a warning
            day = 4 if r["statement_day"] != "4" else 5
            f.write(f"DX{k:03d},{r['customer_id']},2026-10-{day:02d},2026-10-{day:02d},5\n")
    cfg = d / "config.toml"
    cfg.write_text("", encoding="utf-8")
    return d


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def run(book: Path, *args: str):
    r = CliRunner().invoke(app, [args[0], "--data-dir", str(book), "--config", str(book / "config.toml"),
                                 *args[1:]])
    assert "Traceback" not in r.stdout + r.stderr
    return r


def ok(book: Path, *args: str):
    r = run(book, *args)
    assert r.exit_code == 0, r.stderr
    return r


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the partition ---------------------------------------------------------------------------------

def test_the_partition_is_crc32_of_the_id_and_stable():
    assert customer_hash("C000001") == zlib.crc32(b"C000001")
    assert shard_of("C000001", 1) == 1
    assert [shard_of(f"C{i:06d}", 4) for i in range(1, 9)] == [zlib.crc32(f"C{i:06d}".encode()) % 4 + 1
                                                                for i in range(1, 9)]
    ids = [f"C{i:06d}" for i in range(1, 2001)]
    for n in (1, 2, 3, 7):
        shards = [Shard(k, n) for k in range(1, n + 1)]
        for cid in ids:
            assert sum(cid in p for p in shards) == 1            # each customer in exactly one shard
        for p in shards:
            parts = p.split(3)
            for cid in ids:
                assert sum(cid in q for q in parts) == (1 if cid in p else 0)
    assert all(cid in WHOLE for cid in ids)


@pytest.mark.parametrize("value,expected", [(None, WHOLE), ("1/1", Shard(1, 1)), ("2/4", Shard(2, 4)),
                                            (" 3 / 3 ", Shard(3, 3))])
def test_parse_shard(value, expected):
    assert parse_shard(value) == expected


def test_summary_names():
    assert summary_name(WHOLE) == "summary.csv" and summary_name(Shard(1, 1)) == "summary.csv"
    assert summary_name(Shard(2, 4)) == "summary.shard-2-of-4.csv"


@pytest.mark.parametrize("obj", [
    {}, [], "", 0, -12, True, None, [[]], {"a": {}}, {"k": (1, 2)}, {"中文": "名字 \u2028 \"q\" \\ \n\t"},
    {"as_of": "2026-01-01", "statements": [{"items": [{"kind": "installment", "period": 3}], "x": None}]},
    {"f": 1.5}, [1.5, {"d": [2.25]}],
])
def test_dumps_is_json_dumps_indent_2(obj):
    assert dumps(obj) == json.dumps(obj, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("items", [[], [{"a": 1}], [{"a": [1, {"b": "c"}]}, {}, {"z": []}]])
def test_write_document_is_json_dumps_of_the_whole(items):
    buf = io.StringIO()
    write_document(buf, [("as_of", "2026-11-03"), ("n", {"x": [1]})], "statements", (dumps(i) for i in items))
    whole = {"as_of": "2026-11-03", "n": {"x": [1]}, "statements": items}
    assert buf.getvalue() == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"


# --- shards union to the single run ---------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3])
def test_bill_shards_union_to_the_single_run(book, n):
    single = json.loads(ok(book, "bill", "--as-of", BILL_DAY, "--format", "json").stdout)["statements"]
    assert len(single) > 20
    union = []
    for k in range(1, n + 1):
        part = json.loads(ok(book, "bill", "--as-of", BILL_DAY, "--format", "json", "--shard", f"{k}/{n}")
                          .stdout)["statements"]
        assert all(shard_of(s["customer_id"], n) == k for s in part)
        assert [s["customer_id"] for s in part] == sorted(s["customer_id"] for s in part)
        union += part
    assert sorted(union, key=lambda s: s["customer_id"]) == single


@pytest.mark.parametrize("n", [2, 3])
def test_overdue_shards_union_to_the_single_run(book, n):
    single = json.loads(ok(book, "overdue-report", "--as-of", AS_OF, "--format", "json").stdout)
    assert len(single["accounts"]) > 5
    accounts, totals = [], {"accounts_total": 0, "accounts": 0, "overdue_accounts": 0}
    for k in range(1, n + 1):
        part = json.loads(ok(book, "overdue-report", "--as-of", AS_OF, "--format", "json", "--shard", f"{k}/{n}")
                          .stdout)
        assert all(shard_of(a["customer_id"], n) == k for a in part["accounts"])
        accounts += part["accounts"]
        for key in totals:
            totals[key] += part["summary"][key]    # a shard's summary covers that shard only
    by_id = {a["customer_id"]: a for a in accounts}
    assert len(by_id) == len(accounts)
    assert by_id == {a["customer_id"]: a for a in single["accounts"]}
    assert totals == {key: single["summary"][key] for key in totals}
    assert totals["accounts_total"] == 300


def test_bill_out_shards_write_the_single_runs_files_and_mergeable_summaries(book, tmp_path):
    single = tmp_path / "single"
    ok(book, "bill", "--as-of", BILL_DAY, "--out", str(single), "--format", "csv")
    sharded = tmp_path / "sharded"
    for k in (1, 2, 3):
        ok(book, "bill", "--as-of", BILL_DAY, "--out", str(sharded), "--format", "csv", "--shard", f"{k}/3")
    folder = sharded / BILL_DAY
    assert not (folder / "summary.csv").exists()
    assert all((folder / f"summary.shard-{k}-of-3.csv").exists() for k in (1, 2, 3))
    want = files_under(single)
    got = files_under(sharded)
    summaries = {name for name in got if "summary.shard-" in name}
    assert {name: data for name, data in got.items() if name not in summaries} == {
        name: data for name, data in want.items() if not name.endswith("summary.csv")}
    assert merge_summaries(str(folder), 3) == want[f"{BILL_DAY}/summary.csv"]


# --- --jobs: byte-identical to one process ------------------------------------------------------------

@pytest.mark.parametrize("jobs", ["2", "3"])
@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_bill_jobs_output_is_byte_identical(book, tmp_path, jobs, fmt):
    one = run(book, "bill", "--as-of", BILL_DAY, "--format", fmt, "--out", str(tmp_path / "one"))
    many = run(book, "bill", "--as-of", BILL_DAY, "--format", fmt, "--out", str(tmp_path / "many"), "--jobs", jobs)
    assert one.exit_code == many.exit_code == 0
    assert many.stdout == one.stdout
    assert many.stderr == one.stderr and "warning: customer" in one.stderr
    assert files_under(tmp_path / "many") == files_under(tmp_path / "one")
    assert len(files_under(tmp_path / "one")) > 40


def test_bill_shard_with_jobs_is_the_shard(book):
    one = ok(book, "bill", "--as-of", BILL_DAY, "--format", "json", "--shard", "2/3")
    many = ok(book, "bill", "--as-of", BILL_DAY, "--format", "json", "--shard", "2/3", "--jobs", "2")
    assert many.stdout == one.stdout and many.stderr == one.stderr


@pytest.mark.parametrize("jobs", ["2", "3"])
@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_overdue_jobs_output_is_byte_identical(book, tmp_path, jobs, fmt):
    args = ("overdue-report", "--as-of", AS_OF, "--compare", COMPARE, "--format", fmt)
    one = run(book, *args, "--out", str(tmp_path / "one.csv"))
    many = run(book, *args, "--out", str(tmp_path / "many.csv"), "--jobs", jobs)
    assert one.exit_code == many.exit_code == 0
    assert many.stdout == one.stdout
    assert many.stderr == one.stderr and "warning: customer" in one.stderr
    assert (tmp_path / "many.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_overdue_shard_with_jobs_is_the_shard(book):
    one = ok(book, "overdue-report", "--as-of", AS_OF, "--format", "json", "--shard", "1/2")
    many = ok(book, "overdue-report", "--as-of", AS_OF, "--format", "json", "--shard", "1/2", "--jobs", "3")
    assert many.stdout == one.stdout and many.stderr == one.stderr


# --- usage errors ----------------------------------------------------------------------------------

BAD_SHARDS = ["0/2", "3/2", "a/b", "1/0", "2", "1/2/3", "-1/2", "", "1.5/2"]


@pytest.mark.parametrize("command", ["bill", "overdue-report"])
@pytest.mark.parametrize("value", BAD_SHARDS)
def test_bad_shard_is_a_usage_error(book, command, value):
    r = run(book, command, "--as-of", BILL_DAY, "--shard", value)
    assert r.exit_code == 2, r.stdout + r.stderr
    assert "--shard" in r.stderr


@pytest.mark.parametrize("command", ["bill", "overdue-report"])
@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_bad_jobs_is_a_usage_error(book, command, value):
    r = run(book, command, "--as-of", BILL_DAY, "--jobs", value)
    assert r.exit_code == 2, r.stdout + r.stderr
    assert "jobs" in r.stderr


def test_shard_does_not_go_with_customer(book):
    cid = json.loads(ok(book, "bill", "--as-of", BILL_DAY, "--format", "json").stdout)["statements"][0]["customer_id"]
    assert run(book, "bill", "--as-of", BILL_DAY, "--customer", cid, "--shard", "1/2").exit_code == 2
    assert run(book, "bill", "--as-of", BILL_DAY, "--customer", cid, "--jobs", "2").exit_code == 2
    assert run(book, "bill", "--as-of", BILL_DAY, "--customer", cid, "--shard", "1/1").exit_code == 2


def test_invalid_input_refuses_in_every_shard_and_job(book, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(book, bad)
    with open(bad / "repayments.csv", "a", encoding="utf-8") as f:
        f.write("RBAD,C000001,2026-02-30,10.00,normal,app\n")
    for extra in ([], ["--shard", "1/2"], ["--shard", "2/2"], ["--jobs", "2"]):
        out = tmp_path / f"out{len(extra)}{'-'.join(extra).replace('/', '')}"
        r = run(bad, "bill", "--as-of", BILL_DAY, "--out", str(out), *extra)
        assert r.exit_code == 1 and "repayments.csv" in r.stderr and "date" in r.stderr
        assert not out.exists()
        r = run(bad, "overdue-report", "--as-of", AS_OF, *extra)
        assert r.exit_code == 1 and "repayments.csv" in r.stderr
