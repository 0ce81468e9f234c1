"""The billing reader's SQL: times as the exports write them, whatever the session's zone."""

from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest

from libs.billing.reader import time_text

KOLKATA = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC), "2026-01-02T03:04:05.000007Z"),
        (datetime(2026, 1, 2, 1, 4, 5, 120000, tzinfo=KOLKATA), "2026-01-01T19:34:05.120000Z"),
        (datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "1999-12-31T23:59:59.999999Z"),
    ],
)
async def test_times_read_as_utc_with_six_fraction_digits(
    database_url: str, value: datetime, text: str
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SET TimeZone = 'Asia/Kolkata'")  # the session's zone plays no part
        read = await conn.fetchval(f"SELECT {time_text('$1::timestamptz')}", value)
    finally:
        await conn.close()
    assert read == text == value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"
