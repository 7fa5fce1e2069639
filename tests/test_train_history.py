"""``baitiao train --from-history``: features on the observation date, 90+ DPD label over the next
12 months, the trainer, the model file; the default-model script's determinism on a tiny book."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.engine.features import FEATURE_NAMES
from baitiao_cli.io.modelfile import read_model
from baitiao_cli.services.training import saved_table_command

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
sys.path.insert(0, str(ROOT))

from benchmarks.generate import generate  # noqa: E402
from benchmarks import train_default_model  # noqa: E402

OBS = "2025-06-25"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return tmp_path


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory) -> Path:
    """400 generated customers, opened 2024-07 .. 2024-10, events to 2026-06-30."""
    d = tmp_path_factory.mktemp("book")
    generate(d, customers=400, seed=5, start="2024-07-01", as_of="2026-06-30")
    return d


def run(*args: str):
    r = CliRunner().invoke(app, list(args))
    assert "Traceback" not in r.stdout + r.stderr
    return r


def train(book: Path, out: Path, *extra: str):
    return run("train", "--from-history", "--observation-date", OBS, "--data-dir", str(book), "--out", str(out),
               "--as-of", "2026-11-28", *extra)


def test_trains_a_customer_model_and_reports_the_population(tiny_book, tmp_path):
    out = tmp_path / "m.json"
    r = train(tiny_book, out, "--format", "json")
    assert r.exit_code == 0, r.stderr
    rep = json.loads(r.stdout)
    h = rep["history"]
    assert (h["observation_date"], h["window_end"], h["window_complete"]) == (OBS, "2026-06-25", True)
    c = h["customers"]
    assert c["used"] == rep["rows"]["total"] and c["bad"] == rep["rows"]["bads"] > 2
    assert c["used"] + c["opened_after_observation"] + c["in_default_on_observation"] == 400
    assert rep["target"] == "default_90dpd_12m" and {f["name"] for f in rep["features"]} == set(FEATURE_NAMES)
    model = read_model(out)
    assert model.meta["feature_set"] == "baitiao-customer-features/1"
    assert model.meta["history"] == h and model.meta["id_column"] == "customer_id"
    assert model.meta["command"] == f"baitiao train --from-history --observation-date {OBS} --as-of 2026-11-28"
    assert model.meta["source"] == tiny_book.name and model.meta["trained_on"] == "2026-11-28"
    assert {f.name for f in model.features} <= set(FEATURE_NAMES) and model.features
    # and the customers can be scored with it
    r = run("score", "--data-dir", str(tiny_book), "--model", str(out), "--as-of", "2026-06-30", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["customers"]) == 400


def test_same_data_and_options_give_the_same_bytes(tiny_book, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert train(tiny_book, a).exit_code == 0
    assert train(tiny_book, b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_saved_table_retrains_to_the_same_model(tiny_book, tmp_path):
    out, table = tmp_path / "m.json", tmp_path / "t.csv"
    assert train(tiny_book, out, "--save-table", str(table)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["customer_id", *FEATURE_NAMES, "worst_dpd_after", "default_90dpd_12m"]
    assert all((int(r["worst_dpd_after"]) >= 91) == (r["default_90dpd_12m"] == "1") for r in rows)
    out2 = tmp_path / "m2.json"
    # issue 17: the history's fixed trends and thin-file columns are spelled out as options
    command = saved_table_command(str(table), str(out2)).split()
    assert command[:2] == ["baitiao", "train"]
    r = run(*command[1:], "--as-of", "2026-11-28")
    assert r.exit_code == 0, r.stderr
    m1, m2 = json.loads(out.read_text()), json.loads(out2.read_text())
    for key in ("intercept", "features", "excluded", "metrics", "rows"):
        assert m1[key] == m2[key], key


def test_exclude_a_feature(tiny_book, tmp_path):
    r = train(tiny_book, tmp_path / "m.json", "--exclude", "monthly_income", "--format", "json")
    assert r.exit_code == 0
    assert "monthly_income" not in {f["name"] for f in json.loads(r.stdout)["features"]}
    assert "--exclude monthly_income" in read_model(tmp_path / "m.json").meta["command"]
    r = train(tiny_book, tmp_path / "m.json", "--exclude", "age")
    assert r.exit_code == 2 and "age is not a customer feature" in r.stderr


def test_a_short_window_is_used_with_a_warning(tiny_book, tmp_path):
    # the book ends 2026-06-30: from 2025-12-01 only 211 days are left
    r = run("train", "--from-history", "--observation-date", "2025-12-01", "--data-dir", str(tiny_book),
            "--out", str(tmp_path / "m.json"), "--as-of", "2026-11-28", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "before 2026-12-01 (12 months after the observation date)" in r.stderr
    h = json.loads(r.stdout)["history"]
    assert h["window_complete"] is False and h["window_end"] == h["data_end"]


def test_nothing_after_the_observation_date_is_refused(tiny_book, tmp_path):
    r = run("train", "--from-history", "--observation-date", "2026-07-01", "--data-dir", str(tiny_book),
            "--out", str(tmp_path / "m.json"))
    assert r.exit_code == 1 and r.stdout == "" and "nothing happened after the observation date 2026-07-01" in r.stderr
    assert not (tmp_path / "m.json").exists()


def _small_dir(d: Path, bad: int, good: int) -> Path:
    """Customers opened 2024-06-01 with one 100.00 purchase on 2025-01-20 (billed 02-03, due 02-12):
    the first ``bad`` never pay, the others pay on 02-10."""
    d.mkdir()
    ids = [f"C{i}" for i in range(bad + good)]
    (d / "customers.csv").write_text("customer_id,opened_on,statement_day\n"
                                     + "".join(f"{c},2024-06-01,3\n" for c in ids), encoding="utf-8")
    (d / "transactions.csv").write_text("txn_id,customer_id,date,amount,type,installments\n"
                                        + "".join(f"T{c},{c},2025-01-20,100.00,purchase,1\n" for c in ids),
                                        encoding="utf-8")
    (d / "repayments.csv").write_text("repayment_id,customer_id,date,amount,kind,channel\n"
                                      + "".join(f"R{c},{c},2025-02-10,100.00,normal,app\n" for c in ids[bad:])
                                      + f"RX,{ids[-1]},2026-02-01,1.00,normal,app\n", encoding="utf-8")
    return d


def test_too_few_defaults_is_a_clear_refusal(tmp_path):
    d = _small_dir(tmp_path / "data", bad=1, good=6)
    r = run("train", "--from-history", "--observation-date", "2025-01-01", "--data-dir", str(d),
            "--out", str(tmp_path / "m.json"))
    assert r.exit_code == 1 and r.stdout == ""
    assert "1 customer(s) who went 90+ days past due between 2025-01-01 and 2026-01-01 and 6 who did not" in r.stderr
    assert "at least 2 of each are needed" in r.stderr


def test_a_tiny_history_still_writes_a_valid_model(tmp_path):
    d = _small_dir(tmp_path / "data", bad=3, good=5)
    r = run("train", "--from-history", "--observation-date", "2025-01-01", "--data-dir", str(d),
            "--as-of", "2026-11-28")
    assert r.exit_code == 0, r.stderr
    assert "only 8 customers (3 who defaulted): the model is rough" in r.stderr
    out = tmp_path / "pd_model_2025-01-01.json"          # the default --out, in the current folder
    assert out.is_file() and read_model(out).meta["history"]["customers"]["bad"] == 3


def test_on_the_sample_data(tmp_path):
    out = tmp_path / "m.json"
    r = run("train", "--from-history", "--observation-date", "2025-11-25", "--data-dir", str(SAMPLE),
            "--out", str(out), "--as-of", "2026-11-28", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "the model is rough" in r.stderr                 # 37 customers
    rep = json.loads(r.stdout)
    assert rep["history"]["customers"]["opened_after_observation"] == 3
    read_model(out)                                         # a valid model file, whatever was dropped
    r = run("score", "--data-dir", str(SAMPLE), "--model", str(out), "--as-of", "2026-11-03", "--format", "json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)["customers"]) == 40


@pytest.mark.parametrize("args,message", [
    (("--from-history", "--observation-date", OBS, "--features", "t.csv"), "--features: not with --from-history"),
    (("--from-history", "--observation-date", OBS, "--target", "bad"), "--target: not with --from-history"),
    (("--from-history",), "--from-history needs --observation-date"),
    (("--observation-date", OBS), "go with --from-history"),
    (("--from-history", "--observation-date", "2025-02-30"), "--observation-date"),
    (("--features", "t.csv"), "missing option --target, --out"),
    ((), "missing option --features, --target, --out"),
])
def test_option_errors_are_usage_errors(args, message):
    r = run("train", *args)
    assert r.exit_code == 2 and r.stdout == "" and message in r.stderr


# --- the shipped default model's script ---------------------------------------------------------------

def test_default_model_script_is_deterministic(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    meta = train_default_model.build(a, customers=300, quiet=True)
    train_default_model.build(b, customers=300, quiet=True)
    assert a.read_bytes() == b.read_bytes()
    assert meta["command"] == "python benchmarks/train_default_model.py --customers 300"
    assert meta["equivalent_commands"][0].startswith("python benchmarks/generate.py --customers 300 --seed 1 ")
    m = read_model(a)
    assert m.meta["history"]["observation_date"] == "2025-06-25" and m.meta["trained_on"] == "2026-11-28"
