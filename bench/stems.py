"""The tiny voice and background stems every benchmark job shares."""

from uuid import uuid4

from libs.events.catalogue import Stem
from libs.storage.blob_store import BlobStore
from libs.synthesis.instant import silent_wav

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
