"""A caller's limits: jobs running at once and programme minutes a day (429 with Retry-After)."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from libs.events.one_connection import OneConnection
from services.gateway.errors import ApiError

# Serialises one caller's submissions (not everyone's) so two at once cannot both pass.
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7001))"
_USE = """
SELECT count(*) FILTER (WHERE status NOT IN ('completed', 'failed', 'cancelled')) AS running,
       coalesce(sum((view -> 'voice' ->> 'duration_s')::float8)
                FILTER (WHERE created_at > $2), 0) AS seconds,
       min(created_at) FILTER (WHERE created_at > $2) AS oldest
FROM jobs WHERE user_id = $1
"""
DAY = timedelta(days=1)


async def check_limits(
    db: OneConnection,
    user: UUID,
    programme_s: float,
    *,
    max_running: int,
    max_minutes_per_day: float,
    now: datetime | None = None,
) -> None:
    """Raise a 429 `ApiError` when one more job of `programme_s` seconds is over a limit."""
    now = now or datetime.now(UTC)
    await db.execute(_LOCK, str(user))
    row = await db.fetchrow(_USE, user, now - DAY)
    assert row is not None
    if row["running"] >= max_running:
        raise ApiError(
            429,
            "too_many_running_jobs",
            f"You have {row['running']} jobs running (the limit is {max_running}); "
            "wait for one to finish or cancel one.",
            headers={"Retry-After": "60"},
        )
    used_min = row["seconds"] / 60
    if used_min + programme_s / 60 > max_minutes_per_day:
        oldest = row["oldest"] or now
        wait = max(1, int((oldest + DAY - now).total_seconds()) + 1)
        raise ApiError(
            429,
            "daily_minutes_exceeded",
            f"This job's {programme_s / 60:.1f} programme minutes would take today's total to "
            f"{used_min + programme_s / 60:.1f} (the limit is {max_minutes_per_day:g} a day).",
            headers={"Retry-After": str(wait)},
        )
