"""Which errors of a handler are our infrastructure's outage (held) and which are faults of
the work (failed): only `Outage`, never a bare OSError, a timeout or a vendor's error."""

import asyncpg
import httpx

from libs.events.outage import Outage, is_our_outage, is_outage
from libs.events.stage import TransientError
from libs.storage.supabase_store import StorageRefused, StorageUnavailable


def _raised_from(exc: BaseException, cause: BaseException) -> BaseException:
    try:
        raise exc from cause
    except BaseException as caught:
        return caught


def test_an_outage_of_our_storage_is_ours_itself_or_as_the_cause() -> None:
    assert is_our_outage(StorageUnavailable("Supabase Storage answered 503"))
    assert is_our_outage(Outage("fetching blob answered HTTP 502"))
    assert is_our_outage(_raised_from(RuntimeError("reading the index"), Outage("503")))


def test_os_errors_timeouts_and_vendor_errors_are_not_ours() -> None:
    vendor_unreachable = _raised_from(
        httpx.ConnectError("refused"), ConnectionRefusedError("connection refused")
    )
    for exc in (
        ConnectionRefusedError("a vendor refused"),
        FileNotFoundError("a scratch file"),
        TimeoutError(),
        vendor_unreachable,
        _raised_from(TransientError("vendor unreachable"), vendor_unreachable),
        StorageRefused("Supabase Storage refused the request: 403"),
    ):
        assert not is_our_outage(exc), exc


def test_a_group_is_ours_only_when_all_its_errors_are() -> None:
    assert is_our_outage(ExceptionGroup("lines", [Outage("a"), StorageUnavailable("b")]))
    assert not is_our_outage(ExceptionGroup("lines", [Outage("a"), ValueError("bad line")]))


def test_a_database_connection_lost_mid_query_is_an_outage() -> None:
    for exc in (
        asyncpg.InterfaceError("connection is closed"),
        # What a query meets when the server closed its connection between two steps.
        asyncpg.InternalClientError("cannot switch to state 12; another operation is in progress"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
    ):
        assert is_outage(_raised_from(RuntimeError("committing"), exc)), exc
    assert not is_outage(asyncpg.UniqueViolationError("duplicate key"))
