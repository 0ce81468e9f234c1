"""A large, realistic `job_events` log: one job's events built from the catalogue once,
then stamped out with fresh ids and loaded with COPY."""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from libs.events.catalogue import (
    Artifact,
    ArtifactKind,
    BlobRef,
    DubReady,
    JobCompleted,
    JobSubmitted,
    Payload,
    SpeechReady,
    Stem,
    TranscriptReady,
    TranslationReady,
    Usage,
    UsageUnit,
)
from libs.storage.keys import language_key, transcript_key, upload_key

LANGUAGES = ("fr", "de", "es")
JOB = UUID("00000000-0000-4000-8000-00000000aaaa")  # stands for each job's id
USER = UUID("00000000-0000-4000-8000-00000000bbbb")  # stands for each job's user
USERS = [uuid4() for _ in range(200)]
COLUMNS = (
    "position", "event_id", "job_id", "seq", "type", "schema_version", "payload",
    "causation_id", "correlation_id", "user_id", "occurred_at", "recorded_at",
)  # fmt: skip
T0 = datetime(2025, 1, 1, tzinfo=UTC)

BLOCK = 64  # jobs in flight at once: their events interleave in the log


def _blob(key: str, size: int, content_type: str) -> BlobRef:
    return BlobRef(
        key=key,
        size=size,
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        content_type=content_type,
    )


def priced(vendor: str, model: str, unit: UsageUnit, quantity: str, price: str) -> Usage:
    """A usage line priced as a vendor's provider prices it."""
    q, p = Decimal(quantity), Decimal(price)
    return Usage(
        vendor=vendor,
        model=model,
        unit=unit,
        quantity=q,
        unit_price=p,
        amount=q * p,
        price_table="bench-2025-01",
    )


def one_job(languages: Sequence[str] = LANGUAGES) -> list[Payload]:
    """The payloads of one job that completes every language, in log order."""
    voice_id, bed_id = uuid4(), uuid4()
    langs = list(languages)
    out: list[Payload] = [
        JobSubmitted(
            user_id=USER,
            source_language="en",
            target_languages=langs,
            voice=Stem(
                upload_id=voice_id,
                blob=_blob(upload_key(USER, voice_id), 1_120_044, "audio/wav"),
                duration_s=35.0,
            ),
            background=Stem(
                upload_id=bed_id,
                blob=_blob(upload_key(USER, bed_id), 3_360_044, "audio/wav"),
                duration_s=35.0,
            ),
            retention_hours=48,
        ),
        TranscriptReady(
            transcript=_blob(transcript_key(JOB), 2_310, "application/json"),
            segments=12,
            duration_s=35.0,
            target_languages=langs,
            provider="deepgram",
            usage=[priced("deepgram", "nova-3", "audio_seconds", "35.0", "0.0043")],
        ),
    ]
    out += [
        TranslationReady(
            language=lang,
            translation=_blob(
                language_key(JOB, lang, "translation.json"), 2_480, "application/json"
            ),
            segments=12,
            provider="openai",
            usage=[priced("openai", "gpt-4o-mini", "input_tokens", "512", "0.00000015")],
        )
        for lang in langs
    ]
    out += [
        SpeechReady(
            language=lang,
            speech=_blob(language_key(JOB, lang, "speech.json"), 3_100, "application/json"),
            clips=12,
            duration_s=33.4,
            provider="elevenlabs",
            usage=[priced("elevenlabs", "eleven_multilingual_v2", "characters", "530", "0.00003")],
        )
        for lang in langs
    ]
    kinds: tuple[tuple[ArtifactKind, str, str], ...] = (
        ("mix", "mix.wav", "audio/wav"),
        ("voice", "voice.wav", "audio/wav"),
        ("srt", "captions.srt", "application/x-subrip"),
        ("vtt", "captions.vtt", "text/vtt"),
        ("manifest", "manifest.json", "application/json"),
    )
    out += [
        DubReady(
            language=lang,
            artifacts=[
                Artifact(kind=kind, blob=_blob(language_key(JOB, lang, name), 1_120_044, ctype))
                for kind, name, ctype in kinds
            ],
        )
        for lang in langs
    ]
    out.append(JobCompleted(languages=langs))
    return out


def causes(count_languages: int) -> list[int | None]:
    """Index of the causing event of each event of `one_job` (None for the first)."""
    n = count_languages
    translations = [1] * n
    speech = [2 + i for i in range(n)]
    dubs = [2 + n + i for i in range(n)]
    return [None, 0, *translations, *speech, *dubs, 1 + 3 * n]


@dataclass(frozen=True, slots=True)
class Template:
    """One job's events as (type, version, payload JSON with placeholder ids)."""

    rows: list[tuple[str, int, str]]
    causes: list[int | None]

    @classmethod
    def build(cls, languages: Sequence[str] = LANGUAGES) -> "Template":
        payloads = one_job(languages)
        return cls(
            [(p.type, p.version, p.model_dump_json()) for p in payloads], causes(len(languages))
        )


def records(
    template: Template, jobs: int, first_position: int = 1
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows for `jobs` jobs, one list per block of jobs in flight, positions in order."""
    per_job = len(template.rows)
    position = first_position
    job_str, user_str = str(JOB), str(USER)
    for block_start in range(0, jobs, BLOCK):
        size = min(BLOCK, jobs - block_start)
        job_ids = [uuid4() for _ in range(size)]
        users = [USERS[(block_start + j) % len(USERS)] for j in range(size)]
        event_ids = [[uuid4() for _ in range(per_job)] for _ in range(size)]
        block: list[tuple[Any, ...]] = []
        for k, (etype, version, raw) in enumerate(template.rows):
            cause = template.causes[k]
            for j in range(size):
                job = job_ids[j]
                payload = raw.replace(job_str, str(job)).replace(user_str, str(users[j]))
                at = T0 + timedelta(milliseconds=20 * position)
                block.append(
                    (
                        position, event_ids[j][k], job, k + 1, etype, version, payload,
                        None if cause is None else event_ids[j][cause], job, users[j],
                        at, at + timedelta(milliseconds=2),
                    )
                )  # fmt: skip
                position += 1
        yield block


async def load_log(pool: asyncpg.Pool, jobs: int, languages: Sequence[str] = LANGUAGES) -> int:
    """COPY `jobs` complete jobs into an empty `job_events`; returns the number of events."""
    template = Template.build(languages)
    loaded = 0
    chunk: list[tuple[Any, ...]] = []
    async with pool.acquire() as conn:
        for block in records(template, jobs):
            chunk.extend(block)
            if len(chunk) >= 100_000:
                await conn.copy_records_to_table("job_events", records=chunk, columns=COLUMNS)
                loaded += len(chunk)
                chunk = []
        if chunk:
            await conn.copy_records_to_table("job_events", records=chunk, columns=COLUMNS)
            loaded += len(chunk)
    return loaded
