"""Translator: `transcript.ready` -> one translation per target language -> `translation.ready`."""

from collections.abc import Mapping, Sequence

from libs.documents.transcript import Transcript
from libs.events.catalogue import Payload, TranscriptReady, TranslationReady
from libs.events.runner_config import RunnerConfig
from libs.events.stage import Stage
from libs.events.work import WorkItem
from libs.storage.attempts import AttemptBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.content_cache import JobResultCache
from libs.storage.named_blobs import read_named
from libs.storage.unstored import Unstored
from libs.translation.length_budget import length_budget
from libs.translation.provider import SourceLine, Translator
from libs.vendors.result_cache import caching_results


class TranslatorStage(Stage[TranscriptReady]):
    """Each target language is its own work item: retried and failed on its own."""

    name = "translator"
    consumes = TranscriptReady
    # One request per language to a text service: short, I/O-bound, many at once.
    runner_defaults = RunnerConfig(
        concurrency=8, ack_wait_s=30.0, max_deliver=5, backoff_base_s=2.0, handler_timeout_s=300.0
    )

    def __init__(
        self,
        translator: Translator,
        blobs: BlobStore,
        *,
        glossary: Mapping[str, str] | None = None,
    ) -> None:
        self.translator = translator
        self.blobs = blobs
        self.glossary = dict(glossary or {})
        # Paid batches an outage of the store kept from the cache, for the next try here.
        self.unstored: Unstored[bytes] = Unstored()

    def work_items(self, payload: TranscriptReady) -> Sequence[str]:
        return payload.target_languages

    async def handle(self, ready: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        language = work.item
        raw = await read_named(self.blobs, ready.transcript, "transcript")
        source = Transcript.from_json(raw.decode())
        # Each line's budget: what its slot holds at the target language's speaking rate.
        lines = [
            SourceLine(id=s.index, text=s.text, max_chars=length_budget(s.duration, language))
            for s in source.segments
        ]
        # Paid batches are kept in the job's cache: a retry or redelivery pays for the rest.
        glossary = self.glossary_for(ready)
        cache = JobResultCache(self.blobs, work.job_id, work.token, self.unstored)
        with caching_results(cache):
            translated = await self.translator.translate(
                lines, source.language, language, glossary=glossary or None
            )
        result = Transcript(
            language=language,
            duration_s=source.duration_s,
            providers={
                **source.providers,
                "stt": ready.provider,
                "translator": self.translator.name,
            },
            segments=[
                s.model_copy(update={"text": t})
                for s, t in zip(source.segments, translated.texts, strict=True)
            ],
        )
        out = AttemptBlobs(self.blobs, self.name, work)
        ref = await self.blobs.put_bytes(
            out.key(f"{language}/translation.json"), result.to_json().encode(), "application/json"
        )
        return [
            TranslationReady(
                language=language,
                translation=ref,
                segments=len(result.segments),
                provider=self.translator.name,
                usage=translated.usage,
                brief=ready.brief,
            )
        ]

    def glossary_for(self, ready: TranscriptReady) -> dict[str, str]:
        """The glossary file's terms, with the job's own (`options.glossary`) over them."""
        job = ready.brief.options.glossary if ready.brief is not None else {}
        return {**self.glossary, **job}

    async def discard(self, work: WorkItem) -> None:
        await AttemptBlobs(self.blobs, self.name, work).discard()
