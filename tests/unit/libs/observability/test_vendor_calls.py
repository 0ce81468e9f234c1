"""Vendor calls land in the vendor metrics with a bounded set of outcomes."""

from decimal import Decimal

import httpx
import pytest
from prometheus_client import REGISTRY

from libs.observability.vendor_calls import error_kind, record_cost, vendor_call


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def status_error(code: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "https://api.example.test/v1/listen")
    return httpx.HTTPStatusError(
        "x", request=request, response=httpx.Response(code, request=request)
    )


async def test_a_successful_call_is_timed_as_ok() -> None:
    labels = {"vendor": "deepgram", "operation": "transcribe", "outcome": "ok"}
    before = sample("redub_vendor_call_seconds_count", **labels)
    async with vendor_call("deepgram", "transcribe"):
        pass
    assert sample("redub_vendor_call_seconds_count", **labels) == before + 1


async def test_a_failed_call_counts_as_an_error_of_its_kind_and_raises() -> None:
    labels = {"vendor": "openai", "operation": "translate", "outcome": "rate_limited"}
    before = sample("redub_vendor_errors_total", **labels)
    with pytest.raises(httpx.HTTPStatusError):
        async with vendor_call("openai", "translate"):
            raise status_error(429)
    assert sample("redub_vendor_errors_total", **labels) == before + 1
    assert sample("redub_vendor_call_seconds_count", **labels) >= 1


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (status_error(503), "server"),
        (status_error(401), "client"),
        (httpx.ConnectError("refused"), "unreachable"),
        (ValueError("odd"), "error"),
    ],
)
def test_error_kinds(exc: BaseException, kind: str) -> None:
    assert error_kind(exc) == kind


def test_cost_adds_up_per_vendor_and_currency() -> None:
    before = sample("redub_vendor_cost_total", vendor="elevenlabs", currency="USD")
    record_cost("elevenlabs", "usd", Decimal("0.0300"))
    record_cost("elevenlabs", "USD", 0.02)
    assert sample("redub_vendor_cost_total", vendor="elevenlabs", currency="USD") == pytest.approx(
        before + 0.05
    )
    with pytest.raises(ValueError):
        record_cost("elevenlabs", "USD", -1)
