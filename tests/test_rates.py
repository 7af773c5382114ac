"""Rates with their 95% Wilson interval, checked against the intervals Newcombe published (Statistics
in Medicine 17, 1998, table I, method 3)."""

from __future__ import annotations

import pytest

from feedback.rates import rate, wilson_interval


@pytest.mark.parametrize(("successes", "total", "low", "high"), [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_the_interval_matches_newcombes_table(successes, total, low, high):
    found = wilson_interval(successes, total)
    assert (round(found[0], 4), round(found[1], 4)) == (low, high)


def test_one_lucky_item_ranks_below_ninety_five_of_a_hundred():
    assert rate(1, 1)["rate"] == 1.0 and rate(95, 100)["rate"] == 0.95
    assert rate(1, 1)["rate_low"] < rate(95, 100)["rate_low"]


def test_nothing_counted_has_no_rate_and_too_few_is_flagged():
    assert wilson_interval(0, 0) is None
    assert rate(0, 0, minimum=10) == {"rate": None, "rate_low": None, "rate_high": None, "counted": 0, "too_few": True}
    assert rate(9, 10, minimum=10)["too_few"] is False
    with pytest.raises(ValueError):
        wilson_interval(4, 3)
