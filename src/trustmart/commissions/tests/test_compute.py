"""The commission arithmetic: levels, the cap, rounding, refunds. Pure functions."""

from __future__ import annotations

import inspect

from hypothesis import given
from hypothesis import strategies as st

from trustmart.commissions.compute import LineSplit, after_refund, line_commissions


def test_level1_only_rounds_down() -> None:
    # 10% of 199.99 yuan is 19.999: the sharer gets 19.99, never more than the rate.
    assert line_commissions(base_fen=19_999, level1_bps=1000, level2_bps=None,
                            max_total_bps=3000) == LineSplit(1999, 0)


def test_level2_rounds_down_too() -> None:
    assert line_commissions(base_fen=999, level1_bps=1000, level2_bps=250,
                            max_total_bps=3000) == LineSplit(99, 24)


def test_cap_cuts_level2_first() -> None:
    assert line_commissions(base_fen=10_000, level1_bps=2500, level2_bps=1000,
                            max_total_bps=3000) == LineSplit(2500, 500)


def test_cap_cuts_level1_when_it_alone_exceeds() -> None:
    assert line_commissions(base_fen=10_000, level1_bps=4000, level2_bps=300,
                            max_total_bps=3000) == LineSplit(3000, 0)


def test_no_level2_without_level1() -> None:
    assert line_commissions(base_fen=10_000, level1_bps=0, level2_bps=300,
                            max_total_bps=3000) == LineSplit(0, 0)


def test_nothing_on_nothing() -> None:
    assert line_commissions(base_fen=0, level1_bps=1000, level2_bps=300,
                            max_total_bps=3000) == LineSplit(0, 0)


def test_there_are_only_two_levels() -> None:
    assert LineSplit._fields == ("level1_fen", "level2_fen")
    params = inspect.signature(line_commissions).parameters
    assert not any("3" in name for name in params)


def test_partial_refund_split_sums_to_line_reserve() -> None:
    # 1000 + 200 on 10000 paid; 3000 refunded; orders lowers the reserve to 1200*7000//10000.
    split = after_refund(level1_fen=1000, level2_fen=200, level2_initial_fen=200,
                         line_commission_fen=840, paid_fen=10_000, total_refunded_fen=3000)
    assert split == LineSplit(700, 140)


def test_full_refund_is_zero() -> None:
    assert after_refund(level1_fen=1000, level2_fen=200, level2_initial_fen=200,
                        line_commission_fen=0, paid_fen=10_000,
                        total_refunded_fen=10_000) == LineSplit(0, 0)


@given(paid=st.integers(1, 10**7), l1_bps=st.integers(0, 5000), l2_bps=st.integers(0, 1000),
       cap=st.integers(0, 5000), refunds=st.lists(st.integers(1, 10**6), max_size=4))
def test_invariants(paid: int, l1_bps: int, l2_bps: int, cap: int, refunds: list[int]) -> None:
    split = line_commissions(base_fen=paid, level1_bps=l1_bps, level2_bps=l2_bps,
                             max_total_bps=cap)
    assert 0 <= split.level2_fen <= split.level1_fen or split.level1_fen >= 0
    assert split.total_fen * 10_000 <= paid * cap
    assert split.level1_fen * 10_000 <= paid * l1_bps
    l1, l2, reserve, refunded = split.level1_fen, split.level2_fen, split.total_fen, 0
    for r in refunds:
        before = refunded
        refunded = min(paid, refunded + r)
        # what orders does with the line's reserve
        reserve = reserve * (paid - refunded) // (paid - before) if paid > before else 0
        new = after_refund(level1_fen=l1, level2_fen=l2, level2_initial_fen=split.level2_fen,
                           line_commission_fen=reserve, paid_fen=paid,
                           total_refunded_fen=refunded)
        assert new.total_fen == reserve
        assert 0 <= new.level1_fen <= l1 and 0 <= new.level2_fen <= l2
        l1, l2 = new
