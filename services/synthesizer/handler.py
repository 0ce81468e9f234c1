"""Synthesizer: `translation.ready` -> one spoken clip per line -> `speech.ready`."""

from collections.abc import Sequence
from typing import cast

from libs.documents.speech_index import ClipEntry, SpeechIndex
from libs.documents.transcript import Transcript
from libs.events.catalogue import Payload, SpeechReady, TranslationReady, Usage
from libs.events.envelope import RecordedEvent
from libs.events.stage import PermanentError, Stage
from libs.storage.blob_store import BlobStore
from libs.storage.keys import language_key
from libs.storage.scratch import scratch_files
from libs.synthesis.errors import UnsupportedLanguage
from libs.synthesis.provider import TextToSpeech


class Synthesizer(Stage):
    """Speaks every translated line; the clips and their index go to storage."""

    name = "synthesizer"
    consumes = (TranslationReady.type,)

    def __init__(self, tts: TextToSpeech, blobs: BlobStore) -> None:
        self.tts = tts
        self.blobs = blobs

    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        ready = cast(TranslationReady, event.payload)
        raw = await self.blobs.read_bytes(ready.translation.key)
        translation = Transcript.from_json(raw.decode())
        clips: list[ClipEntry] = []
        for seg in translation.segments:
            with scratch_files("clip.wav") as [out]:
                try:
                    duration = await self.tts.synthesize(seg.text, ready.language, out)
                except UnsupportedLanguage as exc:
                    raise PermanentError(str(exc)) from exc
                key = language_key(event.job_id, ready.language, f"clips/{seg.index:05d}.wav")
                ref = await self.blobs.move_file(key, out, "audio/wav")
            clips.append(
                ClipEntry(
                    index=seg.index, start=seg.start, end=seg.end, duration_s=duration, blob=ref
                )
            )
        index = SpeechIndex(language=ready.language, translation=ready.translation, clips=clips)
        ref = await self.blobs.put_bytes(
            language_key(event.job_id, ready.language, "speech.json"),
            index.model_dump_json().encode(),
            "application/json",
        )
        return [
            SpeechReady(
                language=ready.language,
                speech=ref,
                clips=len(clips),
                duration_s=sum(c.duration_s for c in clips),
                provider=self.tts.name,
                usage=Usage(
                    vendor=self.tts.name,
                    unit="characters",
                    quantity=sum(len(s.text) for s in translation.segments),
                ),
            )
        ]
