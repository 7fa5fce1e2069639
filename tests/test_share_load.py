"""``--jobs N`` workers that each load their own share of the input (``io.loader.load_share``).

The contract: when every share of a partition of the customers comes back clean, their
records put together are exactly the records of the full load (same values, ``seq`` and
order once sorted by ``seq``), and the full load has no problem at all; when the input has
any problem -- an error or only a warning, in any file, or across shares (a duplicate id in
two customers' rows, a refund of another customer's purchase) -- at least one share comes
back None, and ``bill`` / ``overdue-report`` with ``--jobs`` then load everything in one
process: stdout, stderr and the exit status are those of ``--jobs 1``.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baitiao_cli.services import jobs as sharding  # noqa: E402
from baitiao_cli.cli.app import app  # noqa: E402
from baitiao_cli.engine.config import Config  # noqa: E402
from baitiao_cli.engine.partition import WHOLE, Shard  # noqa: E402
from baitiao_cli.io import loader  # noqa: E402
from baitiao_cli.io.loader import load_dataset, load_share  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

CFG = Config()
BILL_DAY = "2026-11-03"
AS_OF = "2026-11-25"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sharebook")
    generate(d, customers=240, seed=11)
    (d / "config.toml").write_text("", encoding="utf-8")
    return d


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)


def rows_of(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def customers_in(book: Path, part: Shard, *, other: bool = False) -> list[str]:
    ids = [r[0] for r in rows_of(book / "customers.csv")[1:]]
    return [c for c in ids if part.loads(c) != other]


def shares(data: Path, jobs: int, shard: Shard = WHOLE) -> list:
    return [load_share(data, CFG, p.loads) for p in shard.split(jobs)]


def union(results: list, name: str) -> list:
    out = [r for res in results for r in getattr(res.dataset, name)]
    return sorted(out, key=lambda r: r.seq)


def to_jsonl(src: Path, dst: Path) -> None:
    """The same book with transactions and repayments as JSON Lines (the items path)."""
    shutil.copytree(src, dst)
    for name in ("transactions", "repayments"):
        rows = rows_of(dst / f"{name}.csv")
        with open(dst / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in rows[1:]:
                f.write(json.dumps({k: v for k, v in zip(rows[0], row) if v != ""}, ensure_ascii=False) + "\n")
        (dst / f"{name}.csv").unlink()


# --- the union of the shares is the full load -------------------------------------------------------

@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_shares_together_are_the_full_load(book, tmp_path, jobs, fmt):
    data = book
    if fmt == "jsonl":
        data = tmp_path / "jsonl"
        to_jsonl(book, data)
    full = load_dataset(data, CFG)
    assert full.problems == ()
    results = shares(data, jobs)
    assert all(r is not None for r in results)
    for res in results:
        assert res.dataset.customers == full.dataset.customers       # every share reads every customer
        assert res.dataset.deferrals == full.dataset.deferrals       # and the (small) deferrals journal
        assert res.problems == ()
    assert union(results, "transactions") == list(full.dataset.transactions)
    assert union(results, "repayments") == list(full.dataset.repayments)
    # disjoint, each share only its own customers
    for p, res in zip(WHOLE.split(jobs), results):
        assert all(p.loads(t.customer_id) for t in res.dataset.transactions)
        assert all(p.loads(r.customer_id) for r in res.dataset.repayments)


def test_the_shares_of_a_shard_still_cover_the_whole_input(book):
    """--shard 1/2 --jobs 2: the two workers validate every customer's rows between them."""
    shard = Shard(1, 2)
    results = shares(book, 2, shard)
    full = load_dataset(book, CFG)
    assert union(results, "transactions") == list(full.dataset.transactions)
    for p in shard.split(2):
        assert set(customers_in(book, p)) >= {c for c in customers_in(book, WHOLE) if c in p}


# --- anything not clean: some share says None -----------------------------------------------------

def _copy(book: Path, tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(book, d)
    return d


def _append(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write(line)


def _pair(d: Path) -> tuple[str, str]:
    """Two customers that different workers (of --jobs 2) own."""
    return customers_in(d, Shard(1, 1, 1, 2))[0], customers_in(d, Shard(1, 1, 2, 2))[0]


def _break_cross_share_duplicate(d: Path) -> None:
    """A transaction id used by two customers that different workers own."""
    a, b = _pair(d)
    _append(d / "transactions.csv", f"TDUP1,{a},2026-09-01,10.00,purchase,1,,,m,c\n")
    _append(d / "transactions.csv", f"TDUP1,{b},2026-09-02,11.00,purchase,1,,,m,c\n")


def _break_cross_share_repayment_duplicate(d: Path) -> None:
    a, b = _pair(d)
    _append(d / "repayments.csv", f"RDUP1,{a},2026-09-01,10.00,normal,app\n")
    _append(d / "repayments.csv", f"RDUP1,{b},2026-09-02,11.00,normal,app\n")


def _break_refund_of_other_customer(d: Path) -> None:
    a, b = _pair(d)
    _append(d / "transactions.csv", f"TP1,{a},2026-09-01,100.00,purchase,1,,,m,c\n")
    _append(d / "transactions.csv", f"TR1,{b},2026-09-05,10.00,refund,,,TP1,m,c\n")


def _break_high_fee_rate_warning(d: Path) -> None:
    a = customers_in(d, WHOLE)[0]
    _append(d / "transactions.csv", f"TW1,{a},2026-09-01,300.00,purchase,3,0.5,,m,c\n")


def _break_unknown_customer(d: Path) -> None:
    _append(d / "repayments.csv", "RX1,NOSUCH,2026-09-01,10.00,normal,app\n")


def _break_bad_date(d: Path) -> None:
    a = customers_in(d, WHOLE)[0]
    _append(d / "repayments.csv", f"RX2,{a},2026-02-30,10.00,normal,app\n")


def _break_torn_journal(d: Path) -> None:
    a = customers_in(d, WHOLE)[-1]
    _append(d / "repayments.csv", f"RX3,{a},2026-09-01,10.00,normal,ap")


def _break_blank_line(d: Path) -> None:
    text = (d / "transactions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text.insert(5, "\n")
    (d / "transactions.csv").write_text("".join(text), encoding="utf-8")


def _break_customer_warning(d: Path) -> None:
    rows = rows_of(d / "customers.csv")
    rows[0].append("nickname")
    for r in rows[1:]:
        r.append("x")
    with open(d / "customers.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _break_unknown_key_of_one_record(d: Path) -> None:
    """JSON Lines where one record has a key no other has: a header warning whose line is
    that record's (the reader's, the same in every worker)."""
    to_jsonl(d, d.parent / "jl")
    shutil.rmtree(d)
    (d.parent / "jl").rename(d)
    lines = (d / "repayments.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    rec = json.loads(lines[7])
    rec["memo"] = "x"
    lines[7] = json.dumps(rec) + "\n"
    (d / "repayments.jsonl").write_text("".join(lines), encoding="utf-8")


def _break_deferral(d: Path) -> None:
    a = customers_in(d, WHOLE)[0]
    _append(d / "deferrals.csv", f"DX1,{a},2026-13-01,2026-09-01,5\n")


BREAKS = {
    "cross-share duplicate txn_id": _break_cross_share_duplicate,
    "cross-share duplicate repayment_id": _break_cross_share_repayment_duplicate,
    "refund of another worker's customer's purchase": _break_refund_of_other_customer,
    "a warning only (fee rate 0.5)": _break_high_fee_rate_warning,
    "unknown customer": _break_unknown_customer,
    "bad date": _break_bad_date,
    "torn journal": _break_torn_journal,
    "blank line (not an error)": _break_blank_line,
    "bad deferral": _break_deferral,
}


HEADER_ONLY = {
    "unknown customer column (a warning)": _break_customer_warning,
    "unknown key in one JSON Lines record (a warning)": _break_unknown_key_of_one_record,
}


@pytest.mark.parametrize("name", sorted(HEADER_ONLY))
def test_header_warnings_stay_on_the_share_path(book, tmp_path, monkeypatch, name):
    """An extra column is warned about by every share alike: the workers go on, the warning is
    printed once, and everything equals --jobs 1."""
    d = _copy(book, tmp_path)
    HEADER_ONLY[name](d)
    full = load_dataset(d, CFG)
    assert full.problems and all(p.severity == "warning" for p in full.problems)
    results = shares(d, 2)
    assert all(r is not None and r.problems == full.problems for r in results)
    assert union(results, "repayments") == list(full.dataset.repayments)
    one = [_cli(d, "bill", "--as-of", BILL_DAY, "--format", "json"),
           _cli(d, "overdue-report", "--as-of", AS_OF, "--format", "csv")]
    monkeypatch.setattr(loader, "load_dataset", lambda *a, **k: (_ for _ in ()).throw(AssertionError("full load")))
    two = [_cli(d, "bill", "--as-of", BILL_DAY, "--format", "json", "--jobs", "2"),
           _cli(d, "overdue-report", "--as-of", AS_OF, "--format", "csv", "--jobs", "2")]
    for a, b in zip(one, two):
        assert (b.exit_code, b.stdout, b.stderr) == (a.exit_code, a.stdout, a.stderr)
        assert b.stderr.count("ignored") == 1


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_any_problem_makes_some_share_give_up(book, tmp_path, name):
    d = _copy(book, tmp_path)
    BREAKS[name](d)
    results = shares(d, 2)
    if name == "blank line (not an error)":
        # not a problem for the full load, but a row the fast path leaves to the row loop
        assert load_dataset(d, CFG).problems == ()
    else:
        assert load_dataset(d, CFG, skip_invalid=True).problems != ()
    assert any(r is None for r in results)


def _cli(data: Path, *args: str):
    r = CliRunner().invoke(app, [args[0], "--data-dir", str(data), "--config", str(data / "config.toml"), *args[1:]])
    assert "Traceback" not in r.stdout + r.stderr
    return r


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_jobs_fall_back_to_the_one_process_load(book, tmp_path, name):
    d = _copy(book, tmp_path)
    BREAKS[name](d)
    for command in (["bill", "--as-of", BILL_DAY, "--format", "json"],
                    ["overdue-report", "--as-of", AS_OF, "--format", "json"],
                    ["bill", "--as-of", BILL_DAY, "--format", "csv", "--skip-invalid"]):
        one = _cli(d, *command)
        two = _cli(d, *command, "--jobs", "2")
        assert (two.exit_code, two.stdout, two.stderr) == (one.exit_code, one.stdout, one.stderr), command


def test_clean_input_is_never_loaded_whole_with_jobs(book, monkeypatch):
    """With --jobs 2 on a clean book the parent never runs the full load: the workers do the work."""
    def refuse(*a, **k):
        raise AssertionError("the full load ran")

    one_bill = _cli(book, "bill", "--as-of", BILL_DAY, "--format", "json")
    one_overdue = _cli(book, "overdue-report", "--as-of", AS_OF, "--format", "json")
    monkeypatch.setattr(loader, "load_dataset", refuse)
    two_bill = _cli(book, "bill", "--as-of", BILL_DAY, "--format", "json", "--jobs", "2")
    two_overdue = _cli(book, "overdue-report", "--as-of", AS_OF, "--format", "json", "--jobs", "2")
    assert two_bill.exit_code == 0 and two_bill.stdout == one_bill.stdout
    assert two_overdue.exit_code == 0 and two_overdue.stdout == one_overdue.stdout


def test_without_fork_the_parts_load_whole_in_one_process(book, monkeypatch):
    monkeypatch.setattr(sharding, "fork_available", lambda: False)
    assert sharding.run_jobs_loading_slices(None, None, WHOLE, 2, lambda ds, p: 1) is None
    one = _cli(book, "overdue-report", "--as-of", AS_OF, "--format", "json")
    two = _cli(book, "overdue-report", "--as-of", AS_OF, "--format", "json", "--jobs", "2")
    assert two.stdout == one.stdout and two.exit_code == 0


# --- the safety property, on random books -------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from loader_fixtures import BASE, write_dir  # noqa: E402
from test_loader_fastpath import REP_ROW, TXN_ROW  # noqa: E402


# mostly clean rows (unique ids; a random, maybe bad, row or two on top), so that many books are clean
_CID = st.sampled_from(["C1", "C2"])
_DAY = st.sampled_from(["2025-03-01", "2025-03-10", "2025-04-02"])
_AMT = st.sampled_from(["1.00", "99.90", "250", "0.01"])
CLEAN_TXN = st.tuples(st.integers(1, 40).map("V{}".format), _CID, _DAY, _AMT,
                      st.just("purchase"), st.sampled_from(["1", "3", "12"]), st.just(""), st.just(""),
                      st.sampled_from(["", "shop"]), st.just("online"))
CLEAN_REP = st.tuples(st.integers(1, 40).map("W{}".format), _CID, _DAY, _AMT, st.sampled_from(["", "normal"]),
                      st.just("app"))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(txns=st.lists(CLEAN_TXN, max_size=12, unique_by=lambda r: r[0]),
       reps=st.lists(CLEAN_REP, max_size=12, unique_by=lambda r: r[0]),
       bad_txns=st.lists(TXN_ROW, max_size=1), bad_reps=st.lists(REP_ROW, max_size=1),
       jobs=st.sampled_from([2, 3]), fmt=st.sampled_from(["csv", "jsonl"]))
def test_clean_shares_mean_a_clean_full_load_with_the_same_records(tmp_path_factory, txns, reps, bad_txns, bad_reps,
                                                                    jobs, fmt):
    """Whatever the rows: if every share comes back, the full load found nothing but header
    warnings and the shares' records together are exactly its records."""
    root = tmp_path_factory.mktemp("prop")
    files = {}
    for name, rows in (("transactions", txns + bad_txns), ("repayments", reps + bad_reps)):
        base = BASE[f"{name}.csv"]
        header = base.split("\n", 1)[0].split(",")
        all_rows = [line.split(",") for line in base.strip("\n").split("\n")[1:]] + [list(r) for r in rows]
        if fmt == "csv":
            files[f"{name}.csv"] = ",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in all_rows)
        else:
            files[f"{name}.csv"] = None
            files[f"{name}.jsonl"] = "".join(json.dumps(dict(zip(header, r)), ensure_ascii=False) + "\n"
                                             for r in all_rows)
    d = write_dir(root, files)
    results = shares(d, jobs)
    if any(r is None for r in results):
        return                                   # the run falls back to the full load: nothing to compare
    full = load_dataset(d, CFG, skip_invalid=True)
    assert all(p.severity == "warning" for p in full.problems)
    assert all(r.problems == full.problems for r in results)
    assert union(results, "transactions") == list(full.dataset.transactions)
    assert union(results, "repayments") == list(full.dataset.repayments)
