"""A slot held across a call and the keeping of its result: the task's calls use it, and
no other call takes it until the result is kept."""

import asyncio

from libs.vendors.session import VendorConfig, VendorSession


async def test_paid_results_in_hand_stay_within_the_bound_until_kept() -> None:
    session = VendorSession(VendorConfig("v", "key", "http://v.test", max_concurrent=2))
    in_hand = 0
    most = 0

    async def line(n: int) -> int:
        nonlocal in_hand, most

        async def attempt() -> int:
            await asyncio.sleep(0.01)
            return n

        async with session.held():
            paid = await session.call(attempt)  # no second slot taken: no deadlock at 1 each
            in_hand += 1
            most = max(most, in_hand)
            await asyncio.sleep(0.02)  # storing what was paid for
            in_hand -= 1
        return paid

    try:
        done = await asyncio.wait_for(asyncio.gather(*(line(n) for n in range(10))), 5)
    finally:
        await session.aclose()
    assert done == list(range(10))
    assert most == 2  # without the slot held, up to 10 paid clips would wait to be stored


async def test_a_call_outside_a_held_slot_waits_for_it() -> None:
    session = VendorSession(VendorConfig("v", "key", "http://v.test", max_concurrent=1))
    order: list[str] = []

    async def attempt(name: str) -> str:
        order.append(name)
        return name

    async def holder() -> None:
        async with session.held():
            await session.call(lambda: attempt("held"))
            await asyncio.sleep(0.05)
            order.append("kept")

    try:
        await asyncio.gather(holder(), session.call(lambda: attempt("other")))
    finally:
        await session.aclose()
    assert order == ["held", "kept", "other"]
