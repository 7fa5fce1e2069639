"""``load_dataset`` on good input in every supported shape, and its API (io.loader)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from baitiao_cli.engine.config import Billing, Config, DeferralCfg, Installments
from baitiao_cli.engine.model import Customer, Dataset, Deferral, Repayment, Txn
from baitiao_cli.errors import DataError, Problem, UsageError
from baitiao_cli.io.loader import LoadResult, find_data_file, load_dataset
from baitiao_cli.io.columns import build

from loader_fixtures import (
    BASE, CUSTOMERS, DEFERRALS, REPAYMENTS, TRANSACTIONS, as_json_array, as_jsonl, write_dir,
)

CFG = Config()


def load(d: Path, **kw) -> LoadResult:
    return load_dataset(d, CFG, **kw)


def expected_dataset() -> Dataset:
    return Dataset(
        customers=(
            Customer("C1", date(2025, 1, 5), 3, "张三", "13812345678", "110003199001011234",
                     Decimal("8000.00"), None),
            Customer("C2", date(2025, 2, 1), CFG.billing.statement_day, "李四", "13900001111", "",
                     Decimal("12000.00"), Decimal("5000.00")),
        ),
        transactions=(
            Txn("T1", "C1", date(2025, 1, 10), Decimal("1000.00"), "purchase", 3, None, None,
                "京东", "online", 0),
            Txn("T2", "C1", date(2025, 1, 15), Decimal("200.00"), "refund", 1, None, "T1",
                "京东", "online", 1),
            Txn("T3", "C2", date(2025, 2, 10), Decimal("99.90"), "purchase", 1, None, None,
                "shop", "offline_retail", 2),
            Txn("T4", "C2", date(2025, 2, 11), Decimal("1200.00"), "purchase", 12, Decimal("0.005"),
                None, "edu", "education", 3),
        ),
        repayments=(
            Repayment("R1", "C1", date(2025, 2, 12), Decimal("106.00"), "normal", "app", 0),
            Repayment("R2", "C2", date(2025, 3, 12), Decimal("50.00"), "normal", "bank", 1),
        ),
        deferrals=(Deferral("D1", "C2", date(2025, 3, 3), date(2025, 3, 5), 10, 0),),
    )


def assert_base(result: LoadResult) -> None:
    assert result.dataset == expected_dataset()
    assert [p for p in result.problems if p.severity == "error"] == []
    assert result.counts == {"customers": 2, "transactions": 4, "repayments": 2, "deferrals": 1}
    assert result.skipped == {"customers": 0, "transactions": 0, "repayments": 0, "deferrals": 0}


def test_csv_utf8(tmp_path):
    d = write_dir(tmp_path)
    r = load(d)
    assert_base(r)
    assert r.problems == ()
    assert r.files == {n: d / f"{n}.csv" for n in ("customers", "transactions", "repayments", "deferrals")}


def test_amounts_are_decimals_to_the_fen(tmp_path):
    r = load(write_dir(tmp_path))
    amounts = [t.amount for t in r.dataset.transactions]
    assert all(type(a) is Decimal and a.as_tuple().exponent == -2 for a in amounts)
    assert str(r.dataset.transactions[2].amount) == "99.90"


def test_fee_rate_none_when_empty_and_statement_day_resolved(tmp_path):
    cfg = Config(billing=Billing(statement_day=17))
    r = load_dataset(write_dir(tmp_path), cfg)
    assert r.dataset.transactions[0].fee_rate is None
    assert r.dataset.transactions[3].fee_rate == Decimal("0.005")
    assert [c.statement_day for c in r.dataset.customers] == [3, 17]


def test_csv_with_bom(tmp_path):
    d = write_dir(tmp_path, {name: b"\xef\xbb\xbf" + text.encode("utf-8") for name, text in BASE.items()})
    assert_base(load(d))


def test_crlf_line_endings(tmp_path):
    d = write_dir(tmp_path, {name: text.replace("\n", "\r\n") for name, text in BASE.items()})
    r = load(d)
    assert_base(r)
    assert r.problems == ()


def test_old_mac_cr_line_endings(tmp_path):
    d = write_dir(tmp_path, {name: text.replace("\n", "\r") for name, text in BASE.items()})
    assert_base(load(d))


def test_gbk_detected(tmp_path):
    """Excel on a Chinese Windows saves CSV in GBK (code page 936): detected without options."""
    d = write_dir(tmp_path, {"customers.csv": CUSTOMERS.encode("gbk"),
                             "transactions.csv": TRANSACTIONS.encode("gb18030")})
    r = load(d)
    assert_base(r)
    assert r.dataset.customers[0].name == "张三"
    assert r.dataset.transactions[0].merchant == "京东"


def test_encoding_option_overrides_detection(tmp_path):
    # Big5 bytes of traditional characters are also valid GB18030 (mojibake): --encoding decides.
    # --encoding applies to every CSV file of the run: all of them are Big5 (or ASCII) here.
    text = CUSTOMERS.replace("张三", "張三")
    d = write_dir(tmp_path, {"customers.csv": text.encode("big5"),
                             "transactions.csv": TRANSACTIONS.replace("京东", "JD")})
    assert load(d).dataset.customers[0].name != "張三"
    assert load(d, encoding="big5").dataset.customers[0].name == "張三"


def test_encoding_option_gbk(tmp_path):
    d = write_dir(tmp_path, {"customers.csv": CUSTOMERS.encode("gbk")})
    assert_base(load(d, encoding="gbk"))


def test_unknown_encoding_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="unknown encoding"):
        load(write_dir(tmp_path), encoding="klingon")


def test_jsonl(tmp_path):
    files = {f"{n}.csv": None for n in ("customers", "transactions", "repayments", "deferrals")}
    files.update({"customers.jsonl": as_jsonl(CUSTOMERS), "transactions.jsonl": as_jsonl(TRANSACTIONS),
                  "repayments.jsonl": as_jsonl(REPAYMENTS) + "\n\n",     # blank lines are ignored
                  "deferrals.jsonl": as_jsonl(DEFERRALS)})
    r = load(write_dir(tmp_path, files))
    assert_base(r)
    assert r.files["customers"].name == "customers.jsonl"


def test_json_with_numbers(tmp_path):
    """JSON numbers are read through their text: 99.9 -> Decimal('99.90'), never a float."""
    files = {"customers.csv": None, "transactions.csv": None, "repayments.csv": None,
             "deferrals.csv": None,
             "customers.json": as_json_array(CUSTOMERS, ("statement_day", "monthly_income", "credit_limit")),
             "transactions.json": as_json_array(TRANSACTIONS, ("amount", "installments", "fee_rate")),
             "repayments.json": as_json_array(REPAYMENTS, ("amount",)),
             "deferrals.json": as_json_array(DEFERRALS, ("days",))}
    d = write_dir(tmp_path, files)
    assert '"amount": 99.9,' in (d / "transactions.json").read_text(encoding="utf-8")
    r = load(d)
    assert_base(r)
    assert r.dataset.transactions[3].fee_rate == Decimal("0.005")


def test_json_null_is_an_empty_value(tmp_path):
    files = {"customers.csv": None,
             "customers.json": '[{"customer_id": "C1", "opened_on": "2025-01-05", "statement_day": null},'
                               ' {"customer_id": "C2", "opened_on": "2025-02-01"}]'}
    r = load(write_dir(tmp_path, files))
    assert [c.statement_day for c in r.dataset.customers] == [3, 3]


def test_json_line_numbers_are_object_start_lines(tmp_path):
    text = ('[\n  {"customer_id": "C1",\n   "opened_on": "2025-01-05"},\n\n'
            '  {"customer_id": "C2",\n   "opened_on": "2025-02-30"}\n]\n')
    d = write_dir(tmp_path, {"customers.csv": None, "customers.json": text})
    with pytest.raises(DataError) as e:
        load(d)
    bad = [p for p in e.value.problems if p.field == "opened_on"]
    assert [(p.line, p.file) for p in bad] == [(5, str(d / "customers.json"))]


def test_quoted_fields_and_multiline_do_not_shift_lines(tmp_path):
    text = (TRANSACTIONS
            + 'T5,C1,2025-01-20,10.00,,,,,"Shop, ""Best""\nsecond line",online\n'
            + "T6,C1,2025-01-21,-1,,,,,x,y\n")
    d = write_dir(tmp_path, {"transactions.csv": text})
    r = load(d, skip_invalid=True, whole_accounts=False)
    t5 = r.dataset.transactions[-1]
    assert t5.merchant == 'Shop, "Best"\nsecond line'
    assert [(p.line, p.field) for p in r.errors] == [(8, "amount")]
    # the commands' view: C1's own record is invalid, so its whole account is skipped — found
    # by re-reading line 8 after the multi-line record (line numbers must not shift there either)
    w = load(d, skip_invalid=True)
    assert [c.customer_id for c in w.dataset.customers] == ["C2"]
    assert {t.customer_id for t in w.dataset.transactions} <= {"C2"}


def test_blank_lines_and_empty_excel_rows_are_ignored(tmp_path):
    text = TRANSACTIONS.replace("\nT3", "\n\n,,,,,,,,,\nT3") + ",,,,,,,,,\n\n"
    r = load(write_dir(tmp_path, {"transactions.csv": text}))
    assert_base(r)
    assert r.problems == ()


def test_well_formed_last_line_without_newline(tmp_path):
    # Fine for customers and transactions (hand-made files); journals are only ever appended
    # whole lines, so there a missing newline is a torn write: tests/test_journal_torn.py.
    d = write_dir(tmp_path, {name: text.rstrip("\n") if name.startswith(("customers", "transactions")) else text
                             for name, text in BASE.items()})
    r = load(d)
    assert_base(r)
    assert r.problems == ()


def test_surrounding_spaces_and_case_are_forgiven(tmp_path):
    header = "Customer_ID , Opened_On,statement_day\n"
    d = write_dir(tmp_path, {"customers.csv": header + " C1 , 2025-01-05 , 03 \nC2,2025-02-01,\n"})
    r = load(d, skip_invalid=True)
    assert [(c.customer_id, c.opened_on, c.statement_day) for c in r.dataset.customers] == [
        ("C1", date(2025, 1, 5), 3), ("C2", date(2025, 2, 1), 3)]
    txt = TRANSACTIONS.replace("purchase,3", " Purchase ,3")
    r = load(write_dir(tmp_path, {"transactions.csv": txt}))
    assert r.dataset.transactions[0].type == "purchase"


def test_optional_journals_may_be_absent(tmp_path):
    d = write_dir(tmp_path, {"repayments.csv": None, "deferrals.csv": None})
    r = load(d)
    assert r.dataset.repayments == () and r.dataset.deferrals == ()
    assert set(r.files) == {"customers", "transactions"}
    assert r.counts["repayments"] == 0 and r.problems == ()


def test_header_only_files_are_zero_records(tmp_path):
    d = write_dir(tmp_path, {name: text.split("\n")[0] + "\n" for name, text in BASE.items()})
    r = load(d)
    assert r.dataset == Dataset((), (), (), ())
    assert r.problems == ()


def test_deferral_days_follow_config(tmp_path):
    d = write_dir(tmp_path, {"deferrals.csv": DEFERRALS.replace(",10\n", ",45\n")})
    with pytest.raises(DataError):
        load(d)
    r = load_dataset(d, Config(deferral=DeferralCfg(max_days=60)))
    assert r.dataset.deferrals[0].days == 45


def test_terms_follow_config(tmp_path):
    d = write_dir(tmp_path)
    with pytest.raises(DataError) as e:
        load_dataset(d, Config(installments=Installments(terms=(1, 3, 6, 24))))
    assert [(p.line, p.field) for p in e.value.problems] == [(5, "installments")]
    assert "unknown term 12" in e.value.problems[0].message


def test_record_order_is_file_order_and_seq_is_position(tmp_path):
    text = TRANSACTIONS.split("\n", 1)[0] + "\n" + "".join(
        f"X{i},C1,2025-02-{i + 1:02d},{i + 1}.00,,,,,,\n" for i in reversed(range(20)))
    r = load(write_dir(tmp_path, {"transactions.csv": text}))
    assert [t.txn_id for t in r.dataset.transactions] == [f"X{i}" for i in reversed(range(20))]
    assert [t.seq for t in r.dataset.transactions] == list(range(20))


def test_skip_invalid_returns_valid_records_and_problems(tmp_path):
    text = TRANSACTIONS + "T9,C1,2025-01-20,0,,,,,,\n"
    d = write_dir(tmp_path, {"transactions.csv": text})
    with pytest.raises(DataError) as e:
        load(d)
    assert [str(p) for p in e.value.problems] == [
        f"{d / 'transactions.csv'}:6: amount: amount must be greater than zero: '0'"]
    r = load(d, skip_invalid=True, whole_accounts=False)
    assert [t.txn_id for t in r.dataset.transactions] == ["T1", "T2", "T3", "T4"]
    assert r.counts["transactions"] == 5 and r.skipped["transactions"] == 1
    assert len(r.errors) == 1 and r.warnings == ()


def test_skip_invalid_cascades_from_a_rejected_customer(tmp_path):
    """C1 is rejected: its purchase, refund and repayment are skipped too, each listed."""
    d = write_dir(tmp_path, {"customers.csv": CUSTOMERS.replace("2025-01-05", "2025-13-05")})
    r = load(d, skip_invalid=True)
    assert [c.customer_id for c in r.dataset.customers] == ["C2"]
    assert [t.txn_id for t in r.dataset.transactions] == ["T3", "T4"]
    assert [x.repayment_id for x in r.dataset.repayments] == ["R2"]
    errs = [(Path(p.file).name, p.line, p.field) for p in r.errors]
    assert errs == [("customers.csv", 2, "opened_on"), ("transactions.csv", 2, "customer_id"),
                    ("transactions.csv", 3, "customer_id"), ("repayments.csv", 2, "customer_id")]
    assert "customer 'C1' was rejected" in r.errors[1].message
    assert f"{d / 'customers.csv'}:2" in r.errors[1].message
    assert r.skipped == {"customers": 1, "transactions": 2, "repayments": 1, "deferrals": 0}


def test_skip_invalid_cascades_from_a_rejected_purchase(tmp_path):
    d = write_dir(tmp_path, {"transactions.csv": TRANSACTIONS.replace("1000.00,purchase,3",
                                                                      "1000.00,purchase,4")})
    r = load(d, skip_invalid=True, whole_accounts=False)
    assert [t.txn_id for t in r.dataset.transactions] == ["T3", "T4"]
    assert [(p.line, p.field) for p in r.errors] == [(2, "installments"), (3, "ref_txn_id")]
    assert "refunds purchase 'T1', which was rejected (line 2)" in r.errors[1].message


def test_problems_in_file_then_line_order(tmp_path):
    d = write_dir(tmp_path, {
        "deferrals.csv": DEFERRALS + "D2,C1,2025-02-03,2025-02-04,0\n",
        "repayments.csv": REPAYMENTS + "R3,C1,2025-02-12,0,,\nR4,C1,2025-02-12,abc,,\n",
        "customers.csv": CUSTOMERS + "C3,x,,,,,,\n"})
    r = load(d, skip_invalid=True, whole_accounts=False)
    assert [(Path(p.file).stem, p.line) for p in r.problems] == [
        ("customers", 4), ("repayments", 4), ("repayments", 5), ("deferrals", 3)]


def test_data_error_carries_every_problem(tmp_path):
    d = write_dir(tmp_path, {"repayments.csv": REPAYMENTS + "R3,C1,2025-02-30,0,later,\n"})
    with pytest.raises(DataError) as e:
        load(d)
    assert [p.field for p in e.value.problems] == ["date", "amount", "kind"]
    assert all(isinstance(p, Problem) for p in e.value.problems)


def test_find_data_file(tmp_path):
    d = write_dir(tmp_path, {"deferrals.csv": None})
    assert find_data_file(d, "customers") == d / "customers.csv"
    assert find_data_file(d, "deferrals") is None
    (d / "deferrals.jsonl").write_text("")
    assert find_data_file(d, "deferrals") == d / "deferrals.jsonl"
    (d / "deferrals.json").write_text("[]")
    with pytest.raises(DataError) as e:
        find_data_file(d, "deferrals")
    assert "both deferrals.json and deferrals.jsonl exist" in str(e.value.problems[0])


def test_loading_leaves_gc_as_it_was(tmp_path):
    import gc
    d = write_dir(tmp_path)
    assert gc.isenabled()
    load(d)
    assert gc.isenabled()
    gc.disable()
    try:
        load(d)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("cls, args", [
    (Customer, ("C1", date(2025, 1, 1), 3)),
    (Txn, ("T1", "C1", date(2025, 1, 1), Decimal("1.00"), "refund", 3, Decimal("0.01"), "T0", "m", "c", 7)),
    (Repayment, ("R1", "C1", date(2025, 1, 1), Decimal("1.00"))),
    (Deferral, ("D1", "C1", date(2025, 1, 3), date(2025, 1, 1), 5, 2)),
])
def test_fast_path_builds_the_records_the_class_builds(cls, args):
    b = cls(*args)
    [a] = build(cls, *([v] for v in b))          # every field, defaults included
    with pytest.raises(AssertionError):
        build(cls, *([v] for v in args[:2]))     # never a short record
    assert type(a) is cls and a == b and hash(a) == hash(b) and repr(a) == repr(b)
    with pytest.raises(AttributeError):
        a.customer_id = "X"   # immutable
