"""Issue 19 points 4 and 5: ``--lang zh|en`` (one label table, ``[display] lang``), the HTML
statement of ``bill --out DIR --html`` and the collection notices of ``overdue-report --out DIR
--letters``.

The book is ``trust_helpers``' (C1: 03-03 statement 106.00 due 03-12, limit 5000.00; C2: 500.00
unpaid since the 02-03 statement, due 02-12, so DPD 92 on 2026-05-15: action ``legal`` at DPD 91).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from baitiao_cli.views.labels import LABELS, label, resolve
from trust_helpers import ID_NUMBERS, PHONES, invoke, write_book

ENGLISH_WORDS = ("statement", "Statement", "TOTAL", "due", "Due", "purchase", "installment", "payments", "unpaid",
                 "Customer", "phone", "principal", "Late fee", "credit", "none", "nothing", "Items", "kind")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_book(tmp_path)


def run(*args: str, **kw):
    return invoke(list(args), **kw)


def letters_only(text: str, allowed: set[str]) -> set[str]:
    """The Latin words of ``text`` that are not ``allowed`` (ids, codes)."""
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in allowed}


# --- the label table ------------------------------------------------------------------------------

def test_every_label_has_both_languages_and_the_same_fields():
    for key, (en, zh) in LABELS.items():
        assert en and zh, key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key


def test_the_language_of_an_output():
    assert resolve(None, None, customer_facing=True) == "zh" and resolve(None, None, customer_facing=False) == "en"
    assert resolve(None, "en", True) == "en" and resolve(None, "zh", False) == "zh"
    assert resolve("en", "zh", True) == "en"
    assert label("zh")("h_total_due") == "应还总额" and label("en")("h_total_due") == "total due"


# --- statements -----------------------------------------------------------------------------------

def test_json_never_changes_with_the_language(data):
    base = ["bill", "--data-dir", str(data), "--as-of", "2026-03-05", "--customer", "C1", "-f", "json"]
    outs = {run(*base, *extra).stdout for extra in ([], ["--lang", "zh"], ["--lang", "en"])}
    assert len(outs) == 1
    batch = ["bill", "--data-dir", str(data), "--as-of", "2026-03-03", "-f", "json"]
    assert run(*batch).stdout == run(*batch, "--lang", "zh").stdout


def test_customer_table_in_chinese_has_no_english_label(data):
    r = run("bill", "--data-dir", str(data), "--as-of", "2026-03-05", "--customer", "C1", "--lang", "zh",
            "-f", "table")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    for word in ("应还总额 106.00", "到期还款日 2026-03-12", "账单明细", "本金", "手续费", "分期", "本期", "信用额度 5000.00"):
        assert word in out, word
    assert letters_only(out, {"C1", "T1"}) == set(), out
    en = run("bill", "--data-dir", str(data), "--as-of", "2026-03-05", "--customer", "C1", "-f", "table").stdout
    assert "TOTAL DUE 106.00 by 2026-03-12" in en            # operators' tables: English unless asked


def test_statement_text_is_chinese_by_default_and_english_on_request(data, tmp_path):
    assert run("bill", "--data-dir", str(data), "--as-of", "2026-03-03", "--out", str(tmp_path / "zh")).exit_code == 0
    text = (tmp_path / "zh" / "2026-03-03" / "C1.txt").read_text(encoding="utf-8")
    for word in ("白条账单 2026-03-03", "应还总额：106.00", "最低还款额：106.00", "到期还款日", "本期新增消费及分期",
                 "手机 138****5678"):
        assert word in text, word
    assert letters_only(text, {"C1", "T1"}) == set(), text
    assert PHONES[0] not in text
    assert run("bill", "--data-dir", str(data), "--as-of", "2026-03-03", "--out", str(tmp_path / "en"),
               "--lang", "en").exit_code == 0
    assert "TOTAL DUE: 106.00" in (tmp_path / "en" / "2026-03-03" / "C1.txt").read_text(encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[display]\nlang = "en"\n', encoding="utf-8")
    assert run("bill", "--data-dir", str(data), "--config", str(cfg), "--as-of", "2026-03-03", "--out",
               str(tmp_path / "cfg")).exit_code == 0
    assert (tmp_path / "cfg" / "2026-03-03" / "C1.txt").read_bytes() == \
        (tmp_path / "en" / "2026-03-03" / "C1.txt").read_bytes()


def test_a_bad_display_lang_is_a_config_error(data, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[display]\nlang = "fr"\n', encoding="utf-8")
    r = run("bill", "--data-dir", str(data), "--config", str(cfg), "--as-of", "2026-03-03")
    assert r.exit_code == 1 and "display.lang" in r.stderr, (r.exit_code, r.stderr)   # a config error: exit 1


# --- the HTML statement ---------------------------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, d):
        if not self.open:                  # the text a reader sees: not the stylesheet or the title
            self.text.append(d)


def _amounts(obj) -> set[str]:
    """Every money string of a statement JSON object (``"106.00"``)."""
    if isinstance(obj, dict):
        return set().union(*(_amounts(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_amounts(v) for v in obj)) if obj else set()
    return {obj} if isinstance(obj, str) and re.fullmatch(r"-?\d+\.\d\d", obj) else set()


@pytest.mark.parametrize("mode", [["--as-of", "2026-03-03"], ["--as-of", "2026-03-05", "--customer", "C1"]])
def test_html_statement_has_every_amount_of_the_json_and_nothing_external(data, tmp_path, mode):
    out = tmp_path / "out"
    r = run("bill", "--data-dir", str(data), *mode, "--out", str(out), "--html", "-f", "json")
    assert r.exit_code == 0, r.stderr
    for s in json.loads(r.stdout)["statements"]:
        raw = (out / s["statement_date"] / f"{s['customer_id']}.html").read_text(encoding="utf-8")
        page = _Page()
        page.feed(raw)
        text = "".join(page.text)
        missing = {a for a in _amounts(s) if a not in text}
        assert not missing, (s["customer_id"], missing)
        assert s["customer_id"] in text and s["effective_due_date"] in text
        assert not [t for t, a in page.tags if "src" in a or "href" in a or t in ("script", "link", "img")]
        assert "url(" not in raw and "@import" not in raw and "http" not in raw
        assert "size: A4" in raw and '"Noto Sans CJK SC"' in raw and "sans-serif" in raw
        assert "应还总额" in text and "TOTAL DUE" not in text
        assert not any(p in raw for p in PHONES) and not any(i in raw for i in ID_NUMBERS)


def test_html_escapes_every_customer_text(tmp_path):
    from trust_helpers import CUSTOMERS

    evil = '<script>alert(1)</script>&"'
    data = write_book(tmp_path, {"customers.csv": CUSTOMERS.replace("张三", f'"{evil.replace(chr(34), chr(34) * 2)}"')})
    out = tmp_path / "out"
    r = run("bill", "--data-dir", str(data), "--as-of", "2026-03-03", "--out", str(out), "--html")
    assert r.exit_code == 0, r.stderr
    raw = (out / "2026-03-03" / "C1.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;" in raw


def test_html_is_the_same_bytes_on_a_rerun_and_with_jobs(data, tmp_path):
    for name, extra in (("a", []), ("b", []), ("c", ["--jobs", "2"])):
        assert run("bill", "--data-dir", str(data), "--as-of", "2026-03-03", "--out", str(tmp_path / name), "--html",
                   *extra).exit_code == 0
    a = (tmp_path / "a" / "2026-03-03" / "C1.html").read_bytes()
    assert a == (tmp_path / "b" / "2026-03-03" / "C1.html").read_bytes() == \
        (tmp_path / "c" / "2026-03-03" / "C1.html").read_bytes()


def test_no_html_without_the_option(data, tmp_path):
    assert run("bill", "--data-dir", str(data), "--as-of", "2026-03-03", "--out", str(tmp_path / "o")).exit_code == 0
    assert not list((tmp_path / "o").rglob("*.html"))


@pytest.mark.parametrize("args, option", [(["bill", "--as-of", "2026-03-03", "--html"], "--html"),
                                          (["overdue-report", "--as-of", "2026-05-15", "--letters"], "--letters")])
def test_file_options_without_out_are_usage_errors(data, args, option):
    r = run(args[0], "--data-dir", str(data), *args[1:])
    assert r.exit_code == 2 and option in r.stderr and r.stdout == ""


# --- the worklist and the collection notices ------------------------------------------------------

def test_worklist_in_chinese_and_unchanged_in_english(data, tmp_path):
    base = ["overdue-report", "--data-dir", str(data), "--as-of", "2026-05-15", "-f", "json"]
    en = run(*base, "--out", str(tmp_path / "en.csv"))
    zh = run(*base, "--out", str(tmp_path / "zh.csv"), "--lang", "zh")
    assert en.exit_code == zh.exit_code == 0 and en.stdout == zh.stdout
    head_en = (tmp_path / "en.csv").read_text(encoding="utf-8-sig").splitlines()
    head_zh = (tmp_path / "zh.csv").read_text(encoding="utf-8-sig").splitlines()
    assert head_en[0].startswith("priority,customer_id,name,phone,action")
    assert head_zh[0].startswith("优先级,客户号,姓名,手机,催收动作") and "逾期天数" in head_zh[0]
    assert ",legal," in head_en[1] and ",法务催收," in head_zh[1] and ",是," in head_zh[1]


def test_letters_for_the_legal_stage_only_masked(data, tmp_path):
    out = tmp_path / "letters"
    r = run("overdue-report", "--data-dir", str(data), "--as-of", "2026-05-15", "--out", str(out), "--letters",
            "-f", "json")
    assert r.exit_code == 0, r.stderr
    accounts = {a["customer_id"]: a for a in json.loads(r.stdout)["accounts"]}
    assert accounts["C2"]["action"] == "legal"
    names = sorted(p.name for p in (out / "2026-05-15").iterdir())
    legal = sorted(f"{c}.notice.html" for c, a in accounts.items() if a["action"] in ("legal", "write_off_review"))
    assert names == sorted(legal + ["worklist.csv"])
    raw = (out / "2026-05-15" / "C2.notice.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(raw)
    text = "".join(page.text)
    assert "催收通知" in text and "逾期 92 天" in text and accounts["C2"]["overdue_amount"] in text
    assert "139****1111" in text and "110***********2345" in text
    assert not any(p in raw for p in PHONES) and not any(i in raw for i in ID_NUMBERS)
    assert letters_only(text, {"C2"}) == set(), text
    assert not [t for t, a in page.tags if "src" in a or "href" in a or t in ("script", "link", "img")]


def test_letters_out_must_be_a_folder(data, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("x", encoding="utf-8")
    r = run("overdue-report", "--data-dir", str(data), "--as-of", "2026-05-15", "--out", str(f), "--letters")
    assert r.exit_code == 2 and "--letters" in r.stderr and f.read_text(encoding="utf-8") == "x"


def test_no_letter_before_the_legal_stage(data, tmp_path):
    out = tmp_path / "letters"
    assert run("overdue-report", "--data-dir", str(data), "--as-of", "2026-03-20", "--out", str(out),
               "--letters").exit_code == 0
    assert [p.name for p in (out / "2026-03-20").iterdir()] == ["worklist.csv"]


def test_overdue_accounts_table_in_chinese(data):
    r = run("overdue-report", "--data-dir", str(data), "--as-of", "2026-05-15", "--lang", "zh", "-f", "table",
            env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.stderr
    first = r.stdout.split("\n\n")[0]
    for word in ("逾期报告 2026-05-15", "逾期账户（按催收优先级）", "逾期天数", "催收动作", "法务催收", "欠款总额", "五级分类："):
        assert word in first, word
    assert letters_only(first, {"C1", "C2", "C3", "M1", "M2", "M3", "M4"}) == set(), first
    en = run("overdue-report", "--data-dir", str(data), "--as-of", "2026-05-15", "-f", "table", env={"COLUMNS": "200"})
    assert "Overdue accounts on 2026-05-15, in collection priority order" in en.stdout and "legal" in en.stdout


def test_activity_details_in_chinese():
    from baitiao_cli.views.statement import activity_detail

    assert activity_detail("deferral", "statement 2026-10-20 due 2026-11-13", "zh") == "账单 2026-10-20 延期至 2026-11-13"
    assert activity_detail("conversion", "statement 2026-03-03 into 6 periods", "zh") == "账单 2026-03-03 分 6 期"
    assert activity_detail("refund", "T1", "zh") == "退货对应消费 T1"
    assert activity_detail("waiver", "late_fee: 客户投诉", "zh") == "减免违约金：客户投诉"
    assert activity_detail("deferral", "statement 2026-10-20 due 2026-11-13", "en") == \
        "statement 2026-10-20 due 2026-11-13"
