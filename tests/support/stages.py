"""Stage handlers without a stack: a temporary blob store, stored stems, attempts, and the
real instant providers chained from `job.submitted` to `dub.ready` (no servers, no ffmpeg)."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

from libs.events.catalogue import (
    BlobRef,
    DubReady,
    JobSubmitted,
    Payload,
    SpeechReady,
    Stem,
    TranscriptReady,
    TranslationReady,
)
from libs.events.envelope import RecordedEvent
from libs.events.stage import Stage
from libs.events.work import WorkItem
from libs.storage.blob_store import BlobStore
from libs.storage.keys import attempt_prefix, upload_key
from libs.storage.local_store import LocalBlobStore
from libs.synthesis.instant import InstantTextToSpeech
from libs.transcription.instant_stt import InstantSpeechToText
from libs.translation.pseudo import PseudoTranslator
from services.mixer.engine import InstantMixEngine, MixOptions
from services.mixer.handler import Mixer
from services.synthesizer.handler import Synthesizer
from services.transcriber.handler import Transcriber
from services.translator.handler import TranslatorStage
from tests.support.builders import USER, recorded
from tests.support.media import silent_voice_and_bed

# Seven seconds tile into three instant segments of 3 s, 3 s and 1 s.
STEM_SECONDS = 7.0


def blob_store(tmp_path: Path) -> LocalBlobStore:
    """A local blob store private to one test."""
    return LocalBlobStore(tmp_path / "blobs", secret=b"test-secret", base_url="http://blobs.test")


def attempt(event: RecordedEvent, item: str = "", number: int = 1) -> WorkItem:
    """A fresh attempt at one item of `event`, with its own token (as the runner makes)."""
    return WorkItem(event, item, number, uuid4().hex[:16])


def prefix_of(stage: Stage[Any], work: WorkItem) -> str:
    """Where one attempt of `stage` writes."""
    return attempt_prefix(work.job_id, stage.name, work.token)


async def submission(
    blobs: BlobStore,
    tmp_path: Path,
    languages: Sequence[str] = ("fr", "de"),
    source_language: str = "en",
    seconds: float = STEM_SECONDS,
) -> JobSubmitted:
    """A `job.submitted` whose two stems (WAV files) are uploaded to `blobs`."""
    folder = tmp_path / f"stems-{uuid4().hex[:8]}"
    folder.mkdir()
    voice_path, bed_path = silent_voice_and_bed(folder, seconds)
    stems = []
    for path in (voice_path, bed_path):
        upload_id = uuid4()
        ref = await blobs.put_file(upload_key(USER, upload_id), path, "audio/wav")
        stems.append(Stem(upload_id=upload_id, blob=ref, duration_s=seconds))
    voice, background = stems
    return JobSubmitted(
        user_id=USER,
        source_language=source_language,
        target_languages=list(languages),
        voice=voice,
        background=background,
        retention_hours=48,
    )


T = TypeVar("T", bound=Payload)


def only(payloads: Sequence[Payload], kind: type[T]) -> T:
    """The single payload a handler returned, checked to be a `kind`."""
    [payload] = payloads
    assert isinstance(payload, kind), f"{payload.type} is not {kind.type}"
    return payload


async def stored(blobs: BlobStore, ref: BlobRef) -> bytes:
    """The object `ref` names, checked against the size and sha256 the reference claims."""
    data = await blobs.read_bytes(ref.key)
    assert len(data) == ref.size, f"{ref.key}: {len(data)} bytes stored, {ref.size} claimed"
    assert hashlib.sha256(data).hexdigest() == ref.sha256, f"{ref.key}: sha256 differs"
    return data


async def all_keys(blobs: BlobStore, prefix: str = "") -> set[str]:
    """Every stored key under `prefix`."""
    return {o.key for o in await blobs.list(prefix)}


def transcriber(blobs: BlobStore) -> Transcriber:
    return Transcriber(InstantSpeechToText(), blobs)


def translator(blobs: BlobStore) -> TranslatorStage:
    return TranslatorStage(PseudoTranslator(), blobs)


def synthesizer(blobs: BlobStore) -> Synthesizer:
    return Synthesizer(InstantTextToSpeech(), blobs)


def mixer(blobs: BlobStore) -> Mixer:
    return Mixer(InstantMixEngine(), blobs, MixOptions())


async def run_one(
    stage: Stage[Any], payload: Payload, job_id: UUID, item: str = ""
) -> tuple[Payload, WorkItem]:
    """`stage.handle` on one attempt of `payload` in job `job_id`; its single output."""
    work = attempt(recorded(payload, job_id=job_id), item)
    [out] = await stage.handle(payload, work)
    return out, work


@dataclass
class Chain:
    """Every stage's output for one job and one language, each from the real handler."""

    job_id: UUID
    submitted: JobSubmitted
    transcript: TranscriptReady
    translation: TranslationReady
    speech: SpeechReady
    dub: DubReady


async def chain(
    blobs: BlobStore, tmp_path: Path, language: str = "fr", until: str = "mixer"
) -> Chain:
    """Run the handlers from transcriber to `until` ("translator", "synthesizer", "mixer");
    outputs of the stages not run are left as None."""
    job_id = uuid4()
    job = await submission(blobs, tmp_path, languages=(language, "de"))
    outputs: list[Payload | None] = [None, None, None, None]
    payload: Payload = job
    stages: list[tuple[Stage[Any], str]] = [
        (transcriber(blobs), ""),
        (translator(blobs), language),
        (synthesizer(blobs), ""),
        (mixer(blobs), ""),
    ]
    for i, (stage, item) in enumerate(stages):
        payload, _ = await run_one(stage, payload, job_id, item)
        outputs[i] = payload
        if stage.name == until:
            break
    return Chain(job_id, job, *outputs)  # type: ignore[arg-type]
