"""Transcriber: `job.submitted` -> speech-to-text of the voice stem -> `transcript.ready`.

A transcript whose store write met an outage of our storage is kept by this process and
stored (and billed) by the try the runner makes once the store is back: an outage never
pays for a transcription twice.
"""

from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path

from libs.documents.transcript import Transcript
from libs.events.catalogue import JobBrief, JobSubmitted, Payload, TranscriptReady
from libs.events.outage import is_our_outage
from libs.events.runner_config import RunnerConfig
from libs.events.stage import PermanentError, Stage
from libs.events.work import WorkItem
from libs.media.pitch import span_pitches
from libs.storage.attempts import AttemptBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.named_blobs import open_named
from libs.storage.unstored import Unstored
from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.provider import SpeechToText, Transcription


class Transcriber(Stage[JobSubmitted]):
    """Transcribes the voice stem once per job."""

    name = "transcriber"
    consumes = JobSubmitted
    # Speech-to-text of a whole programme: minutes of CPU or a long vendor call each.
    runner_defaults = RunnerConfig(
        concurrency=2, ack_wait_s=60.0, max_deliver=4, backoff_base_s=5.0, handler_timeout_s=1800.0
    )

    def __init__(self, stt: SpeechToText, blobs: BlobStore, *, measure_pitch: bool = False) -> None:
        self.stt = stt
        self.blobs = blobs
        # Each segment's voice pitch, for casting a voice of like pitch (decodes the stem).
        self.measure_pitch = measure_pitch
        # Paid transcripts an outage of the store kept from being stored, for the next try.
        self.unstored: Unstored[Transcription] = Unstored(limit=100)

    async def handle(self, job: JobSubmitted, work: WorkItem) -> Sequence[Payload]:
        kept_as = f"{work.job_id}/{job.voice.blob.sha256}/{job.source_language}"
        kept = self.unstored.take(kept_as)
        transcription = kept if kept is not None else await self._transcribe(job)
        transcript = transcription.transcript
        out = AttemptBlobs(self.blobs, self.name, work)
        try:
            ref = await self.blobs.put_bytes(
                out.key("transcript.json"), transcript.to_json().encode(), "application/json"
            )
        except Exception as exc:
            if is_our_outage(exc):  # paid: this process keeps it for the try after the outage
                self.unstored.keep(kept_as, transcription)
            raise
        return [
            TranscriptReady(
                transcript=ref,
                segments=len(transcript.segments),
                duration_s=transcript.duration_s,
                target_languages=job.target_languages,
                provider=self.stt.name,
                # What the try that paid for it could not commit, when it was kept.
                usage=transcription.usage,
                brief=JobBrief(
                    job_id=work.job_id,
                    source_language=job.source_language,
                    background=job.background,
                    options=job.options,
                    voice=job.voice,
                    transcript=ref,
                ),
            )
        ]

    async def _transcribe(self, job: JobSubmitted) -> Transcription:
        async with AsyncExitStack() as local:
            audio = await local.enter_async_context(
                open_named(self.blobs, job.voice.blob, "voice stem")
            )
            try:
                transcription = await self.stt.transcribe(audio, job.source_language)
            except UnsupportedLanguage as exc:
                raise PermanentError(str(exc)) from exc
            if not self.measure_pitch:
                return transcription
            transcript = await with_pitches(audio, transcription.transcript)
            return Transcription(transcript, transcription.usage)

    async def discard(self, work: WorkItem) -> None:
        await AttemptBlobs(self.blobs, self.name, work).discard()


async def with_pitches(audio: Path, transcript: Transcript) -> Transcript:
    """Each segment with its voice's median pitch, so a voice of like pitch can be cast."""
    pitches = await span_pitches(audio, [(s.start, s.end) for s in transcript.segments])
    segments = [
        s.model_copy(update={"pitch_hz": round(p, 1) if p is not None else None})
        for s, p in zip(transcript.segments, pitches, strict=True)
    ]
    return transcript.model_copy(update={"segments": segments})
