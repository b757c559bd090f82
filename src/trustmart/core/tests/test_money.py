import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustmart.core.money import Rounding, apply_bps, format_fen, parse_yuan, split_pro_rata


@pytest.mark.parametrize(("fen", "text"), [
    (0, "¥0.00"), (5, "¥0.05"), (1234, "¥12.34"), (100, "¥1.00"), (-5, "-¥0.05"),
    (123456789, "¥1234567.89"),
])
def test_format_fen(fen: int, text: str) -> None:
    assert format_fen(fen) == text


def test_format_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_fen(12.34)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "fen"), [("12.34", 1234), ("¥12.3", 1230), ("0", 0),
                                           ("1,299.00", 129900), ("￥5", 500)])
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["12.345", "abc", "", "NaN", "inf"])
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(text)


def test_apply_bps_rounding_is_explicit() -> None:
    # 1.5% of ¥0.99 = 1.485 fen
    assert apply_bps(99, 150, rounding=Rounding.DOWN) == 1
    assert apply_bps(99, 150, rounding=Rounding.HALF_UP) == 1
    # 5% of 10 fen = 0.5 fen: half-up goes up, half-even goes to the even 0
    assert apply_bps(10, 500, rounding=Rounding.HALF_UP) == 1
    assert apply_bps(10, 500, rounding=Rounding.HALF_EVEN) == 0
    assert apply_bps(30, 500, rounding=Rounding.HALF_EVEN) == 2  # 1.5 → 2
    assert apply_bps(12345, 10_000, rounding=Rounding.DOWN) == 12345
    with pytest.raises(ValueError):
        apply_bps(100, -1, rounding=Rounding.DOWN)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_apply_bps_down_never_exceeds_the_exact_share(amount: int, rate: int) -> None:
    share = apply_bps(amount, rate, rounding=Rounding.DOWN)
    assert 0 <= share <= amount
    assert share * 10_000 <= amount * rate < (share + 1) * 10_000


@given(st.integers(min_value=0, max_value=10**10),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20)
       .filter(lambda ws: sum(ws) > 0))
def test_split_pro_rata_keeps_every_fen(total: int, weights: list[int]) -> None:
    parts = split_pro_rata(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / sum(weights)
        assert abs(part - exact) < 1 + 1e-9
        if weight == 0:
            assert part == 0


def test_split_pro_rata_example() -> None:
    assert split_pro_rata(100, [1, 1, 1]) == [34, 33, 33]
    assert split_pro_rata(1000, [3000, 7000]) == [300, 700]
