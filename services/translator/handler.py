"""Translator: `transcript.ready` -> one translation per target language -> `translation.ready`."""

from collections.abc import Sequence
from typing import cast

from libs.documents.transcript import Transcript
from libs.events.catalogue import Payload, TranscriptReady, TranslationReady, Usage
from libs.events.envelope import RecordedEvent
from libs.events.stage import Stage
from libs.storage.blob_store import BlobStore
from libs.storage.keys import language_key
from libs.translation.provider import Translator


class TranslatorStage(Stage):
    """Each target language is its own work item: retried and failed on its own."""

    name = "translator"
    consumes = (TranscriptReady.type,)

    def __init__(self, translator: Translator, blobs: BlobStore) -> None:
        self.translator = translator
        self.blobs = blobs

    def work_items(self, event: RecordedEvent) -> Sequence[str]:
        return cast(TranscriptReady, event.payload).target_languages

    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        ready = cast(TranscriptReady, event.payload)
        raw = await self.blobs.read_bytes(ready.transcript.key)
        source = Transcript.from_json(raw.decode())
        texts = [s.text for s in source.segments]
        translated = await self.translator.translate(texts, source.language, item)
        result = Transcript(
            language=item,
            duration_s=source.duration_s,
            segments=[
                s.model_copy(update={"text": t})
                for s, t in zip(source.segments, translated, strict=True)
            ],
        )
        ref = await self.blobs.put_bytes(
            language_key(event.job_id, item, "translation.json"),
            result.to_json().encode(),
            "application/json",
        )
        return [
            TranslationReady(
                language=item,
                translation=ref,
                segments=len(result.segments),
                provider=self.translator.name,
                usage=Usage(
                    vendor=self.translator.name,
                    unit="characters",
                    quantity=sum(len(t) for t in texts),
                ),
            )
        ]
