"""Synthesizer: `translation.ready` -> one spoken clip per line -> `speech.ready`."""

from collections.abc import Sequence

from libs.billing.price_table import merge_usage
from libs.documents.speech_index import ClipEntry, SpeechIndex
from libs.documents.transcript import Transcript
from libs.events.catalogue import Payload, SpeechReady, TranslationReady, Usage
from libs.events.runner_config import RunnerConfig
from libs.events.stage import PermanentError, Stage
from libs.events.work import WorkItem
from libs.storage.attempts import AttemptBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.named_blobs import read_named
from libs.storage.scratch import scratch_files
from libs.synthesis.errors import UnsupportedLanguage
from libs.synthesis.provider import TextToSpeech


class Synthesizer(Stage[TranslationReady]):
    """Speaks every translated line; the clips and their index go to storage."""

    name = "synthesizer"
    consumes = TranslationReady
    # Every line of a language spoken: many vendor calls or CPU-bound espeak runs.
    runner_defaults = RunnerConfig(
        concurrency=4, ack_wait_s=30.0, max_deliver=5, backoff_base_s=2.0, handler_timeout_s=1800.0
    )

    def __init__(self, tts: TextToSpeech, blobs: BlobStore) -> None:
        self.tts = tts
        self.blobs = blobs

    async def handle(self, ready: TranslationReady, work: WorkItem) -> Sequence[Payload]:
        raw = await read_named(self.blobs, ready.translation, "translation")
        translation = Transcript.from_json(raw.decode())
        out = AttemptBlobs(self.blobs, self.name, work)
        lang = ready.language
        voices = self.tts.voices(lang)
        if not voices:
            raise PermanentError(str(UnsupportedLanguage(self.tts.name, lang)))
        voice = voices[0]
        clips: list[ClipEntry] = []
        usage: list[Usage] = []
        for seg in translation.segments:
            with scratch_files("clip.wav") as [path]:
                try:
                    speech = await self.tts.synthesize(seg.text, lang, voice, path)
                except UnsupportedLanguage as exc:
                    raise PermanentError(str(exc)) from exc
                key = out.key(f"{lang}/clips/{seg.index:05d}.wav")
                ref = await self.blobs.move_file(key, path, "audio/wav")
            usage.extend(speech.usage)
            clips.append(
                ClipEntry(
                    index=seg.index,
                    start=seg.start,
                    end=seg.end,
                    duration_s=speech.duration_s,
                    blob=ref,
                    speaker=seg.speaker,
                    voice=voice.id,
                )
            )
        index = SpeechIndex(language=lang, translation=ready.translation, clips=clips)
        ref = await self.blobs.put_bytes(
            out.key(f"{lang}/speech.json"), index.model_dump_json().encode(), "application/json"
        )
        return [
            SpeechReady(
                language=lang,
                speech=ref,
                clips=len(clips),
                duration_s=sum(c.duration_s for c in clips),
                provider=self.tts.name,
                usage=merge_usage(usage),
                brief=ready.brief,
            )
        ]

    async def discard(self, work: WorkItem) -> None:
        await AttemptBlobs(self.blobs, self.name, work).discard()
