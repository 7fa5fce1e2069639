"""``ledger.replay(..., allocations=False)``: the light account that ``score``, ``review`` and
``quote --customer`` replay (no allocation, credit-use or activity record) is the full account
less those records, so its features and its score are the full account's (issue 16)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baitiao_cli.engine.customer_score import score_account
from baitiao_cli.engine.features import customer_features, reference_limit
from baitiao_cli.engine.ledger import STATEMENTS_ALL, STATEMENTS_NONE, replay
from baitiao_cli.io.modelfile import read_model
from baitiao_cli.services.scoring import DEFAULT_MODEL
from test_properties_ledger import accounts
from test_properties_revolving import minimum_on

MODEL = read_model(DEFAULT_MODEL)


def _both(cust, txns, reps, defs, cfg, as_of):
    full = replay(cust, txns, reps, defs, cfg, as_of, statements=STATEMENTS_NONE)
    light = replay(cust, txns, reps, defs, cfg, as_of, statements=STATEMENTS_NONE, allocations=False)
    return full, light


def _check(full, light, cfg):
    assert light.allocations == () and light.credit_uses == () and light.activity == ()
    assert light == replace(full, allocations=(), credit_uses=(), activity=())
    assert customer_features(light, reference_limit(light.customer, cfg.scoring)) == \
        customer_features(full, reference_limit(full.customer, cfg.scoring))
    assert score_account(light, MODEL, cfg.scoring, cfg) == score_account(full, MODEL, cfg.scoring, cfg)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts())
def test_light_account_is_the_full_account_less_its_records(acc):
    cust, txns, reps, defs, cfg, as_of = acc
    full, light = _both(cust, txns, reps, defs, cfg, as_of)
    _check(full, light, cfg)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), st.sampled_from(["0.10", "0.05"]))
def test_light_account_equal_with_the_minimum_payment_on(acc, ratio):
    cust, txns, reps, defs, cfg, as_of = acc
    cfg = minimum_on(cfg, ratio)
    full, light = _both(cust, txns, reps, defs, cfg, as_of)
    _check(full, light, cfg)


def test_light_replay_keeps_no_statements():
    with pytest.raises(ValueError, match="statements='none'"):
        replay(None, (), (), (), None, None, statements=STATEMENTS_ALL, allocations=False)
