"""``baitiao overdue-report`` through the CLI: the book, roll rates, formats, the --out worklist,
privacy, grace days from a config file, exit codes.

Default config (an empty config file): statement day 3, due = statement + 9, late fee
0.05 %/day, grace 0, LGD 0.45, PD 0.02 / 0.20 / 1. A 100.00 pay-in-full purchase of 2026-01-10
is billed 2026-02-03 and due 2026-02-12; unpaid it accrues 0.05 a day (exact).

The book (everyone statement day 3, opened 2026-01-01 except G, opened 2025-12-01):
- A 100.00 on 01-10, never paid.  03-01: DPD 17, M1, EAD 100 + 17 x 0.05 = 100.85.
  04-01: DPD 48 (02-12 + 16 + 31 + 1), M2, late fee 48 x 0.05 = 2.40, EAD 102.40.
- B 100.00 on 01-10, pays 200.00 on 03-10 (overpaid: credit).  03-01: M1 100.85.  04-01: owes nothing.
- C 100.00 on 01-10; pays 101.30 on 03-10 = late fee posted 03-03 (02-13..03-03, 19 x 0.05 = 0.95)
  + accrued 03-04..03-10 (7 x 0.05 = 0.35) + 100.00; buys 50.00 on 03-20 (billed 04-03).
  03-01: M1 100.85.  04-01: current, owes the unbilled 50.00.
- D 100.00 on 03-05 (billed 04-03).  03-01: nothing owed (new).  04-01: current 100.00.
- E 80.00 on 02-10 (billed 03-03, due 03-12), never paid; name =HYPERLINK("x").
  03-01: current, 80.00 unbilled.  04-01: DPD 20, M1, late fee 20 x 0.04 = 0.80, EAD 80.80.
- F 60.00 on 02-10, paid 60.00 on its due date 03-12; 40.00 on 03-15 (billed 04-03).
  03-01: current 60.00.  04-01: current 40.00.
- G 100.00 on 2025-12-10 (billed 2026-01-03, due 01-12), never paid.  03-01: DPD 48, M2,
  EAD 100 + 2.40 = 102.40.  04-01: DPD 79, M3, late fee 79 x 0.05 = 3.95, EAD 103.95.
- H no purchases: never in the book.
- I 200.00 on 01-10, never paid.  03-01: DPD 17, M1, EAD 200 + 17 x 0.10 = 201.70.
  04-01: DPD 48, M2, late fee 48 x 0.10 = 4.80, EAD 204.80.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app

CUSTOMERS = """customer_id,name,phone,id_number,opened_on,statement_day
A,张三,13812345678,110003199001011234,2026-01-01,3
B,李四,13900001111,110008199202022345,2026-01-01,3
C,王五,13700002222,,2026-01-01,3
D,赵六,13600003333,,2026-01-01,3
E,"=HYPERLINK(""x"")",13500004444,,2026-01-01,3
F,钱七,13400005555,,2026-01-01,3
G,孙八,13300006666,,2025-12-01,3
H,周九,13200007777,,2026-01-01,3
I,吴十,13100008888,,2026-01-01,3
"""
TRANSACTIONS = """txn_id,customer_id,date,amount,installments
TA,A,2026-01-10,100.00,1
TB,B,2026-01-10,100.00,1
TC1,C,2026-01-10,100.00,1
TC2,C,2026-03-20,50.00,1
TD,D,2026-03-05,100.00,1
TE,E,2026-02-10,80.00,1
TF1,F,2026-02-10,60.00,1
TF2,F,2026-03-15,40.00,1
TG,G,2025-12-10,100.00,1
TI,I,2026-01-10,200.00,1
"""
REPAYMENTS = """repayment_id,customer_id,date,amount
RB,B,2026-03-10,200.00
RC,C,2026-03-10,101.30
RF,F,2026-03-12,60.00
"""
PHONES = ["13812345678", "13900001111", "13700002222", "13600003333", "13500004444", "13400005555",
          "13300006666", "13200007777", "13100008888"]
ID_NUMBERS = ["110003199001011234", "110008199202022345"]

ACCOUNT_KEYS = ["customer_id", "dpd", "bucket", "overdue_amount", "late_fee", "action", "stage", "regulatory_class"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return tmp_path


def make_dir(root: Path, customers: str, transactions: str, repayments: str = "", deferrals: str = "",
             name: str = "data") -> Path:
    d = root / name
    d.mkdir()
    (d / "customers.csv").write_text(customers, encoding="utf-8")
    (d / "transactions.csv").write_text(transactions, encoding="utf-8")
    (d / "repayments.csv").write_text(repayments or "repayment_id,customer_id,date,amount\n", encoding="utf-8")
    (d / "deferrals.csv").write_text(deferrals or "deferral_id,customer_id,statement_date,date,days\n",
                                     encoding="utf-8")
    return d


def make_config(root: Path, text: str = "", name: str = "config.toml") -> Path:
    p = root / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def book(tmp_path) -> Path:
    return make_dir(tmp_path, CUSTOMERS, TRANSACTIONS, REPAYMENTS)


@pytest.fixture
def cfg(tmp_path) -> Path:
    return make_config(tmp_path)


def run(data: Path, cfg: Path, *args: str):
    result = CliRunner().invoke(app, ["overdue-report", "--data-dir", str(data), "--config", str(cfg), *args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def report(data: Path, cfg: Path, *args: str) -> dict:
    r = run(data, cfg, *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    return json.loads(r.stdout)


# --- the book ------------------------------------------------------------------------------------

def test_accounts_on_the_report_date(book, cfg):
    j = report(book, cfg, "--as-of", "2026-04-01")
    assert j["as_of"] == "2026-04-01"
    acc = {a["customer_id"]: a for a in j["accounts"]}
    # B paid off, C/D/F current, H never used: only the overdue ones are listed
    assert sorted(acc) == ["A", "E", "G", "I"]
    assert {k: acc["A"][k] for k in ACCOUNT_KEYS} == {
        "customer_id": "A", "dpd": 48, "bucket": "M2", "overdue_amount": "100.00", "late_fee": "2.40",
        "action": "inhouse_collector", "stage": 2, "regulatory_class": "special_mention"}
    assert acc["A"]["total_owed"] == "102.40"
    assert acc["A"]["ecl"] == "9.22"                 # 0.20 x 0.45 x 102.40 = 9.216
    assert acc["A"]["action_since"] == "2026-03-15"  # 02-12 + 31
    assert acc["A"]["oldest_due_date"] == "2026-02-12"
    assert acc["A"]["frozen"] is True
    assert acc["A"]["phone"] == "138****5678" and acc["A"]["name"] == "张三"
    assert (acc["G"]["dpd"], acc["G"]["bucket"], acc["G"]["late_fee"], acc["G"]["action"]) == \
        (79, "M3", "3.95", "external_agency")
    assert acc["G"]["action_since"] == "2026-03-14"  # 01-12 + 61
    assert acc["G"]["ecl"] == "9.36"                 # 0.09 x 103.95 = 9.3555
    assert (acc["E"]["dpd"], acc["E"]["bucket"], acc["E"]["stage"], acc["E"]["ecl"]) == (20, "M1", 1, "0.73")
    assert acc["E"]["action"] == "phone_call" and acc["E"]["action_since"] == "2026-03-19"  # 03-12 + 7
    assert acc["I"]["ecl"] == "18.43"                # 0.09 x 204.80 = 18.432
    # priority: G (severity 4), then I and A (severity 3: 200.00 before 100.00), then E (severity 2)
    assert [a["customer_id"] for a in j["accounts"]] == ["G", "I", "A", "E"]


def test_portfolio_summary(book, cfg):
    s = report(book, cfg, "--as-of", "2026-04-01")["summary"]
    # in the book: A C D E F G I (7); B and H owe nothing
    assert (s["accounts_total"], s["accounts"], s["accounts_without_balance"]) == (9, 7, 2)
    # receivables = 102.40 + 50.00 + 100.00 + 80.80 + 40.00 + 103.95 + 204.80 = 681.95
    assert s["receivables"] == "681.95"
    assert (s["overdue_accounts"], s["overdue_amount"], s["late_fee"], s["frozen_accounts"]) == \
        (4, "480.00", "11.95", 4)        # 100 + 200 + 100 + 80; 2.40 + 4.80 + 3.95 + 0.80
    b = {x["bucket"]: x for x in s["buckets"]}
    assert [x["bucket"] for x in s["buckets"]] == ["current", "M1", "M2", "M3", "M4", "M5", "M6", "M6+"]
    # current C D F: 50 + 100 + 40 = 190.00, 190.00 / 681.95 = 0.27861 -> 0.2786, 3 / 7 = 0.4286
    assert (b["current"]["accounts"], b["current"]["amount"], b["current"]["share_of_receivables"],
            b["current"]["share_of_accounts"]) == (3, "190.00", "0.2786", "0.4286")
    assert (b["M1"]["accounts"], b["M1"]["amount"], b["M1"]["share_of_receivables"]) == (1, "80.80", "0.1185")
    # M2 A I: 102.40 + 204.80 = 307.20 / 681.95 = 0.45047 -> 0.4505
    assert (b["M2"]["accounts"], b["M2"]["amount"], b["M2"]["share_of_receivables"]) == (2, "307.20", "0.4505")
    assert (b["M3"]["accounts"], b["M3"]["amount"], b["M3"]["share_of_receivables"]) == (1, "103.95", "0.1524")
    assert b["M4"]["accounts"] == 0 and b["M1"]["dpd"] == "1-30" and b["M6+"]["dpd"] == "181+"
    dl = s["delinquency"]
    # 1+: 4 / 7 = 0.5714; 80.80 + 307.20 + 103.95 = 491.95 / 681.95 = 0.72139 -> 0.7214
    assert dl["1+"] == {"accounts": 4, "rate_by_count": "0.5714", "amount": "491.95", "rate_by_amount": "0.7214"}
    # 30+ (more than 30 DPD): A G I: 3 / 7 = 0.4286; 411.15 / 681.95 = 0.60291 -> 0.6029
    assert dl["30+"] == {"accounts": 3, "rate_by_count": "0.4286", "amount": "411.15", "rate_by_amount": "0.6029"}
    assert dl["90+"] == {"accounts": 0, "rate_by_count": "0.0000", "amount": "0.00", "rate_by_amount": "0.0000"}
    e = s["ecl"]
    # stage 1: C 0.009 x 50 = 0.45, D 0.90, F 0.36, E 0.009 x 80.80 = 0.7272 -> 0.73: 2.44 on 270.80
    # stage 2: A 9.22 + I 18.43 + G 9.36 = 37.01 on 411.15
    assert e["by_stage"] == [
        {"stage": 1, "pd": "0.0200", "accounts": 4, "ead": "270.80", "ecl": "2.44"},
        {"stage": 2, "pd": "0.2000", "accounts": 3, "ead": "411.15", "ecl": "37.01"},
        {"stage": 3, "pd": "1.0000", "accounts": 0, "ead": "0.00", "ecl": "0.00"},
    ]
    assert (e["lgd"], e["total"], e["ead"]) == ("0.4500", "39.45", "681.95")
    assert e["coverage"] == "0.0578"                 # 39.45 / 681.95 = 0.05785
    classes = {c["class"]: c for c in s["regulatory_classes"]}
    assert (classes["normal"]["accounts"], classes["special_mention"]["accounts"]) == (3, 4)
    assert classes["special_mention"]["label"] == "关注"
    # largest overdue exposures by total owed: I 204.80, G 103.95, A 102.40, E 80.80
    assert [(t["customer_id"], t["total_owed"]) for t in s["top_exposures"]] == \
        [("I", "204.80"), ("G", "103.95"), ("A", "102.40"), ("E", "80.80")]
    assert "roll_rates" not in s


def test_roll_rates_over_two_dates(book, cfg):
    rr = report(book, cfg, "--as-of", "2026-04-01", "--compare", "2026-03-01")["summary"]["roll_rates"]
    assert (rr["from"], rr["to"]) == ("2026-03-01", "2026-04-01")
    assert rr["columns"] == ["current", "M1", "M2", "M3", "M4", "M5", "M6", "M6+", "paid_off", "written_off"]
    rows = {r["from_bucket"]: r for r in rr["rows"]}

    def cell(frm, to):
        c = rows[frm]["to"][to]
        return c["accounts"], c["amount"]

    # hand count: current on 03-01 = E (80.00), F (60.00); M1 = A, B, C (100.85 each), I (201.70); M2 = G (102.40)
    assert (rows["current"]["accounts"], rows["current"]["amount"]) == (2, "140.00")
    assert cell("current", "current") == (1, "60.00")     # F
    assert cell("current", "M1") == (1, "80.00")          # E
    assert (rows["M1"]["accounts"], rows["M1"]["amount"]) == (4, "504.25")   # 3 x 100.85 + 201.70
    assert cell("M1", "M2") == (2, "302.55")              # A 100.85 + I 201.70
    assert cell("M1", "current") == (1, "100.85")         # C cured
    assert cell("M1", "paid_off") == (1, "100.85")        # B
    assert cell("M1", "M1") == (0, "0.00")
    assert cell("M2", "M3") == (1, "102.40")              # G
    assert rows["M1"]["to"]["M2"]["rate_by_count"] == "0.5000"     # 2 / 4
    assert rows["M1"]["to"]["M2"]["rate_by_amount"] == "0.6000"    # 302.55 / 504.25
    assert rows["M2"]["to"]["M3"]["rate_by_count"] == "1.0000"
    for frm in ("M3", "M4", "M5", "M6", "M6+"):
        assert rows[frm]["accounts"] == 0
    # every cell not named above is empty
    named = {("current", "current"), ("current", "M1"), ("M1", "M2"), ("M1", "current"), ("M1", "paid_off"),
             ("M2", "M3")}
    for frm, row in rows.items():
        for to, c in row["to"].items():
            if (frm, to) not in named:
                assert c["accounts"] == 0, (frm, to)
    assert (rr["new_accounts"], rr["new_amount"]) == (1, "100.00")   # D


def test_table_has_the_bar_chart_and_chinese_class(book, cfg):
    r = run(book, cfg, "--as-of", "2026-04-01", "--compare", "2026-03-01")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "\x1b[" not in out                        # piped: no colours
    assert "关注" in out and "OVERDUE REPORT 2026-04-01" in out
    section = out.split("Buckets (amount = total owed; % amount = share of receivables)\n", 1)[1].split("\n\n", 1)[0]
    lines = {ln.split()[0]: ln for ln in section.splitlines() if ln.split()}
    # M2 holds the largest amount (307.20): the full 16-cell bar; current 190.00: 190.00 x 16 x 8 / 307.20
    # = 79.2 -> 79 eighths = 9 full cells + "▉" (7/8); M4 is empty: no block at all
    assert "█" * 16 in lines["M2"]
    assert "█" * 9 + "▉" + " " in lines["current"] + " "
    assert "█" not in lines["M4"] and "▏" not in lines["M4"]
    assert "Roll rates 2026-03-01 → 2026-04-01" in out
    assert "57.14%" in out                           # 1+ by count


def test_csv_format_is_the_account_rows(book, cfg):
    r = run(book, cfg, "--as-of", "2026-04-01", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][:8] == ["customer_id", "name", "phone", "dpd", "bucket", "overdue_amount", "late_fee", "total_owed"]
    assert [row[0] for row in rows[1:]] == ["G", "I", "A", "E"]
    assert not r.stdout.startswith("\ufeff")


# --- the worklist, privacy, Excel safety -----------------------------------------------------------

def test_out_worklist_for_excel_in_priority_order(book, cfg, tmp_path):
    out = tmp_path / "worklist.csv"
    r = run(book, cfg, "--as-of", "2026-04-01", "--out", str(out), "--format", "json")
    assert r.exit_code == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    head = rows[0]
    assert head[:6] == ["priority", "customer_id", "name", "phone", "action", "action_since"]
    recs = [dict(zip(head, row)) for row in rows[1:]]
    assert [(x["priority"], x["customer_id"], x["action"]) for x in recs] == [
        ("1", "G", "external_agency"), ("2", "I", "inhouse_collector"), ("3", "A", "inhouse_collector"),
        ("4", "E", "phone_call")]
    g = recs[0]
    # to cure = overdue 100.00 + late fee 3.95
    assert (g["overdue_amount"], g["late_fee"], g["to_cure"], g["total_owed"], g["frozen"]) == \
        ("100.00", "3.95", "103.95", "103.95", "true")   # (issue 18: CSV booleans true/false; was yes/no)
    assert (g["class_label"], g["stage"], g["dpd"], g["bucket"]) == ("关注", "2", "79", "M3")
    assert not list(tmp_path.glob(".worklist.csv.*"))      # no temporary file left behind


def test_formula_name_is_neutralised_in_csv_and_out(book, cfg, tmp_path):
    out = tmp_path / "w.csv"
    r = run(book, cfg, "--as-of", "2026-04-01", "--format", "csv", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    for text in (r.stdout, out.read_bytes().decode("utf-8-sig")):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        names = [row[rows[0].index("name")] for row in rows[1:]]
        assert "'=HYPERLINK(\"x\")" in names
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_no_phone_or_id_number_unmasked_in_any_format(book, cfg, tmp_path, fmt):
    out = tmp_path / f"w-{fmt}.csv"
    r = run(book, cfg, "--as-of", "2026-04-01", "--compare", "2026-03-01", "--format", fmt, "--out", str(out))
    assert r.exit_code == 0, r.stderr
    texts = [r.stdout, r.stderr, out.read_bytes().decode("utf-8-sig")]
    for text in texts:
        for secret in PHONES + ID_NUMBERS:
            assert secret not in text
            assert secret[-8:] not in text            # not even most of it
    assert "138****5678" in r.stdout and "138****5678" in texts[2]


# --- scenarios through the CLI -------------------------------------------------------------------

ONE = "customer_id,name,phone,opened_on,statement_day\nC1,张三,13812345678,2026-01-01,3\n"
ONE_BUY = "txn_id,customer_id,date,amount,installments\nT1,C1,2026-01-10,100.00,1\n"


def test_grace_days_zero_and_three_from_a_config_file(tmp_path):
    # paid 100.00 on 02-15, three days after the 02-12 due date
    data = make_dir(tmp_path, ONE, ONE_BUY, "repayment_id,customer_id,date,amount\nR1,C1,2026-02-15,100.00\n")
    g0 = make_config(tmp_path, "[billing]\ngrace_days = 0\n", "g0.toml")
    g3 = make_config(tmp_path, "[billing]\ngrace_days = 3\n", "g3.toml")
    # grace 0, 02-14: DPD 2, late fee 2 x 0.05 = 0.10, SMS since 02-13
    a = report(data, g0, "--as-of", "2026-02-14")["accounts"]
    assert [(x["dpd"], x["bucket"], x["late_fee"], x["action_since"]) for x in a] == [(2, "M1", "0.10", "2026-02-13")]
    # grace 3, 02-14 and 02-15: inside grace -> current, not listed
    assert report(data, g3, "--as-of", "2026-02-14")["accounts"] == []
    # grace 0, 02-20: the 02-15 payment first pays the late fee 02-13..02-15 = 3 x 0.05 = 0.15, then
    # 99.85 of principal: 0.15 stays overdue, DPD 8; its late fee 5 x 0.15 x 0.0005 = 0.000375 -> 0.00
    a = report(data, g0, "--as-of", "2026-02-20")["accounts"]
    assert [(x["dpd"], x["overdue_amount"], x["late_fee"]) for x in a] == [(8, "0.15", "0.00")]
    # grace 3, 02-20: paid within grace -> no late fee, nothing owed, drops out
    j = report(data, g3, "--as-of", "2026-02-20")
    assert j["accounts"] == [] and j["summary"]["accounts"] == 0 and j["summary"]["accounts_without_balance"] == 1


def test_grace_three_action_dates(tmp_path):
    data = make_dir(tmp_path, ONE, ONE_BUY)
    g3 = make_config(tmp_path, "[billing]\ngrace_days = 3\n")
    assert report(data, g3, "--as-of", "2026-02-15")["accounts"] == []        # due + 3: within grace
    a = report(data, g3, "--as-of", "2026-02-16")["accounts"][0]
    # DPD from the due date: 4; SMS due from the first overdue day 02-16 (not 02-12 + 1)
    assert (a["dpd"], a["bucket"], a["action"], a["action_since"], a["frozen"]) == \
        (4, "M1", "sms_reminder", "2026-02-16", True)
    assert a["late_fee"] == "0.20"                                           # 02-13..02-16: 4 x 0.05


@pytest.mark.parametrize("as_of, dpd, bucket", [
    ("2026-02-12", 0, None), ("2026-02-13", 1, "M1"), ("2026-03-14", 30, "M1"), ("2026-03-15", 31, "M2"),
    ("2026-04-13", 60, "M2"), ("2026-04-14", 61, "M3"), ("2026-05-13", 90, "M3"), ("2026-05-14", 91, "M4"),
    ("2026-08-11", 180, "M6"), ("2026-08-12", 181, "M6+"),
])
def test_dpd_boundaries_through_the_cli(tmp_path, cfg, as_of, dpd, bucket):
    # due 2026-02-12; as_of - 02-12 = DPD (see the engine test for the day counts)
    data = make_dir(tmp_path, ONE, ONE_BUY)
    j = report(data, cfg, "--as-of", as_of)
    if bucket is None:
        assert j["accounts"] == []
        assert j["summary"]["buckets"][0] == {"bucket": "current", "dpd": "0", "accounts": 1, "amount": "100.00",
                                              "share_of_accounts": "1.0000", "share_of_receivables": "1.0000"}
    else:
        [a] = j["accounts"]
        assert (a["dpd"], a["bucket"], a["late_fee"]) == (dpd, bucket, f"{dpd * 5 // 100}.{dpd * 5 % 100:02d}")


def test_late_fee_across_a_partial_payment(tmp_path, cfg):
    data = make_dir(tmp_path, ONE, "txn_id,customer_id,date,amount\nT1,C1,2026-01-10,200.00\n",
                    "repayment_id,customer_id,date,amount\nR1,C1,2026-02-20,100.00\n")
    # 02-13..02-20: 8 x 200.00 x 0.0005 = 0.80 paid first; principal 200.00 - 99.20 = 100.80
    # 03-05: posted 03-03: 11 x 100.80 x 0.0005 = 0.5544 -> 0.55; accrued 03-04..05: 0.1008 -> 0.10
    [a] = report(data, cfg, "--as-of", "2026-03-05")["accounts"]
    assert (a["dpd"], a["overdue_amount"], a["late_fee"], a["total_owed"]) == (21, "100.80", "0.65", "101.45")


def test_deferred_statement_counts_from_the_new_due_date(tmp_path, cfg):
    data = make_dir(tmp_path, ONE, "txn_id,customer_id,date,amount\nT1,C1,2026-01-10,300.00\n",
                    deferrals="deferral_id,customer_id,statement_date,date,days\nDF1,C1,2026-02-03,2026-02-10,10\n")
    # due 02-12 + 10 = 02-22: on 02-20 current; fee 1 % x 300.00 = 3.00 due with it
    assert report(data, cfg, "--as-of", "2026-02-20")["accounts"] == []
    [a] = report(data, cfg, "--as-of", "2026-02-25")["accounts"]
    # DPD 3; late fee 3 x 303.00 x 0.0005 = 0.4545 -> 0.45
    assert (a["dpd"], a["overdue_amount"], a["late_fee"], a["oldest_due_date"]) == (3, "303.00", "0.45", "2026-02-22")


def test_fully_repaid_account_drops_out(tmp_path, cfg):
    data = make_dir(tmp_path, ONE, ONE_BUY, "repayment_id,customer_id,date,amount\nR1,C1,2026-02-20,100.40\n")
    assert len(report(data, cfg, "--as-of", "2026-02-19")["accounts"]) == 1
    # 100.00 + 8 days x 0.05 = 100.40 paid on 02-20: nothing left
    j = report(data, cfg, "--as-of", "2026-02-25")
    assert j["accounts"] == []
    assert (j["summary"]["accounts"], j["summary"]["receivables"]) == (0, "0.00")
    assert j["summary"]["delinquency"]["1+"]["rate_by_count"] == "0.0000"


def test_config_buckets_ladder_and_ecl(tmp_path):
    data = make_dir(tmp_path, ONE, ONE_BUY)
    c = make_config(tmp_path, """
[overdue]
buckets = { ok = 0, late = 1, bad = 16 }
freeze_from_day = 20
actions = [ { from_day = 3, action = "sms" }, { from_day = 16, action = "agency" } ]
[ecl]
lgd = "0.50"
pd_stage1 = "0.10"
""")
    [a] = report(data, c, "--as-of", "2026-02-28")["accounts"]        # DPD 16
    assert (a["bucket"], a["action"], a["action_since"], a["frozen"]) == ("bad", "agency", "2026-02-28", False)
    # stage 1: 0.10 x 0.50 x (100.00 + 16 x 0.05 = 100.80) = 5.04
    assert (a["stage"], a["pd"], a["ecl"]) == (1, "0.1000", "5.04")


# --- errors and exit codes ---------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--as-of", "2026-02-30"], ["--as-of", "yesterday"], ["--as-of", "2026-04-01", "--compare", "x"],
    ["--as-of", "2026-04-01", "--compare", "2026-04-01"], ["--as-of", "2026-04-01", "--compare", "2026-05-01"],
    ["--format", "xml"],
])
def test_bad_options_exit_2(book, cfg, args):
    r = run(book, cfg, *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == ""


def test_out_is_a_folder_exit_2(book, cfg, tmp_path):
    r = run(book, cfg, "--as-of", "2026-04-01", "--out", str(tmp_path))
    assert r.exit_code == 2 and "--out" in r.stderr


def test_out_in_a_missing_folder_is_created_like_bill_out(book, cfg, tmp_path):
    r = run(book, cfg, "--as-of", "2026-04-01", "--out", str(tmp_path / "nope" / "w.csv"))
    assert r.exit_code == 0 and (tmp_path / "nope" / "w.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_out_that_cannot_be_written_exit_1(book, cfg, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run(book, cfg, "--as-of", "2026-04-01", "--out", str(blocker / "w.csv"))
    assert r.exit_code == 1 and "--out" in r.stderr and "Traceback" not in r.stderr


def test_invalid_data_exit_1_and_nothing_written(tmp_path, cfg):
    data = make_dir(tmp_path, ONE, "txn_id,customer_id,date,amount\nT1,C1,2026-01-10,12.345\nT2,C9,2026-01-10,5.00\n")
    out = tmp_path / "w.csv"
    r = run(data, cfg, "--as-of", "2026-04-01", "--out", str(out))
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "transactions.csv:2" in r.stderr and "transactions.csv:3" in r.stderr
    assert not out.exists()


def test_skip_invalid_reports_the_valid_accounts_and_exits_1(tmp_path, cfg):
    data = make_dir(tmp_path, ONE, ONE_BUY + "T2,C9,2026-01-10,5.00,1\n")
    out = tmp_path / "w.csv"
    r = run(data, cfg, "--as-of", "2026-03-01", "--skip-invalid", "--format", "json", "--out", str(out))
    assert r.exit_code == 1
    assert [a["customer_id"] for a in json.loads(r.stdout)["accounts"]] == ["C1"]
    assert "transactions.csv:3" in r.stderr
    assert out.exists()
