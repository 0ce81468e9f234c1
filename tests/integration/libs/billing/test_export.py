"""The billing export against a real log, appended through the real event store."""

import asyncio
import csv
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest

from libs.billing.export import export_period
from libs.billing.formats import FORMATS, Format
from libs.billing.reader import Period
from libs.billing.totals import Totals
from libs.events.catalogue import (
    ArtifactsPurged,
    DeletionRequested,
    Payload,
    SpeechReady,
    TranscriptReady,
    TranslationReady,
    Usage,
)
from libs.events.commit import Commit
from libs.events.envelope import NewEvent, RecordedEvent
from libs.events.postgres_store import PostgresEventStore
from tests.support.builders import (
    USER,
    dub,
    new_job,
    speech,
    step,
    submitted,
    transcript,
    translation,
)

OTHER_USER = UUID("00000000-0000-4000-8000-0000000000aa")
REPO = Path(__file__).resolve().parents[4]


def priced(vendor: str, unit: str, quantity: str, price: str, model: str | None = None) -> Usage:
    q, p = Decimal(quantity), Decimal(price)
    return Usage(
        vendor=vendor,
        model=model,
        unit=unit,
        quantity=q,
        unit_price=p,
        amount=q * p,
        price_table="2026-11-01",
    )


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    s = await PostgresEventStore.connect(database_url, max_size=4)
    yield s
    await s.close()


def commit(job: UUID, payload: Payload, user: UUID, expected: int | None = None) -> Commit:
    event = NewEvent(job_id=job, payload=payload, correlation_id=job, user_id=user)
    return Commit(job, [event], expected_version=expected)


async def run_job(store: PostgresEventStore, user: UUID = USER) -> UUID:
    """A two-language job through to dub.ready, every stage billing priced lines."""
    job = uuid4()
    await store.append([commit(job, submitted(("fr", "de"), user_id=user), user, expected=0)])
    t = transcript(("fr", "de")).model_copy(
        update={"usage": [priced("deepgram", "audio_seconds", "3.04", "0.0043", "nova-3")]}
    )
    await store.append([commit(job, t, user)])
    for lang in ("fr", "de"):
        tr = translation(lang).model_copy(
            update={
                "usage": [
                    priced("openai", "input_tokens", "812", "0.00000015", "gpt-4o-mini"),
                    priced("openai", "output_tokens", "640", "0.0000006", "gpt-4o-mini"),
                ]
            }
        )
        sp = speech(lang).model_copy(
            update={"usage": [priced("elevenlabs", "characters", "531", "0.00003")]}
        )
        for payload in (tr, sp, dub(lang)):
            await store.append([commit(job, payload, user)])
    return job


async def append_version_2(owner: asyncpg.Pool, job: UUID) -> None:
    """A version-2 transcript.ready as an older build wrote it (one unpriced usage)."""
    payload = transcript(("fr",)).model_dump(mode="json")
    payload["usage"] = {
        "vendor": "deepgram",
        "model": "nova-2",
        "unit": "audio_seconds",
        "quantity": "61.5",
        "cost_usd": "0.2645",
    }
    await owner.execute(
        "INSERT INTO job_events (position, event_id, job_id, seq, type, schema_version, payload,"
        " correlation_id, user_id, occurred_at, recorded_at)"
        " SELECT max(position) + 1, $1, $2, 2, 'transcript.ready', 2, $3::jsonb, $2, $4, now(),"
        " clock_timestamp() FROM job_events",
        uuid4(),
        job,
        json.dumps(payload),
        USER,
    )


async def sum_over_events(store: PostgresEventStore, period: Period) -> tuple[int, Totals]:
    """Lines and amounts straight from the log through the codec (full model decoding)."""
    events: list[RecordedEvent] = await store.read_all(0, 100_000)
    lines, totals = 0, Totals()
    for e in events:
        if not (period.start <= e.recorded_at < period.end):
            continue
        if period.user_id and e.user_id != period.user_id:
            continue
        p = e.payload
        if isinstance(p, TranscriptReady | TranslationReady | SpeechReady):
            for u in p.usage:
                lines += 1
                totals.by_currency[u.currency] += u.amount
                totals.by_vendor[(u.currency, u.vendor)] += u.amount
    return lines, totals


async def export(database_url: str, period: Period, fmt: Format) -> tuple[bytes, Totals]:
    conn = await asyncpg.connect(database_url)
    try:
        out = io.BytesIO()
        totals = await export_period(conn, period, fmt, out)
        return out.getvalue(), totals
    finally:
        await conn.close()


async def test_export_reconciles_with_the_log_and_purging_changes_no_byte(
    store: PostgresEventStore, database_url: str
) -> None:
    owner = store.pool
    start = datetime.now(UTC) - timedelta(seconds=1)
    purged_job = await run_job(store)
    await run_job(store, OTHER_USER)
    old = new_job(("fr",))
    await store.append([old])
    await append_version_2(owner, old.job_id)
    period = Period(start, datetime.now(UTC) + timedelta(seconds=1))

    before = {fmt: await export(database_url, period, fmt) for fmt in FORMATS}
    # The janitor's record of a purge: the job's blobs are gone, its bill is not.
    await store.append([step(purged_job, DeletionRequested(reason="retention"))])
    await store.append([step(purged_job, ArtifactsPurged(keys=["fr/mix"], bytes=100))])
    assert (await store.load_view(purged_job)).purged_at is not None  # type: ignore[union-attr]
    after = {fmt: await export(database_url, period, fmt) for fmt in FORMATS}
    for fmt in FORMATS:
        assert after[fmt][0] == before[fmt][0], f"{fmt} export changed"

    data, totals = before["csv"]
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    # 1 transcription + 2 x (2 token lines + 1 speech line) per job, two jobs; one v2 line.
    assert len(rows) == 2 * 7 + 1 == totals.rows
    expected_lines, expected = await sum_over_events(store, period)
    assert expected_lines == len(rows)
    assert totals.by_currency == expected.by_currency
    assert totals.by_vendor == expected.by_vendor
    assert sum(Decimal(r["amount"]) for r in rows) == expected.by_currency["USD"]
    v2 = [r for r in rows if r["job_id"] == str(old.job_id)]
    assert [(r["model"], r["quantity"], r["amount"], r["unit_price"]) for r in v2] == [
        ("nova-2", "61.5", "0.2645", "0")
    ]
    assert [int(r["position"]) for r in rows] == sorted(int(r["position"]) for r in rows)
    tokens = [r for r in rows if r["job_id"] == str(purged_job) and r["language"] == "fr"]
    assert [(r["unit"], r["line"]) for r in tokens][:2] == [
        ("input_tokens", "0"),
        ("output_tokens", "1"),
    ]


async def test_period_is_half_open_on_recorded_at_and_can_name_a_user(
    store: PostgresEventStore, database_url: str
) -> None:
    await run_job(store)
    await run_job(store, OTHER_USER)
    billed = [
        e
        for e in await store.read_all(0, 1000)
        if isinstance(e.payload, TranscriptReady | TranslationReady | SpeechReady)
    ]
    first, second = billed[0], billed[1]
    data, _ = await export(database_url, Period(first.recorded_at, second.recorded_at), "jsonl")
    assert [json.loads(x)["event_id"] for x in data.splitlines()] == [str(first.event_id)]
    whole = Period(first.recorded_at, billed[-1].recorded_at + timedelta(microseconds=1))
    mine, totals = await export(database_url, Period(whole.start, whole.end, OTHER_USER), "jsonl")
    users = {json.loads(x)["user_id"] for x in mine.splitlines()}
    assert users == {str(OTHER_USER)}
    expected_lines, expected = await sum_over_events(
        store, Period(whole.start, whole.end, OTHER_USER)
    )
    assert len(mine.splitlines()) == expected_lines == 7
    assert totals.by_currency == expected.by_currency


async def test_cli_writes_the_file_and_prints_totals(
    store: PostgresEventStore, database_url: str, tmp_path: Path
) -> None:
    await run_job(store)
    today = datetime.now(UTC).date()
    cmd = [
        sys.executable, "-m", "redub.cli.main", "billing", "export",
        "--from", today.isoformat(), "--to", (today + timedelta(days=1)).isoformat(),
        "--format", "parquet",
    ]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    outs = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    for out in outs:
        code, stderr = await run_cli([*cmd, "--out", str(out)], env, tmp_path)
        assert code == 0, stderr
        assert "7 rows from 5 events" in stderr
        assert "elevenlabs: USD 0.03186" in stderr
    first = outs[0].read_bytes()
    assert first[:4] == b"PAR1" and first == outs[1].read_bytes()
    assert not list(tmp_path.glob("*.partial"))
    code, stderr = await run_cli([*cmd[:6], "2026-13-01", *cmd[7:]], env, tmp_path)
    assert code == 2 and "not a date" in stderr


async def run_cli(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *cmd, env=env, cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    return proc.returncode or 0, err.decode()
