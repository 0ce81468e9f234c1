"""The gateway's cache of job bodies: kept per caller, forgotten on word of a change, on word
that may have been missed, and after its age; a read overtaken by a change is not kept."""

from uuid import UUID, uuid4

import pytest

from services.gateway.view_cache import ViewCache

ALICE, BOB = uuid4(), uuid4()


class Word:
    """Word of changes as a bus gives it; `epoch` None while the bus is away."""

    def __init__(self) -> None:
        self.now: int | None = 0

    def epoch(self) -> int | None:
        return self.now

    async def close(self) -> None:
        return None


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def word() -> Word:
    return Word()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(word: Word, clock: Clock) -> ViewCache:
    c = ViewCache(1.0, max_jobs=3, clock=clock)
    c.listen(word)
    return c


def read(cache: ViewCache, caller: UUID, job: UUID, body: bytes) -> None:
    """A read that nothing overtook: ticket, then keep."""
    cache.keep(cache.ticket(job), caller, body)


def test_a_body_is_served_to_its_caller_only(cache: ViewCache) -> None:
    job = uuid4()
    assert cache.get(ALICE, job) is None
    read(cache, ALICE, job, b"alice's")
    assert cache.get(ALICE, job) == b"alice's"
    assert cache.get(BOB, job) is None  # what row-level security gave Alice is hers alone
    assert cache.get(ALICE, uuid4()) is None


def test_word_of_a_change_forgets_the_jobs_bodies(cache: ViewCache) -> None:
    job, other = uuid4(), uuid4()
    read(cache, ALICE, job, b"v1")
    read(cache, ALICE, other, b"other")
    cache.changed(job)
    assert cache.get(ALICE, job) is None
    assert cache.get(ALICE, other) == b"other"
    read(cache, ALICE, job, b"v2")
    assert cache.get(ALICE, job) == b"v2"


def test_a_read_overtaken_by_a_change_is_not_kept(cache: ViewCache) -> None:
    job = uuid4()
    ticket = cache.ticket(job)
    cache.changed(job)  # committed after the read began: what it read may be older
    cache.keep(ticket, ALICE, b"maybe stale")
    assert cache.get(ALICE, job) is None


def test_a_read_overtaken_by_a_change_of_another_job_is_kept(cache: ViewCache) -> None:
    job = uuid4()
    ticket = cache.ticket(job)
    cache.changed(uuid4())
    cache.keep(ticket, ALICE, b"fresh")
    assert cache.get(ALICE, job) == b"fresh"


def test_nothing_is_kept_or_served_while_the_bus_is_away(cache: ViewCache, word: Word) -> None:
    job = uuid4()
    read(cache, ALICE, job, b"v1")
    word.now = None
    assert cache.get(ALICE, job) is None
    read(cache, ALICE, job, b"v2")
    word.now = 1  # back, but word was missed meanwhile: nothing from before is served
    assert cache.get(ALICE, job) is None


def test_a_read_across_a_reconnect_is_not_kept(cache: ViewCache, word: Word) -> None:
    job = uuid4()
    ticket = cache.ticket(job)
    word.now = 1
    cache.keep(ticket, ALICE, b"maybe stale")
    assert cache.get(ALICE, job) is None


def test_a_body_is_served_for_its_age_at_most(cache: ViewCache, clock: Clock) -> None:
    job = uuid4()
    ticket = cache.ticket(job)
    clock.t += 0.4  # the age counts from when the read began
    cache.keep(ticket, ALICE, b"v1")
    clock.t += 0.5
    assert cache.get(ALICE, job) == b"v1"
    clock.t += 0.1
    assert cache.get(ALICE, job) is None


def test_the_least_recently_read_jobs_are_pushed_out(cache: ViewCache) -> None:
    jobs = [uuid4() for _ in range(4)]
    for j in jobs[:3]:
        read(cache, ALICE, j, j.bytes)
    cache.ticket(jobs[0])  # read again: now the most recent
    read(cache, ALICE, jobs[3], b"fourth")
    assert cache.get(ALICE, jobs[1]) is None
    assert [cache.get(ALICE, j) for j in (jobs[0], jobs[2], jobs[3])] == [
        jobs[0].bytes,
        jobs[2].bytes,
        b"fourth",
    ]


def test_a_read_whose_job_was_pushed_out_meanwhile_is_not_kept(cache: ViewCache) -> None:
    job = uuid4()
    ticket = cache.ticket(job)
    for _ in range(3):
        cache.ticket(uuid4())
    cache.changed(job)  # word for a job no longer held is dropped: its read must not be kept
    cache.keep(ticket, ALICE, b"maybe stale")
    assert cache.get(ALICE, job) is None


@pytest.mark.parametrize("listening", [True, False])
def test_off_without_an_age_or_without_word(listening: bool, clock: Clock) -> None:
    cache = ViewCache(0.0 if listening else 1.0, clock=clock)
    if listening:
        cache.listen(Word())
    job = uuid4()
    read(cache, ALICE, job, b"v1")
    assert cache.get(ALICE, job) is None


def test_bodies_past_the_byte_budget_push_out_the_least_recently_read(
    word: Word, clock: Clock
) -> None:
    cache = ViewCache(1.0, max_bytes=10, clock=clock)
    cache.listen(word)
    first, second, third = uuid4(), uuid4(), uuid4()
    read(cache, ALICE, first, b"12345")
    read(cache, ALICE, second, b"12345")
    read(cache, ALICE, second, b"1234")  # a body kept again replaces the old one's bytes
    read(cache, ALICE, third, b"1")
    assert [cache.get(ALICE, j) for j in (first, second, third)] == [b"12345", b"1234", b"1"]
    cache.changed(first)  # forgotten bodies give their bytes back
    read(cache, ALICE, third, b"123456")
    assert cache.get(ALICE, second) == b"1234" and cache.get(ALICE, third) == b"123456"
    read(cache, ALICE, first, b"12")  # over by 2: the least recently read goes
    assert cache.get(ALICE, second) is None
    assert cache.get(ALICE, first) == b"12" and cache.get(ALICE, third) == b"123456"
