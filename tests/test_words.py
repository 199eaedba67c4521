"""Sentences for people (issue 23, part 4): no zero or unknown ranges printed as numbers,
units singular or plural as the number needs, amounts rounded for reading."""

from __future__ import annotations

import math

from sopopt.results.words import limit_sentence, money, quantity


def _row(**changes: object) -> dict[str, object]:
    row = {"kind": "capacity", "name": "line", "period": "2027-08", "shadow_price": 546.049, "unit": "hour",
           "sense": "max", "range_up": 120.0, "range_down": -80.0, "range_note": ""}
    row.update(changes)
    return row


def test_amounts_rounded_and_units_agree_with_the_number() -> None:
    assert limit_sentence(_row()) == ("One more hour of line (capacity) in 2027-08 saves 546 USD, for up to "
                                      "120 hours more; one hour less costs 546 USD, for up to 80 hours less.")
    assert quantity(1.0, "hour") == "1 hour" and quantity(0.96, "hour") == "1 hour"
    assert quantity(2.5, "unit of stock") == "2.5 units of stock" and quantity(1200, "hire") == "1,200 hires"
    assert money(0.9612, "USD") == "0.96 USD" and money(1234.5, "EUR") == "1,234 EUR"


def test_degenerate_unknown_and_endless_ranges_in_words() -> None:
    degenerate = limit_sentence(_row(range_up=0.0, range_down=-0.0, shadow_price=36.2, unit="unit of material"))
    assert "a price that holds only for small changes" in degenerate and "0.00" not in degenerate
    assert "+0." not in degenerate and "-0." not in degenerate
    unknown = limit_sentence(_row(range_up=math.nan, range_down=math.nan, range_note="range unknown: PDLP"))
    assert unknown == "One hour more room in line (capacity) in 2027-08 saves 546 USD (range unknown: PDLP)."
    endless = limit_sentence(_row(range_up=math.inf))
    assert "however much it changes" in endless and "inf" not in endless
    minimum = limit_sentence(_row(sense="min", unit="worker", range_down=-1.0, range_up=3.0))
    assert minimum.startswith("One worker less on the minimum of line (capacity) in 2027-08 saves 546 USD, "
                              "for up to 1 worker less; one worker more costs 546 USD, for up to 3 workers more")
    assert "basis" not in degenerate + unknown + endless + minimum
