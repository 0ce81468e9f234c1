"""The tiny voice and background stems every benchmark job shares."""

from collections.abc import Sequence
from uuid import UUID, uuid4

from libs.config.settings import Settings
from libs.events.catalogue import JobSubmitted, Stem
from libs.storage.blob_store import BlobStore
from libs.synthesis.instant import silent_wav
from redub.runtime.connections import local_blob_store

USER = UUID("00000000-0000-4000-8000-0000000be4c4")

SAMPLE_RATE = 8_000
DURATION_S = 2.0  # under one 3 s segment of the instant transcript: one line per job


async def put_stems(blobs: BlobStore) -> tuple[Stem, Stem]:
    """Store a voice and a background stem once; return them as a job refers to them."""
    stems = []
    for name in ("voice", "background"):
        upload_id = uuid4()
        key = f"uploads/bench/{name}-{upload_id}"
        ref = await blobs.put_bytes(
            key, silent_wav(round(DURATION_S * SAMPLE_RATE), SAMPLE_RATE), "audio/wav"
        )
        stems.append(Stem(upload_id=upload_id, blob=ref, duration_s=DURATION_S))
    return stems[0], stems[1]


async def submission(settings: Settings, languages: Sequence[str]) -> JobSubmitted:
    """What every benchmark job submits: the stored stems, English into `languages`."""
    voice, background = await put_stems(local_blob_store(settings))
    return JobSubmitted(
        user_id=USER,
        source_language="en",
        target_languages=list(languages),
        voice=voice,
        background=background,
        retention_hours=settings.retention_hours,
    )
