from datetime import UTC, datetime

import pytest

from libs.vendors.errors import (
    VendorPermanentError,
    VendorTransientError,
    from_status,
    vendor_message,
)
from libs.vendors.retry import RetryPolicy, parse_retry_after, retry_delay, with_retries

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", NOW) == 0.0, "a past date: now"
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") == 0.0


def test_backoff_is_jittered_exponential_capped_and_never_below_retry_after() -> None:
    policy = RetryPolicy(attempts=6, base_s=1.0, max_s=5.0)
    assert [retry_delay(n, policy, None, 0.999999) for n in (1, 2, 3, 4)] == pytest.approx(
        [1.0, 2.0, 4.0, 5.0], rel=1e-3
    )
    assert retry_delay(3, policy, None, 0.0) == 0.0, "full jitter"
    assert retry_delay(1, policy, 3.0, 0.5) == 3.0, "the vendor's wish wins"


def test_statuses_split_into_transient_and_permanent_with_the_vendors_reason() -> None:
    for status in (408, 409, 425, 429, 500, 502, 503, 504):
        assert isinstance(from_status("v", status, None), VendorTransientError)
    for status in (400, 401, 402, 403, 404, 413, 422):
        assert isinstance(from_status("v", status, None), VendorPermanentError)
    error = from_status("deepgram", 400, b'{"err_code":"x","err_msg":"Bad  audio"}')
    assert str(error) == "deepgram: HTTP 400: Bad audio"
    assert vendor_message({"error": {"message": "quota"}}) == "quota"
    assert (
        vendor_message({"detail": {"status": "s", "message": "voice not found"}})
        == "voice not found"
    )
    assert vendor_message({"detail": "plain detail"}) == "plain detail"
    assert vendor_message("<html>") is None
    assert len(vendor_message({"message": "x" * 1000}) or "") == 300


async def test_transient_errors_are_retried_permanent_ones_are_not() -> None:
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise VendorTransientError("v", "503", retry_after_s=0.5)
        return "ok"

    policy = RetryPolicy(attempts=4, base_s=0.1, max_s=1.0)
    assert await with_retries(flaky, policy, sleep=sleep, jitter=lambda: 0.0) == "ok"
    assert slept == [0.5, 0.5]

    async def refused() -> str:
        raise VendorPermanentError("v", "400")

    with pytest.raises(VendorPermanentError):
        await with_retries(refused, policy, sleep=sleep)
    assert len(slept) == 2


async def test_a_retry_after_beyond_the_policy_goes_to_the_runner_at_once() -> None:
    async def busy() -> str:
        raise VendorTransientError("v", "429", retry_after_s=600)

    async def sleep(s: float) -> None:
        raise AssertionError("not waited out inside the call")

    with pytest.raises(VendorTransientError) as caught:
        await with_retries(busy, RetryPolicy(max_retry_after_s=60), sleep=sleep)
    assert caught.value.retry_after_s == 600, "the runner holds the message that long"
