"""Which errors mean "our infrastructure is unreachable" rather than "this message is bad"."""

import asyncpg
import nats.errors
import nats.js.errors


class Outage(Exception):
    """A server of ours answered that it cannot serve now (a 5xx, a 429) or was unreachable,
    told by an adapter whose client library has its own error types (e.g. httpx's). Raised
    from a handler, it holds the message until the server is back (see `is_our_outage`)."""


# An outage of PostgreSQL or NATS is not a job's fault: work that meets one is held and
# retried, and no delivery of the job's message is charged for it.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    Outage,
    OSError,  # refused, reset, unreachable (ConnectionError is one)
    TimeoutError,  # a pool acquire or a publish that got no answer
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # the connection went away under a query
    # ...or between a query's steps: "cannot switch to state N; another operation ... is in
    # progress" from a connection the server closed as it went down.
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # A failover's read-only primary, a lock conflict, a server out of resources: the same
    # commit goes through a moment later.
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.InsufficientResourcesError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError,
    nats.errors.StaleConnectionError,
    nats.js.errors.ServiceUnavailableError,
)


def is_outage(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says a server was unreachable."""
    return _caused_by(exc, OUTAGE_ERRORS)


def is_our_outage(exc: BaseException) -> bool:
    """True when a handler's error is an outage of our own infrastructure: an `Outage` (what
    our storage adapters raise), itself or as what caused it; a group only if all its errors
    are. A bare OSError or timeout is not one: a handler meets those from vendors and from its
    own files too. Ask it of errors that are neither permanent nor transient: those decide."""
    if isinstance(exc, BaseExceptionGroup):
        return all(is_our_outage(e) for e in exc.exceptions)
    return _caused_by(exc, (Outage,))


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    # `exc` or anything down its `__cause__` chain (guarded against cycles) is of `kinds`.
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        current = current.__cause__
    return False
