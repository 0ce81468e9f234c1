"""The synthesizer's handler on a temporary blob store with the instant text-to-speech."""

import io
import wave
from collections.abc import Sequence
from pathlib import Path

import pytest

from libs.documents.speech_index import SpeechIndex
from libs.documents.transcript import Transcript
from libs.events.catalogue import BlobRef, SpeechReady, TranslationReady
from libs.events.stage import PermanentError
from libs.storage.blob_store import BlobStore
from libs.storage.keys import job_prefix
from libs.synthesis.errors import UnsupportedLanguage
from libs.synthesis.instant import InstantTextToSpeech
from libs.synthesis.provider import Speech, Voice
from services.synthesizer.handler import Synthesizer
from tests.support.builders import recorded
from tests.support.stages import (
    Chain,
    all_keys,
    attempt,
    blob_store,
    chain,
    only,
    prefix_of,
    stored,
    synthesizer,
)


class SpeaksOnce(InstantTextToSpeech):
    """Speaks the first line, then has no voice for the language (a vendor refusing it)."""

    def __init__(self) -> None:
        super().__init__()
        self.spoken = 0

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        if self.spoken:
            raise UnsupportedLanguage(self.name, language)
        self.spoken += 1
        return await super().synthesize(text, language, voice, out)


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return float(w.getnframes()) / float(w.getframerate())


async def test_speaks_every_line_and_carries_the_brief_forward(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="translator")
    ready = done.translation
    translation = Transcript.from_json(await blobs.read_bytes(ready.translation.key))
    stage = synthesizer(blobs)
    work = attempt(recorded(ready, job_id=done.job_id))

    [out] = await stage.handle(ready, work)

    assert isinstance(out, SpeechReady)
    assert out.language == "fr"
    prefix = prefix_of(stage, work)
    assert out.speech.key == f"{prefix}fr/speech.json"
    index = SpeechIndex.model_validate_json(await stored(blobs, out.speech))
    assert index.language == "fr"
    assert index.translation == ready.translation
    assert [(c.index, c.start, c.end) for c in index.clips] == [
        (s.index, s.start, s.end) for s in translation.segments
    ]
    for clip in index.clips:
        assert clip.blob.key == f"{prefix}fr/clips/{clip.index:05d}.wav"
        assert clip.blob.content_type == "audio/wav"
        audio = await stored(blobs, clip.blob)
        assert wav_seconds(audio) == pytest.approx(clip.duration_s)
        assert clip.duration_s > 0
    assert out.clips == len(index.clips) == 3
    assert out.duration_s == pytest.approx(sum(c.duration_s for c in index.clips))
    assert out.provider == "instant"
    [usage] = out.usage
    assert usage.quantity == sum(len(s.text) for s in translation.segments)
    assert out.brief is not None and out.brief == ready.brief
    assert out.brief.job_id == done.job_id
    assert out.brief.source_language == "en"
    assert out.brief.background == done.submitted.background


async def test_each_attempt_writes_its_own_keys_and_discards_only_its_own(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="translator")
    ready = done.translation
    event = recorded(ready, job_id=done.job_id)
    stage = synthesizer(blobs)
    first, second = attempt(event, number=1), attempt(event, number=2)

    one = only(await stage.handle(ready, first), SpeechReady)
    first_objects = {
        k: await blobs.read_bytes(k) for k in await all_keys(blobs, prefix_of(stage, first))
    }
    two = only(await stage.handle(ready, second), SpeechReady)

    assert one.speech.key != two.speech.key
    assert len(first_objects) == 4, "three clips and the index"
    assert {k: await blobs.read_bytes(k) for k in first_objects} == first_objects

    before = await all_keys(blobs)
    await stage.discard(first)
    after = await all_keys(blobs)
    assert before - after == set(first_objects)
    assert await all_keys(blobs, prefix_of(stage, second)) <= after
    assert ready.translation.key in after
    index = SpeechIndex.model_validate_json(await stored(blobs, two.speech))
    for clip in index.clips:
        await stored(blobs, clip.blob)


async def test_an_unsupported_language_fails_permanently_and_discard_removes_the_clips_made(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="translator")
    ready = done.translation
    stage = Synthesizer(SpeaksOnce(), blobs)
    work = attempt(recorded(ready, job_id=done.job_id))

    with pytest.raises(PermanentError, match="no voice for 'fr'"):
        await stage.handle(ready, work)
    partial = await all_keys(blobs, prefix_of(stage, work))
    assert len(partial) == 1, "the first line was spoken before the refusal"

    before = await all_keys(blobs)
    await stage.discard(work)
    assert before - await all_keys(blobs) == partial


async def test_a_missing_translation_fails_at_once(tmp_path: Path) -> None:
    # A blob a committed event names never comes back: retrying cannot help.
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="translator")
    ready = done.translation
    await blobs.delete(ready.translation.key)

    with pytest.raises(PermanentError) as caught:
        await synthesizer(blobs).handle(ready, attempt(recorded(ready, job_id=done.job_id)))
    assert "translation" in str(caught.value) and "missing" in str(caught.value)
    assert await all_keys(blobs, job_prefix(done.job_id) + "synthesizer/") == set()


class TwoVoices(InstantTextToSpeech):
    """Silence in a low and a high voice, so casting has a choice."""

    def voices(self, language: str) -> Sequence[Voice]:
        return (
            Voice("low", language, "low", "male", 100.0),
            Voice("high", language, "high", "female", 210.0),
        )


async def _two_speakers(blobs: BlobStore, tmp_path: Path) -> tuple[Chain, BlobRef]:
    """A job translated, and its translation again with speaker A high and B low."""
    done = await chain(blobs, tmp_path, until="translator")
    translation = Transcript.from_json(await blobs.read_bytes(done.translation.translation.key))
    speakers = [("A", 205.0), ("B", 95.0), ("A", 215.0)]
    segments = [
        s.model_copy(update={"speaker": who, "pitch_hz": hz})
        for s, (who, hz) in zip(translation.segments, speakers, strict=True)
    ]
    doc = translation.model_copy(update={"segments": segments})
    ref = await blobs.put_bytes("cast/translation.json", doc.to_json().encode(), "application/json")
    return done, ref


async def test_each_speaker_is_cast_a_voice_of_like_pitch(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done, ref = await _two_speakers(blobs, tmp_path)
    ready = done.translation.model_copy(update={"translation": ref})
    stage = Synthesizer(TwoVoices(), blobs)

    [out] = await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id)))

    index = SpeechIndex.model_validate_json(await stored(blobs, only([out], SpeechReady).speech))
    assert [(c.speaker, c.voice) for c in index.clips] == [
        ("A", "high"),
        ("B", "low"),
        ("A", "high"),
    ]


async def test_the_jobs_voice_map_overrides_casting_and_a_wrong_voice_fails_clearly(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done, ref = await _two_speakers(blobs, tmp_path)

    def asking(voice_map: dict[str, str]) -> TranslationReady:
        brief = done.translation.brief
        assert brief is not None
        options = brief.options.model_copy(update={"voice_map": voice_map})
        return done.translation.model_copy(
            update={"translation": ref, "brief": brief.model_copy(update={"options": options})}
        )

    stage = Synthesizer(TwoVoices(), blobs)
    # Against pitch: the high speaker gets the low voice because the job says so.
    ready = asking({"A": "low"})
    [out] = await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id)))
    index = SpeechIndex.model_validate_json(await stored(blobs, only([out], SpeechReady).speech))
    assert [(c.speaker, c.voice) for c in index.clips] == [
        ("A", "low"),
        ("B", "high"),
        ("A", "low"),
    ]

    ready = asking({"B": "nobody"})
    with pytest.raises(PermanentError, match=r"voice 'nobody'.*low, high"):
        await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id), number=2))
