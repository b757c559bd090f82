import pytest

from trustmart.core import ratelimit
from trustmart.core.errors import RateLimited


def test_hits_over_the_limit_are_refused_per_key() -> None:
    for expected in (1, 2, 3):
        assert ratelimit.hit("k1", limit=3, window_seconds=60) == expected
    with pytest.raises(RateLimited) as info:
        ratelimit.hit("k1", limit=3, window_seconds=60)
    assert info.value.status == 429
    assert 0 < info.value.retry_after <= 60
    assert ratelimit.hit("k2", limit=3, window_seconds=60) == 1  # other keys are unaffected


def test_reset_and_count() -> None:
    ratelimit.hit("k", limit=5, window_seconds=60)
    ratelimit.hit("k", limit=5, window_seconds=60)
    assert ratelimit.count("k", window_seconds=60) == 2
    ratelimit.reset("k", window_seconds=60)
    assert ratelimit.count("k", window_seconds=60) == 0
