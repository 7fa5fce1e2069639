"""Output rendering (SPEC 5, 6): Excel-safe CSV, JSON as one object, plain and rich tables."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pytest

from baitiao_cli.render import Table, csv_text, emit, error, excel_safe, json_text, warn


@pytest.mark.parametrize("value,expected", [
    ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),                      # Excel would read a formula/number, not the text
    ("+8613812345678", "'+8613812345678"),  # a phone stays text instead of becoming 8.6E+12
    ("-x", "'-x"),
    ("-2+3", "'-2+3"),
    ("-1e5", "'-1e5"),
    ("@a", "'@a"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-", "'-"),
])
def test_excel_safe_neutralises_formula_like_text(value, expected):
    assert excel_safe(value) == expected


@pytest.mark.parametrize("value", ["-12.50", "12.50", "-3", "0", "0.00", "1234567.89", "张三",
                                   "a=b", "x-1", "", "2026-01-10"])
def test_excel_safe_leaves_numbers_and_ordinary_text_alone(value):
    assert excel_safe(value) == value


@pytest.mark.parametrize("value", [None, 5, -5, D("-12.50")])
def test_excel_safe_leaves_non_text_alone(value):
    assert excel_safe(value) is value


def test_csv_text_neutralises_cells_and_headers_and_keeps_numbers():
    text = csv_text(["name", "=bad header", "amount"],
                    [['=HYPERLINK("http://x","click")', None, D("-12.50")],
                     ["张三", "@a", 7], ["\tTAB", "\rCR", "-x"]])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "'=bad header", "amount"]
    assert rows[1] == ['\'=HYPERLINK("http://x","click")', "", "-12.50"]
    assert rows[2] == ["张三", "'@a", "7"]
    assert rows[3] == ["'\tTAB", "'\rCR", "'-x"]


def test_csv_has_no_thousands_separators():
    t = Table(headers=["amount", "fee"], rows=[[D("1234567.00"), "12345.60"], [D("1000000"), D("0.50")]])
    buf = io.StringIO()
    emit("csv", json_obj={}, tables=[t], stream=buf)
    assert buf.getvalue() == "amount,fee\n1234567.00,12345.60\n1000000,0.50\n"


def test_csv_with_bom_uses_crlf():
    text = csv_text(["a"], [["1"]], bom=True)
    assert text == "\ufeffa\r\n1\r\n"


def test_emit_csv_prefers_the_csv_table():
    first = Table(headers=["x"], rows=[["1"]])
    chosen = Table(headers=["y"], rows=[["2"]])
    buf = io.StringIO()
    emit("csv", json_obj={}, tables=[first], csv_table=chosen, stream=buf)
    assert buf.getvalue() == "y\n2\n"
    buf = io.StringIO()
    emit("csv", json_obj={}, tables=[first], stream=buf)
    assert buf.getvalue() == "x\n1\n"


def test_json_is_one_object_with_unescaped_chinese():
    obj = {"name": "张三", "amount": "106.00", "rows": [{"a": 1}, {"b": 2}]}
    buf = io.StringIO()
    emit("json", json_obj=obj, tables=[], stream=buf)
    text = buf.getvalue()
    assert text.endswith("}\n") and text.startswith("{")
    assert json.loads(text) == obj
    # exactly one JSON value in the whole output
    dec = json.JSONDecoder()
    value, end = dec.raw_decode(text)
    assert value == obj and text[end:].strip() == ""
    assert "张三" in text
    assert json_text(obj) == text


def test_plain_table_order_lead_title_body_footer():
    t = Table(headers=["period", "total"], rows=[[1, "106.00"], [2, "106.00"]], title="the title",
              align_right=frozenset({"total"}), footer="the footer", lead=("HEADLINE", "second"))
    buf = io.StringIO()
    emit("table", json_obj={}, tables=[t], stream=buf)
    lines = buf.getvalue().splitlines()
    assert lines[:3] == ["HEADLINE", "second", "the title"]
    assert lines[-1] == "the footer"
    assert any("106.00" in l for l in lines)


def test_plain_tables_are_separated_by_a_blank_line():
    buf = io.StringIO()
    emit("table", json_obj={}, tables=[Table(["a"], [["1"]]), Table(["b"], [["2"]])], stream=buf)
    assert "\n\n" in buf.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_table_on_a_terminal_shows_lead_first_without_markup_parsing(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    t = Table(headers=["period", "total"], rows=[[1, "106.00"]], title="schedule",
              lead=("年化利率 APR 10.90% [IRR]",), footer="per-period fee rate 0.50%")
    buf = _Tty()
    emit("table", json_obj={}, tables=[t], stream=buf)
    out = buf.getvalue()
    # square brackets in a lead line are text, not rich markup
    assert "APR 10.90% [IRR]" in out
    assert out.index("APR 10.90%") < out.index("schedule") < out.index("106.00") < out.index("per-period")


def test_warn_and_error_go_to_stderr(capsys):
    warn("careful")
    error("broken")
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err == "warning: careful\nerror: broken\n"


def test_carriage_return_inside_a_cell_is_quoted_so_the_row_stays_whole():
    # csv.writer with a "\n" terminator would leave a bare CR unquoted; Excel splits the row there
    text = csv_text(["a", "b"], [["x\r=cmd()", "2"], ["plain", "3"]])
    assert text == 'a,b\n"x\r=cmd()",2\nplain,3\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["x\r=cmd()", "2"], ["plain", "3"]]
    # and the same with the BOM/CRLF form
    text = csv_text(["a"], [["\rx"]], bom=True)
    assert text == "\ufeffa\r\n\"'\rx\"\r\n"


# --- issue 18: widths in terminal cells, tables that fit -------------------------------------------

def test_display_width_counts_wide_characters_twice():
    from baitiao_cli.render import display_width

    assert display_width("abc") == 3
    assert display_width("张三") == 4          # two wide characters, 2 cells each
    assert display_width("潘宁 M1") == 7


def test_plain_table_lines_have_one_display_width_with_chinese_names():
    from baitiao_cli.render import _plain_table, display_width

    t = Table(headers=["customer", "name", "amount"], rows=[["C1", "张三", "1.00"], ["C2", "Li", "22354.86"]],
              align_right=frozenset({"amount"}))
    lines = _plain_table(t).splitlines()
    # name column: 4 cells wide (张三); amount 8 ("22354.86"); 8 + 2 + 4 + 2 + 8 = 24
    assert [display_width(ln) for ln in lines] == [24, 24, 24, 24]
    assert lines[2] == "C1        张三      1.00"


def test_wrap_text_never_loses_a_character():
    from baitiao_cli.render import display_width, wrap_text

    text = "declared monthly income 4500.00 (best-scoring: 27300.00 or more) 逾期六十二天的账单"
    lines = wrap_text(text, 12)
    assert all(display_width(ln) <= 12 for ln in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_fit_folds_the_wrap_column_then_leaves_out_columns_in_order():
    from baitiao_cli.render import fit

    t = Table(headers=["id", "phone", "name", "amount", "reason"],
              rows=[["C000001", "138****5678", "张三", "22354.86", "word " * 20]],
              drop=("phone", "name"), wrap="reason")
    # natural widths: id 7, phone 11, name 4, amount 8, reason 99; plain: 2 cells between columns
    assert fit(t, None, 2, -2).keep == (0, 1, 2, 3, 4)
    f = fit(t, 80, 2, -2)                 # 7+11+4+8 + 4*2 = 38 -> the reason folds to 42 cells
    assert (f.keep, f.wrap_width, f.dropped) == ((0, 1, 2, 3, 4), 42, ())
    f = fit(t, 60, 2, -2)                 # 60-38 = 22 < 24 (MIN_WRAP): phone left out -> 35
    assert (f.keep, f.wrap_width, f.dropped) == ((0, 2, 3, 4), 35, ("phone",))
    f = fit(t, 30, 2, -2)                 # nothing more to leave out: drawn wider than 30
    assert f.dropped == ("phone", "name") and f.needed > 30
