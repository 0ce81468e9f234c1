"""Whether the work in hand still wants paid vendor calls: once a part of it failed, calls
waiting for a vendor's slot do not start (their result would be thrown away, yet paid for),
while calls in flight finish (they are paid already, and their results are kept).

Scoped like the result cache, through a context variable: a stage says what it wants around
its concurrent parts, and every vendor session checks it before each request."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_wanted: ContextVar[Callable[[], bool] | None] = ContextVar("paid_calls_wanted", default=None)


class CallNotStarted(Exception):
    """A paid call not started: the work it was for failed meanwhile."""


@contextmanager
def paid_calls_while(wanted: Callable[[], bool]) -> Iterator[None]:
    """Within the block, a vendor call starts only while `wanted()` holds."""
    token = _wanted.set(wanted)
    try:
        yield
    finally:
        _wanted.reset(token)


def check_call_wanted() -> None:
    """`CallNotStarted` when the work in hand no longer wants paid calls."""
    wanted = _wanted.get()
    if wanted is not None and not wanted():
        raise CallNotStarted
