"""``baitiao score`` for the customers of a data directory: JSON contract, hand-worked scores,
grades, limits, reasons, PSI, the shipped default model, errors and exit codes.

Most tests use a hand-made model with one feature, so the numbers can be worked by hand:

    ln(PD/(1-PD)) = ln(1/50) + 1.0 x WOE(current_dpd),  WOE = 0 for DPD 0, ln 2 for DPD >= 1

DPD 0 -> odds 50:1 -> PD 1/51 = 0.019608 -> score 600 (grade C); DPD >= 1 -> odds 25:1 ->
PD 2/52 = 0.038462 -> score 580 (grade D), 20 points lost on current_dpd (PDO 20).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.cli.score import DEFAULT_MODEL
from baitiao_cli.engine.features import FEATURE_NAMES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CONTRACT = ["customer_id", "score", "grade", "pd", "credit_limit", "allowed_terms", "reasons"]

DPD_MODEL = {
    "format": "baitiao-pd-model", "format_version": 1, "intercept": math.log(1 / 50), "unseen_woe": 0.0,
    "features": [{"name": "current_dpd", "type": "numeric", "coefficient": 1.0, "bins": [
        {"lower": None, "upper": 1, "woe": 0.0}, {"lower": 1, "upper": None, "woe": math.log(2)}]}],
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return tmp_path


def run(*args: str):
    r = CliRunner().invoke(app, ["score", *args])
    assert "Traceback" not in r.stdout + r.stderr
    return r


def run_json(*args: str):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path) -> Path:
    """As of 2025-06-30 (statement day 3, due on the 12th):

    - C1 income 5000: 1000.00 billed 06-03, paid 06-10 on time: DPD 0, nothing unpaid.
    - C2 income 800: 600.00 over 3 billed 06-03 (200.00 + 3.00), unpaid: DPD 18 on 06-30.
    - C3 no income, manual limit 50000.00: 100.00 billed 06-03, unpaid: DPD 18.
    - C4 opened 2025-12-01: not scored before then.
    """
    d = tmp_path / "data"
    d.mkdir()
    write(d / "customers.csv",
          "customer_id,name,phone,id_number,opened_on,statement_day,monthly_income,credit_limit\n"
          "C1,张三,13812345678,,2025-01-01,3,5000.00,\n"
          "C2,李四,13912345678,,2025-01-01,3,800.00,\n"
          "C3,\"=HYPERLINK(\"\"x\"\")\",,,2025-01-01,3,,50000.00\n"
          "C4,赵六,,,2025-12-01,3,9000.00,\n")
    write(d / "transactions.csv",
          "txn_id,customer_id,date,type,amount,installments,fee_rate,ref_txn_id,merchant,category\n"
          "T1,C1,2025-05-20,purchase,1000.00,1,,,,\n"
          "T2,C2,2025-05-20,purchase,600.00,3,,,,\n"
          "T3,C3,2025-05-20,purchase,100.00,1,,,,\n")
    write(d / "repayments.csv", "repayment_id,customer_id,date,amount,kind,channel\n"
                                "R1,C1,2025-06-10,1000.00,normal,app\n")
    (tmp_path / "dpd.json").write_text(json.dumps(DPD_MODEL), encoding="utf-8")
    return d


def base(book: Path, *args: str) -> list[str]:
    return ["--data-dir", str(book), "--model", str(book.parent / "dpd.json"), "--as-of", "2025-06-30", *args]


# --- hand-worked -------------------------------------------------------------------------------------

def test_every_customer_opened_by_as_of_with_hand_worked_numbers(book):
    obj = run_json(*base(book))
    assert list(obj) == ["as_of", "model", "customers", "summary"]
    assert obj["as_of"] == "2025-06-30" and obj["model"] == "dpd.json"
    got = {c["customer_id"]: c for c in obj["customers"]}
    assert list(got) == ["C1", "C2", "C3"]                  # C4 opened later
    for c in obj["customers"]:
        assert list(c)[:len(CONTRACT)] == CONTRACT
    c1, c2, c3 = got["C1"], got["C2"], got["C3"]
    # C1: PD 1/51, score 600, grade C: limit min(8000, 3 x 5000) = 8000, terms 1-12, 0.60%
    assert (c1["pd"], c1["score"], c1["grade"]) == ("0.019608", 600, "C")
    assert c1["credit_limit"] == "8000.00" and c1["allowed_terms"] == [1, 3, 6, 12] and c1["fee_rate"] == "0.0060"
    assert c1["reasons"] == [] and c1["available_credit"] == "8000.00" and c1["credit_line_frozen"] is False
    # C2: PD 2/52, score 580, grade D: limit min(3000, 3 x 800) = 2400; 18 DPD freezes the line
    assert (c2["pd"], c2["score"], c2["grade"]) == ("0.038462", 580, "D")
    assert c2["credit_limit"] == "2400.00" and c2["allowed_terms"] == [1, 3, 6] and c2["fee_rate"] == "0.0075"
    assert c2["reasons"] == ["18 days past due now (best-scoring: 0)"]
    assert c2["points_lost"]["current_dpd"] == "20.0"
    assert c2["unpaid_principal"] == "600.00" and c2["available_credit"] == "0.00"
    assert c2["credit_line_frozen"] is True and c2["dpd"] == 18
    # C3: the manual limit wins over the grade's
    assert c3["grade"] == "D" and c3["credit_limit"] == "50000.00" and c3["manual_limit"] is True
    assert c3["features"]["monthly_income"] is None and c3["features"]["current_dpd"] == 18
    assert set(c1["features"]) == set(FEATURE_NAMES)
    # expected defaults (issue 17): C 0.019608 -> 0.02; D 2 x 0.038462 = 0.076924 -> 0.08; all 0.096532 -> 0.10
    assert obj["summary"] == {"customers": 3, "grades": {"A": 0, "B": 0, "C": 1, "D": 2, "E": 0},
                              "expected_defaults": {"A": "0.00", "B": "0.00", "C": "0.02", "D": "0.08", "E": "0.00"},
                              "expected_defaults_total": "0.10"}


def test_one_customer_and_the_available_credit(book):
    obj = run_json(*base(book, "--customer", "C1"))
    assert [c["customer_id"] for c in obj["customers"]] == ["C1"]
    # before C1 paid: 1000.00 unpaid principal, not yet due (due 06-12) -> available 8000 - 1000
    obj = run_json("--data-dir", str(book), "--model", str(book.parent / "dpd.json"), "--as-of", "2025-06-05",
                   "--customer", "C1")
    c = obj["customers"][0]
    assert c["unpaid_principal"] == "1000.00" and c["available_credit"] == "7000.00" and c["dpd"] == 0


def test_psi_hand_worked(book):
    # 2025-05-31: nothing billed yet, all three at DPD 0 -> grade C (3 of 3).
    # 2025-06-30: C1 in C, C2 and C3 in D. Empty bins count as 0.0001.
    # C: (1/3 - 1) x ln((1/3) / 1) = 0.732408; D: (2/3 - 0.0001) x ln((2/3) / 0.0001) = 5.869024
    # A, B, E: (0.0001 - 0.0001) x ln 1 = 0.  PSI = 6.601432 -> 6.6014, "shifted"
    obj = run_json(*base(book, "--psi-against", "2025-05-31"))
    psi = obj["psi"]
    third = D(1) / 3
    expected = (third - 1) * third.ln() + (2 * third - D("0.0001")) * ((2 * third) / D("0.0001")).ln()
    assert psi["value"] == str(expected.quantize(D("0.0001"))) == "6.6014"
    assert psi["reading"] == "shifted" and psi["bins_by"] == "grade"
    assert (psi["against"], psi["as_of"], psi["expected_customers"], psi["actual_customers"]) == \
        ("2025-05-31", "2025-06-30", 3, 3)
    bins = {b["bin"]: b for b in psi["bins"]}
    assert list(bins) == ["A", "B", "C", "D", "E"]
    assert bins["C"]["expected_count"] == 3 and bins["C"]["actual_share"] == "0.3333"
    assert bins["C"]["contribution"] == "0.7324" and bins["D"]["contribution"] == "5.8690"
    assert bins["A"]["min_score"] == 620 and bins["A"]["max_score"] is None
    assert bins["E"]["min_score"] is None and bins["E"]["max_score"] == 539
    # a day earlier the grades are the same: PSI 0, stable
    psi = run_json(*base(book, "--psi-against", "2025-06-29"))["psi"]
    assert psi["value"] == "0.0000" and psi["reading"] == "stable"
    # nobody open on the earlier date: no PSI, and a warning
    r = run(*base(book, "--psi-against", "2024-12-01", "--format", "json"))
    assert r.exit_code == 0 and "no customer to score on 2024-12-01: no PSI" in r.stderr
    psi = json.loads(r.stdout)["psi"]
    assert psi["value"] is None and psi["expected_customers"] == 0


def test_table_and_csv(book):
    r = run(*base(book, "--psi-against", "2025-05-31"))
    assert r.exit_code == 0 and r.stderr == ""
    assert "3 customers scored on 2025-06-30 with dpd.json" in r.stdout
    assert "Grades" in r.stdout and "PSI 6.6014 (shifted" in r.stdout
    r = run(*base(book, "--format", "csv"))
    lines = r.stdout.splitlines()
    assert lines[0].startswith("customer_id,name,score,grade,pd,credit_limit,manual_limit,available_credit")
    # (issue 18: CSV booleans are true/false in every command; score wrote yes/empty)
    assert lines[2].startswith("C2,李四,580,D,0.038462,2400.00,false,0.00,1 3 6,0.0075,18,true,18 days past due now")
    assert lines[3].startswith("C3,\"'=HYPERLINK(\"\"x\"\")\",580")       # neutralised for Excel
    r = run(*base(book, "--customer", "C2"))
    assert r.exit_code == 0
    # (issue 18: the reasons are a table after the title, no longer lines above it)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("C2 李四 on 2025-06-30")
    assert any(l.split() == ["1", "18", "days", "past", "due", "now", "(best-scoring:", "0)"] for l in lines)
    assert "credit line frozen: 18 days past due" in r.stdout and "not in model" in r.stdout


def test_config_model_is_used_and_relative_to_the_config(book, isolated):
    sub = isolated / "conf"
    sub.mkdir()
    (sub / "dpd.json").write_text(json.dumps(DPD_MODEL), encoding="utf-8")
    write(sub / "config.toml", '[scoring]\nmodel = "dpd.json"\n')
    obj = run_json("--config", str(sub / "config.toml"), "--data-dir", str(book), "--as-of", "2025-06-30")
    assert obj["model"] == "dpd.json" and obj["customers"][1]["score"] == 580


def test_scaling_from_config_changes_the_score(book, isolated):
    write(isolated / "config.toml", "[scoring]\nbase_score = 500\n")
    obj = run_json(*base(book, "--customer", "C1"))
    assert obj["customers"][0]["score"] == 500       # PD 1/51 is at the base odds


# --- errors ------------------------------------------------------------------------------------------

def clean_failure(r, code: int, *fragments: str) -> None:
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert r.stdout == ""
    for f in fragments:
        assert f in r.stderr


def test_unknown_customer_and_customer_not_open_yet(book):
    clean_failure(run(*base(book, "--customer", "NOPE")), 1, "unknown customer 'NOPE'")
    clean_failure(run(*base(book, "--customer", "C4")), 1, "opened on 2025-12-01, after --as-of 2025-06-30")
    clean_failure(run(*base(book, "--customer", "a b")), 2, "--customer")


def test_option_combinations(book):
    clean_failure(run(*base(book, "--psi-against", "2025-06-30")), 2, "must be before --as-of")
    clean_failure(run(*base(book, "--psi-against", "2025-05-01", "--customer", "C1")), 2, "not with --customer")
    clean_failure(run(*base(book, "--psi-against", "2025-05-01", "--features", "x.csv")), 2, "not with --features")
    clean_failure(run(*base(book, "--psi-against", "2025-13-01")), 2, "--psi-against")
    clean_failure(run(*base(book, "--id-column", "x")), 2, "--id-column goes with --features")


def test_a_model_of_other_columns_is_refused(book, tmp_path):
    m = tmp_path / "other.json"
    m.write_text(json.dumps({**DPD_MODEL, "features": [{**DPD_MODEL["features"][0], "name": "age"}]}))
    clean_failure(run("--data-dir", str(book), "--model", str(m), "--as-of", "2025-06-30"), 1,
                  "other.json", "not customer features (age)")
    clean_failure(run("--data-dir", str(book), "--model", str(tmp_path / "none.json")), 1, "model file not found")


def test_invalid_data_is_refused_and_skip_invalid_scores_the_rest(book):
    with (book / "transactions.csv").open("a", encoding="utf-8") as f:
        f.write("T9,C9,2025-05-20,purchase,10.00,1,,,,\n")
    r = run(*base(book))
    assert r.exit_code == 1 and r.stdout == "" and "transactions.csv:5" in r.stderr
    r = run(*base(book, "--skip-invalid", "--format", "json"))
    assert r.exit_code == 1 and "transactions.csv:5" in r.stderr
    assert len(json.loads(r.stdout)["customers"]) == 3


# --- the shipped default model on the sample data -----------------------------------------------------

def test_shipped_model_scores_the_sample_data():
    assert DEFAULT_MODEL.is_file()
    obj = run_json("--data-dir", str(SAMPLE), "--as-of", "2026-11-03", "--psi-against", "2026-05-03")
    assert obj["model"] == "default_model.json" and len(obj["customers"]) == 40
    grades = {"A", "B", "C", "D", "E"}
    for c in obj["customers"]:
        assert list(c)[:len(CONTRACT)] == CONTRACT
        assert c["grade"] in grades and 0 < D(c["pd"]) < 1 and len(c["pd"]) == 8
        assert len(c["reasons"]) <= 4 and all(isinstance(x, str) and x for x in c["reasons"])
        assert isinstance(c["score"], int)
    # the customers 100+ days past due on the demo date score lowest and have no new credit
    worst = {c["customer_id"]: c for c in obj["customers"] if c["dpd"] > 90}
    assert worst and all(c["grade"] == "E" and c["credit_line_frozen"] for c in worst.values())
    assert obj["psi"]["reading"] in ("stable", "watch", "shifted")
    # the same run twice: the same bytes
    r1 = run("--data-dir", str(SAMPLE), "--as-of", "2026-11-03", "--format", "json")
    r2 = run("--data-dir", str(SAMPLE), "--as-of", "2026-11-03", "--format", "json")
    assert r1.stdout == r2.stdout


def test_shipped_model_is_self_describing():
    doc = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    assert doc["format"] == "baitiao-pd-model" and doc["feature_set"] == "baitiao-customer-features/1"
    for key in ("trained_on", "rows", "metrics", "command", "equivalent_commands", "history", "source"):
        assert key in doc
    assert doc["command"].startswith("python benchmarks/train_default_model.py")
    assert {f["name"] for f in doc["features"]} <= set(FEATURE_NAMES)
    assert doc["history"]["window_complete"] is True
    assert float(doc["metrics"]["test"]["auc"]) > 0.75  # float-ok: a statistic


def test_customer_scoring_does_not_import_numpy(book):
    code = ("import sys\nfrom baitiao_cli.cli.app import app\n"
            f"try:\n    app(['score', '--data-dir', {str(book)!r}, '--as-of', '2025-06-30', '--format', 'json'])\n"
            "except SystemExit as e:\n    assert e.code in (0, None), e.code\n"
            "assert 'numpy' not in sys.modules, 'numpy imported on the scoring path'\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
