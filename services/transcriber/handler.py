"""Transcriber: `job.submitted` -> speech-to-text of the voice stem -> `transcript.ready`."""

from collections.abc import Sequence

from libs.events.catalogue import JobBrief, JobSubmitted, Payload, TranscriptReady, Usage
from libs.events.runner_config import RunnerConfig
from libs.events.stage import PermanentError, Stage
from libs.events.work import WorkItem
from libs.storage.async_blobs import AsyncBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.keys import transcript_key
from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.provider import SpeechToText


class Transcriber(Stage[JobSubmitted]):
    """Transcribes the voice stem once per job."""

    name = "transcriber"
    consumes = JobSubmitted
    # Speech-to-text of a whole programme: minutes of CPU or a long vendor call each.
    runner_defaults = RunnerConfig(
        concurrency=2, ack_wait_s=60.0, max_deliver=4, backoff_base_s=5.0, handler_timeout_s=1800.0
    )

    def __init__(self, stt: SpeechToText, blobs: BlobStore) -> None:
        self.stt = stt
        self.blobs = AsyncBlobs(blobs)

    async def handle(self, job: JobSubmitted, work: WorkItem) -> Sequence[Payload]:
        try:
            audio = await self.blobs.local_path(job.voice.blob)
        except KeyError as exc:
            raise PermanentError(f"the voice stem {job.voice.blob.key} is missing") from exc
        try:
            transcript = await self.stt.transcribe(audio, job.source_language)
        except UnsupportedLanguage as exc:
            raise PermanentError(str(exc)) from exc
        ref = await self.blobs.put_bytes(
            transcript_key(work.job_id), transcript.to_json().encode(), "application/json"
        )
        return [
            TranscriptReady(
                transcript=ref,
                segments=len(transcript.segments),
                duration_s=transcript.duration_s,
                target_languages=job.target_languages,
                brief=JobBrief(
                    job_id=work.job_id,
                    source_language=job.source_language,
                    background=job.background,
                ),
                provider=self.stt.name,
                usage=Usage(
                    vendor=self.stt.name, unit="audio_seconds", quantity=transcript.duration_s
                ),
            )
        ]
