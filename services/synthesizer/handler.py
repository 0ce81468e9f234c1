"""Synthesizer: `translation.ready` -> one spoken clip per line -> `speech.ready`.

Lines are spoken concurrently (bounded here and by the vendor's own limit). Paid speech is
kept under a key derived from what produced it, in the job's cache outside any attempt's
prefix, so a redelivery, a retry or a re-render pays only for lines not yet made; a line
that overflows its slot past the stretch cap is shortened once (that request is cached too)
and spoken again.

Usage on `speech.ready` is what this attempt paid: a line reused from the cache costs 0 and is
not billed again. A line paid by an attempt that crashed before committing is on no event:
the log under-bills such a line rather than ever billing one twice.

When a line fails, the lines being spoken finish (they are paid for) and are kept, and no
other line starts. A clip whose store write met an outage of our storage is kept by this
process (`Unstored`) and stored by the try the runner makes once the store is back, which
bills it (the try that paid committed nothing); so an outage repeats no paid line.
"""

import asyncio
import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable, merge_usage
from libs.documents.speech_index import ClipEntry, SpeechIndex
from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import BlobRef, Payload, SpeechReady, TranslationReady, Usage
from libs.events.outage import is_our_outage
from libs.events.runner_config import RunnerConfig
from libs.events.stage import PermanentError, Stage
from libs.events.work import WorkItem
from libs.storage.attempts import AttemptBlobs
from libs.storage.blob_store import BlobStore
from libs.storage.content_cache import JobResultCache
from libs.storage.named_blobs import read_named
from libs.storage.scratch import kept_scratch, scratch_files
from libs.storage.unstored import Unstored
from libs.synthesis.errors import UnsupportedLanguage
from libs.synthesis.provider import TextToSpeech, Voice
from libs.synthesis.provider_table import SpeechProviders
from libs.synthesis.voice_casting import (
    UnknownVoice,
    cast_voices,
    speaker_label,
    speakers_in_order,
)
from libs.translation.length_budget import overflows, shortened_budget
from libs.translation.provider import SourceLine
from libs.translation.shortener import Shortener
from libs.vendors.paid_calls import CallNotStarted, paid_calls_while
from libs.vendors.result_cache import caching_results, content_key


@dataclass(frozen=True, slots=True)
class _Clip:
    """One spoken take of a line."""

    blob: BlobRef
    duration_s: float
    text: str
    # What making it cost now (nothing when it was made before).
    usage: list[Usage]


@dataclass(frozen=True, slots=True)
class _KeptClip:
    """A paid clip the store could not take (an outage), in this process's scratch folder."""

    path: Path
    duration_s: float
    usage: list[Usage]


def _remove(kept: _KeptClip) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(kept.path)


class Synthesizer(Stage[TranslationReady]):
    """Speaks every translated line; the clips and their index go to storage."""

    name = "synthesizer"
    consumes = TranslationReady
    # Every line of a language spoken: many vendor calls or CPU-bound espeak runs.
    runner_defaults = RunnerConfig(
        concurrency=4, ack_wait_s=30.0, max_deliver=5, backoff_base_s=2.0, handler_timeout_s=1800.0
    )

    def __init__(
        self,
        tts: TextToSpeech | SpeechProviders,
        blobs: BlobStore,
        *,
        line_concurrency: int = 8,
        shortener: Shortener | None = None,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self.providers = tts if isinstance(tts, SpeechProviders) else SpeechProviders([tts])
        self.blobs = blobs
        self.line_concurrency = line_concurrency
        self.shortener = shortener
        self.prices = prices
        # What an outage of the store kept from being stored, for the next try in this process.
        self.unstored_clips: Unstored[_KeptClip] = Unstored(dropped=_remove)
        self.unstored_entries: Unstored[bytes] = Unstored()

    async def handle(self, ready: TranslationReady, work: WorkItem) -> Sequence[Payload]:
        raw = await read_named(self.blobs, ready.translation, "translation")
        translation = Transcript.from_json(raw.decode())
        lang = ready.language
        tts = self.providers.for_language(lang, premium=_premium(ready))
        if tts is None:
            names = ", ".join(self.providers.names()) or "none"
            raise PermanentError(f"no configured text-to-speech provider ({names}) speaks {lang!r}")
        voices = tts.voices(lang)
        out = AttemptBlobs(self.blobs, self.name, work)
        paid = self._paid(tts)
        cache = (
            JobResultCache(self.blobs, work.job_id, work.token, self.unstored_entries)
            if paid
            else None
        )
        # A vendor bounds its own calls; an offline synthesiser is bound by this host's cores.
        limit = self.line_concurrency if paid else min(self.line_concurrency, os.cpu_count() or 1)
        lines = asyncio.Semaphore(limit)

        # A distinct voice per speaker, of like pitch where the transcriber measured it; the
        # same speakers and voices give the same casting in every language and re-render.
        # A voice map of the job's (speaker -> voice id) comes first.
        voice_map = ready.brief.options.voice_map if ready.brief is not None else {}
        try:
            cast = cast_voices(speakers_in_order(translation.segments), voices, voice_map)
        except UnknownVoice as exc:
            raise PermanentError(str(exc)) from exc

        # Once a line fails no other starts, nor does any paid call waiting for the vendor's
        # bound, but the calls in flight finish: they are paid, and their clips are kept.
        failed: list[BaseException] = []

        async def speak(seg: Segment) -> tuple[ClipEntry, list[Usage]]:
            async with lines:
                if failed:
                    raise CallNotStarted
                try:
                    return await self._line(tts, lang, seg, cast[speaker_label(seg)], out, cache)
                except CallNotStarted:
                    raise
                except BaseException as exc:
                    failed.append(exc)
                    raise

        # A shortening request made inside a line finds the job's cache through this.
        with caching_results(cache), paid_calls_while(lambda: not failed):
            spoken = await asyncio.gather(
                *(speak(seg) for seg in translation.segments), return_exceptions=True
            )
        if failed:
            # The first failure is the reason (a vendor's, typically).
            first = failed[0]
            if isinstance(first, UnsupportedLanguage):
                raise PermanentError(str(first)) from first
            raise first  # with its own cause: an outage under it is still one
        done = [line for line in spoken if not isinstance(line, BaseException)]
        clips = [clip for clip, _ in done]
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
                provider=tts.name,
                usage=merge_usage(line for _, usage in done for line in usage),
                brief=ready.brief,
            )
        ]

    async def _line(
        self,
        tts: TextToSpeech,
        lang: str,
        seg: Segment,
        voice: Voice,
        out: AttemptBlobs,
        cache: JobResultCache | None,
    ) -> tuple[ClipEntry, list[Usage]]:
        name = f"{lang}/clips/{seg.index:05d}"
        clip = await self._speak(tts, lang, seg.text, voice, out, name, cache)
        usage = list(clip.usage)
        if self.shortener is not None and overflows(clip.duration_s, seg.duration):
            budget = shortened_budget(clip.text, clip.duration_s, seg.duration, lang)
            shorter = await self.shortener.shorten(SourceLine(seg.index, clip.text, budget), lang)
            usage += shorter.usage
            [text] = shorter.texts
            if text.strip() and text != clip.text:
                again = await self._speak(tts, lang, text, voice, out, f"{name}-short", cache)
                usage += again.usage
                if again.duration_s < clip.duration_s:
                    clip = again
        entry = ClipEntry(
            index=seg.index,
            start=seg.start,
            end=seg.end,
            duration_s=clip.duration_s,
            blob=clip.blob,
            speaker=seg.speaker,
            voice=voice.id,
            text=clip.text if clip.text != seg.text else None,
        )
        return entry, usage

    async def _speak(
        self,
        tts: TextToSpeech,
        lang: str,
        text: str,
        voice: Voice,
        out: AttemptBlobs,
        name: str,
        cache: JobResultCache | None,
    ) -> _Clip:
        """One take: from the cache when this very line was made before (or kept by this
        process through an outage), else made now."""
        if cache is None:
            with scratch_files("clip.wav") as [path]:
                speech = await tts.synthesize(text, lang, voice, path)
                ref = await self.blobs.move_file(out.key(f"{name}.wav"), path, "audio/wav")
            return _Clip(ref, speech.duration_s, text, speech.usage)
        key = clip_key(tts, lang, text, voice)
        found = await cache.load("tts", key)
        if found is not None:
            entry = json.loads(found)
            return _Clip(BlobRef.model_validate(entry["blob"]), entry["duration_s"], text, [])
        entry_id = f"{cache.job_id}/{key}"
        kept = self.unstored_clips.take(entry_id)
        if kept is not None:  # paid by a try that met an outage, and committed nothing
            return await self._store_clip(cache, key, entry_id, kept, text)
        # The vendor's slot is held until the clip is stored, not only through the call.
        async with tts.paid_slot():
            with scratch_files("clip.wav") as [path]:
                speech = await tts.synthesize(text, lang, voice, path)
                made = _KeptClip(path, speech.duration_s, speech.usage)
                return await self._store_clip(cache, key, entry_id, made, text)

    async def _store_clip(
        self, cache: JobResultCache, key: str, entry_id: str, clip: _KeptClip, text: str
    ) -> _Clip:
        """Store a paid clip as the cache entry `key`; kept by this process if the store is
        down (the outage is raised)."""
        try:
            ref = await self.blobs.move_file(
                cache.new_key("tts", key, ".wav"), clip.path, "audio/wav"
            )
        except Exception as exc:
            if is_our_outage(exc) and clip.path.exists():
                path = kept_scratch(clip.path, "clip.wav")
                self.unstored_clips.keep(entry_id, _KeptClip(path, clip.duration_s, clip.usage))
            else:
                _remove(clip)
            raise
        # Written after the clip: an entry that exists names a complete clip. If this write
        # meets an outage, the cache keeps the entry for the next try (which bills nothing:
        # this try never commits).
        await cache.store_ref("tts", key, ref, {"duration_s": clip.duration_s})
        return _Clip(ref, clip.duration_s, text, clip.usage)

    def _paid(self, tts: TextToSpeech) -> bool:
        """Whether this provider's speech costs money (free speech is not worth keeping)."""
        return self.prices.lookup(tts.name, tts.model, "characters").unit_price > 0

    async def discard(self, work: WorkItem) -> None:
        # The job's cache stays: what a failed attempt paid for, the next one reuses.
        await AttemptBlobs(self.blobs, self.name, work).discard()


def clip_key(tts: TextToSpeech, language: str, text: str, voice: Voice) -> str:
    """What determines a clip: provider, model, voice, language, text and output settings."""
    settings = {"sample_rate": getattr(tts, "sample_rate", None)}
    return content_key("tts", tts.name, tts.model, voice.id, language, text, settings)


def _premium(ready: TranslationReady) -> bool:
    return ready.brief is not None and ready.brief.options.premium_voice
