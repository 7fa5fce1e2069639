"""Scaling, grades, limits, pricing and reasons (engine/scoring.py), and the [scoring] config."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from baitiao_cli.engine.scoring import (
    DEFAULT_GRADES, GradePolicy, Scaling, Scoring, credit_limit, grade_for, offer_for, reasons, round_score,
)
from baitiao_cli.errors import ConfigError
from baitiao_cli.io.config import build_config, build_scoring, parse_config_text

ROOT = Path(__file__).resolve().parent.parent
S = Scaling()   # base 600 at 50:1, PDO 20


# --- scaling --------------------------------------------------------------------------------------

def test_factor_and_offset():
    # factor = 20 / ln 2 = 28.853900817779...; offset = 600 - factor * ln 50 = 600 - 28.8539 * 3.912023 = 487.1229 (112.87712 off 600)
    assert abs(S.factor - D("28.8539008177792")) < D("1e-12")
    assert abs(S.offset - D("487.122876204506")) < D("1e-11")


def test_pd_1_in_51_scores_exactly_the_base():
    # PD 1/51 -> bad:good 1:50 -> score = offset - factor * ln(1/50) = offset + factor ln 50 = 600
    assert S.score_from_pd(D(1) / D(51)) == 600
    assert abs(S.exact_score_from_log_odds((D(1) / D(50)).ln()) - 600) < D("1e-20")


def test_halving_the_odds_loses_pdo_points():
    # PD 2/52 -> good:bad 25:1, half of 50:1 -> 600 - 20 = 580; doubling to 100:1 (PD 1/101) -> 620
    assert S.score_from_pd(D(2) / D(52)) == 580
    assert S.score_from_pd(D(4) / D(54)) == 560
    assert S.score_from_pd(D(1) / D(101)) == 620


def test_other_scaling():
    # base 500 at 20:1, PDO 40: PD 1/21 -> 500; PD 1/41 (40:1) -> 540
    s = Scaling(D(500), D(20), D(40))
    assert s.score_from_pd(D(1) / D(21)) == 500
    assert s.score_from_pd(D(1) / D(41)) == 540


def test_scores_round_half_up():
    assert round_score(D("600.5")) == 601
    assert round_score(D("600.4999")) == 600
    assert round_score(D("599.5")) == 600
    # PD 0.02: ln(0.02/0.98) = -3.891820; 487.122876 + 28.853901 * 3.891820 = 599.4171 -> 599
    assert S.score_from_pd(D("0.02")) == 599


def test_pd_must_be_a_probability():
    for pd in (D(0), D(1), D("1.2"), D("-0.1")):
        with pytest.raises(ValueError):
            S.score_from_pd(pd)


def test_points_of_log_odds():
    # ln 2 of bad log-odds is exactly PDO points
    assert abs(S.points(D(2).ln()) - 20) < D("1e-20")


# --- grades -------------------------------------------------------------------------------------

@pytest.mark.parametrize("score,grade", [(820, "A"), (620, "A"), (619, "B"), (605, "B"), (604, "C"),
                                         (590, "C"), (589, "D"), (540, "D"), (539, "E"), (0, "E"), (-30, "E")])
def test_grade_cut_offs(score, grade):
    assert grade_for(score, DEFAULT_GRADES).grade == grade


def test_grades_in_any_order_and_lowest_takes_everything_below():
    gs = (GradePolicy("low", 500, D(0), (), D(0)), GradePolicy("high", 650, D(1000), (1,), D("0.005")))
    assert grade_for(700, gs).grade == "high"
    assert grade_for(649, gs).grade == "low"
    assert grade_for(100, gs).grade == "low"      # below every cut-off: the lowest grade


# --- limits -------------------------------------------------------------------------------------

A = DEFAULT_GRADES[0]   # base 20000
E = DEFAULT_GRADES[-1]  # base 0


def lim(policy, income=None, manual=None, multiple=D(3)):
    return credit_limit(policy, monthly_income=income, income_multiple=multiple, manual_limit=manual)


def test_limit_is_the_grade_base_without_income():
    assert lim(A) == D("20000.00")


def test_income_cap():
    # 3 x 5000.00 = 15000 < 20000 -> 15000.00
    assert lim(A, D("5000.00")) == D("15000.00")
    # 3 x 8000 = 24000 > 20000: the base limit stays
    assert lim(A, D("8000")) == D("20000.00")


def test_capped_limit_rounds_down_to_100():
    # 3 x 4321.50 = 12964.50 -> 12900.00 (down, never up)
    assert lim(A, D("4321.50")) == D("12900.00")
    # 3 x 33.33 = 99.99 -> 0.00
    assert lim(A, D("33.33")) == D("0.00")


def test_zero_income_means_no_scored_credit():
    assert lim(A, D("0")) == D("0.00")


def test_manual_limit_wins_even_over_a_grade_without_credit():
    assert lim(A, D("5000"), manual=D("30000.00")) == D("30000.00")
    assert lim(E, None, manual=D("1234.50")) == D("1234.50")   # kept as given, not rounded to 100


def test_grade_e_gets_no_credit():
    assert lim(E, D("9000")) == D("0.00")


def test_other_limit_step():
    # base 20000, 3 x 4321.50 = 12964.50, step 1000 -> 12000.00
    assert credit_limit(A, monthly_income=D("4321.50"), income_multiple=D(3), step=D(1000)) == D("12000.00")


# --- pricing: the offer of a score ------------------------------------------------------------------

def test_offer_b_with_income():
    # 610 -> B (605..619): base 12000, 3 x 3000 = 9000 -> 9000.00; all terms; 0.5% per period
    o = offer_for(610, Scoring(), monthly_income=D("3000"))
    assert (o.grade, o.credit_limit, o.allowed_terms, o.fee_rate, o.manual_limit) == \
        ("B", D("9000.00"), (1, 3, 6, 12, 24), D("0.005"), False)


def test_offer_per_grade_price_and_terms():
    assert (offer_for(720, Scoring()).fee_rate, offer_for(720, Scoring()).allowed_terms) == (D("0.004"), (1, 3, 6, 12, 24))
    c = offer_for(595, Scoring())
    assert (c.grade, c.fee_rate, c.allowed_terms, c.credit_limit) == ("C", D("0.006"), (1, 3, 6, 12), D("8000.00"))
    d = offer_for(560, Scoring())
    assert (d.grade, d.fee_rate, d.allowed_terms) == ("D", D("0.0075"), (1, 3, 6))
    e = offer_for(500, Scoring(), monthly_income=D("20000"))
    assert (e.grade, e.allowed_terms, e.credit_limit) == ("E", (), D("0.00"))


def test_offer_with_manual_limit():
    o = offer_for(500, Scoring(), monthly_income=D("1000"), manual_limit=D("800.00"))
    assert (o.grade, o.credit_limit, o.manual_limit, o.allowed_terms) == ("E", D("800.00"), True, ())


# --- reasons ------------------------------------------------------------------------------------

def test_reasons_most_costly_first_at_most_four():
    lost = {"utilisation": D("10"), "worst_dpd_12m": D("25"), "months_on_book": D("0"),
            "current_dpd": D("25"), "refund_share": D("3"), "on_time_share": D("7.5")}
    # 25 (current_dpd), 25 (worst_dpd_12m: tie, by name), 10, 7.5; 3 is fifth; 0 never a reason
    assert reasons(lost) == ("current_dpd", "worst_dpd_12m", "utilisation", "on_time_share")


def test_reasons_in_plain_words_and_none_when_nothing_lost():
    words = {"current_dpd": "currently overdue", "utilisation": "high use of the credit line"}
    assert reasons({"utilisation": D("4"), "current_dpd": D("9")}, words) == (
        "currently overdue", "high use of the credit line")
    assert reasons({"a": D(0), "b": D(-1)}) == ()
    assert reasons([("x", D(1)), ("y", D(2))], limit=1) == ("y",)


# --- the [scoring] config section ------------------------------------------------------------------

def test_repo_config_matches_the_built_in_defaults():
    raw = parse_config_text((ROOT / "config.toml").read_text(encoding="utf-8"))
    cfg = build_config(raw)
    assert build_scoring(raw["scoring"], cfg.installments.terms) == Scoring()


def test_scoring_section_is_optional():
    assert build_scoring({}) == Scoring()


def scoring_toml(body: str) -> dict:
    return parse_config_text("[scoring]\n" + body)


@pytest.mark.parametrize("body,message", [
    ("pdo = 0", "scoring.pdo: must be greater than zero"),
    ("base_odds = \"-5\"", "scoring.base_odds: must be a finite number >= 0"),
    ("pdo = \"abc\"", "scoring.pdo: not a number"),
    ("model = 3", "scoring.model: expected a string"),
    ("grades = []", "scoring.grades: expected a non-empty array"),
    ('grades = [{ grade = "A", min_score = 700, base_limit = "1", terms = [1], fee_rate = "0", colour = "x" }]',
     "unknown config key scoring.grades[1].colour"),
    ('grades = [{ grade = "A", min_score = 700, base_limit = "1", terms = [1] }]',
     "scoring.grades[1]: missing key fee_rate"),
    ('grades = [{ grade = "A", min_score = 700, base_limit = "1", terms = [1, 36], fee_rate = "0" }]',
     "scoring.grades[1].terms: term 36 is not in installments.terms"),
    ('grades = [{ grade = "A", min_score = 700, base_limit = "1", terms = [1], fee_rate = "0" },'
     ' { grade = "B", min_score = 700, base_limit = "1", terms = [1], fee_rate = "0" }]',
     "two grades have the same min_score"),
    ('grades = [{ grade = "A", min_score = 700, base_limit = "1", terms = [1], fee_rate = "0" },'
     ' { grade = "A", min_score = 600, base_limit = "1", terms = [1], fee_rate = "0" }]',
     "grade names must be unique"),
    ('grades = [{ grade = "A", min_score = "high", base_limit = "1", terms = [1], fee_rate = "0" }]',
     "scoring.grades[1].min_score: expected a whole number"),
])
def test_bad_scoring_config_is_refused_with_the_key(body, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_config(scoring_toml(body))


def test_unknown_scoring_key_is_an_error():
    with pytest.raises(ConfigError, match="unknown config key scoring.pd0"):
        build_config(scoring_toml("pd0 = 20"))


def test_custom_grades_are_sorted_highest_first():
    sc = build_scoring(scoring_toml(
        'grades = [{ grade = "low", min_score = 0, base_limit = "0", terms = [], fee_rate = "0" },'
        ' { grade = "top", min_score = 680, base_limit = "5000.50", terms = [12, 3, 1], fee_rate = "0.0045" }]'
    )["scoring"])
    assert [g.grade for g in sc.grades] == ["top", "low"]
    assert sc.grades[0] == GradePolicy("top", 680, D("5000.50"), (1, 3, 12), D("0.0045"))


# --- properties -------------------------------------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(DEFAULT_GRADES), money, st.decimals(min_value=0, max_value=10, places=1))
def test_limit_is_the_largest_step_under_both_caps(policy, income, multiple):
    got = credit_limit(policy, monthly_income=income, income_multiple=multiple)
    cap = min(policy.base_limit, multiple * income)
    assert got <= cap and got % 100 == 0 and got + 100 > cap


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9998))
def test_score_falls_as_pd_rises(k):
    lo, hi = D(k) / D(10000), D(k + 1) / D(10000)
    assert S.score_from_pd(lo) >= S.score_from_pd(hi)
