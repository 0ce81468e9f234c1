"""A vendor call waiting for its slot does not start once the work it serves has failed."""

import asyncio

import pytest

from libs.vendors.paid_calls import CallNotStarted, paid_calls_while
from libs.vendors.session import VendorConfig, VendorSession


async def test_a_call_waiting_for_the_bound_is_not_sent_once_the_work_failed() -> None:
    session = VendorSession(VendorConfig("v", "key", "http://v.test", max_concurrent=1))
    failed: list[str] = []
    sent: list[str] = []

    async def call(name: str, fail: bool) -> str:
        async def attempt() -> str:
            sent.append(name)
            await asyncio.sleep(0.05)
            if fail:
                failed.append(name)
                raise ValueError(name)
            return name

        return await session.call(attempt)

    try:
        with paid_calls_while(lambda: not failed):
            results = await asyncio.gather(
                call("first", fail=True), call("second", fail=False), return_exceptions=True
            )
    finally:
        await session.aclose()
    assert sent == ["first"]
    assert isinstance(results[0], ValueError)
    assert isinstance(results[1], CallNotStarted)


async def test_without_a_scope_every_call_is_wanted() -> None:
    session = VendorSession(VendorConfig("v", "key", "http://v.test"))

    async def attempt() -> int:
        return 1

    try:
        assert await session.call(attempt) == 1
    finally:
        await session.aclose()
    with paid_calls_while(lambda: False), pytest.raises(CallNotStarted):
        await session.call(attempt)
