"""Transcriber: `job.submitted` -> speech-to-text of the voice stem -> `transcript.ready`."""

from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import cast

from libs.events.catalogue import JobSubmitted, Payload, TranscriptReady, Usage
from libs.events.envelope import RecordedEvent
from libs.events.stage import PermanentError, Stage
from libs.storage.blob_store import BlobStore
from libs.storage.keys import transcript_key
from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.provider import SpeechToText


class Transcriber(Stage):
    """Transcribes the voice stem once per job."""

    name = "transcriber"
    consumes = (JobSubmitted.type,)

    def __init__(self, stt: SpeechToText, blobs: BlobStore) -> None:
        self.stt = stt
        self.blobs = blobs

    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        job = cast(JobSubmitted, event.payload)
        async with AsyncExitStack() as local:
            try:
                audio = await local.enter_async_context(self.blobs.open_local(job.voice.blob.key))
            except KeyError as exc:
                raise PermanentError(f"the voice stem {job.voice.blob.key} is missing") from exc
            try:
                transcript = await self.stt.transcribe(audio, job.source_language)
            except UnsupportedLanguage as exc:
                raise PermanentError(str(exc)) from exc
        ref = await self.blobs.put_bytes(
            transcript_key(event.job_id), transcript.to_json().encode(), "application/json"
        )
        return [
            TranscriptReady(
                transcript=ref,
                segments=len(transcript.segments),
                duration_s=transcript.duration_s,
                target_languages=job.target_languages,
                provider=self.stt.name,
                usage=Usage(
                    vendor=self.stt.name, unit="audio_seconds", quantity=transcript.duration_s
                ),
            )
        ]
