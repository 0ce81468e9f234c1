"""The JetStream subscription never hands out more than asked (nats-py can deliver late)."""

from types import SimpleNamespace
from typing import Any

from libs.events.jetstream_subscription import JetStreamSubscription
from libs.events.wire import encode, subject_for
from tests.support.builders import recorded, transcript


class FakeMsg:
    """The parts of a nats-py message the adapter uses; records how it was settled."""

    def __init__(self, data: bytes, subject: str) -> None:
        self.data = data
        self.subject = subject
        self.metadata = SimpleNamespace(num_delivered=1)
        self.calls: list[str] = []

    async def in_progress(self) -> None:
        self.calls.append("in_progress")

    async def nak(self, delay: float | None = None) -> None:
        self.calls.append("nak")

    async def term(self) -> None:
        self.calls.append("term")


class LatePull:
    """A pull subscription whose queue holds late messages: a fetch returns all of them."""

    def __init__(self, msgs: list[FakeMsg]) -> None:
        self.msgs = msgs
        self.unsubscribed = False

    async def fetch(self, batch: int, timeout: float) -> list[FakeMsg]:
        out, self.msgs = self.msgs, []
        return out

    async def unsubscribe(self) -> None:
        self.unsubscribed = True


def messages(n: int) -> list[FakeMsg]:
    events = [recorded(transcript(("fr",))) for _ in range(n)]
    return [FakeMsg(encode(e), subject_for("t", e.type)) for e in events]


async def test_a_fetch_hands_out_no_more_than_its_batch_and_keeps_the_rest() -> None:
    msgs = messages(7)
    sub: Any = LatePull(list(msgs))
    subscription = JetStreamSubscription(sub, "translator", "t")
    first = await subscription.fetch(2, 0.01)
    assert len(first) == 2
    assert all("in_progress" in m.calls for m in msgs[2:]), "the rest keep their ack wait"
    second = await subscription.fetch(3, 0.01)
    assert len(second) == 3
    assert len({d.event.event_id for d in (*first, *second)}) == 5, "each handed out once"


async def test_closing_gives_back_what_was_never_handed_out() -> None:
    msgs = messages(4)
    sub: Any = LatePull(list(msgs))
    subscription = JetStreamSubscription(sub, "translator", "t")
    assert len(await subscription.fetch(1, 0.01)) == 1
    await subscription.close()
    assert all("nak" in m.calls for m in msgs[1:]) and "nak" not in msgs[0].calls
    assert sub.unsubscribed


async def test_what_waits_beyond_the_batch_is_kept_alive_until_handed_out() -> None:
    msgs = messages(3)
    sub: Any = LatePull(list(msgs))
    subscription = JetStreamSubscription(sub, "translator", "t")
    await subscription.fetch(1, 0.01)
    before = [m.calls.count("in_progress") for m in msgs]
    await subscription.keep_alive()
    after = [m.calls.count("in_progress") for m in msgs]
    assert after[0] == before[0], "the handed-out one is the runner's to keep"
    assert all(a == b + 1 for a, b in zip(after[1:], before[1:], strict=True))
