"""The synthesizer with Deepgram Aura-2 (and the OpenAI shortener) against the local fake:
lines spoken concurrently within the vendor's bound, each paid for once."""

import collections
import json
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from libs.documents.speech_index import SpeechIndex
from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import BlobRef, SpeechReady, TranslationReady
from libs.events.outage import Outage
from libs.events.stage import PermanentError
from libs.storage.content_cache import JobResultCache
from libs.storage.keys import job_prefix
from libs.storage.local_store import LocalBlobStore
from libs.synthesis.deepgram_tts import DeepgramTextToSpeech
from libs.translation.openai_translator import OpenAITranslator
from services.synthesizer.handler import Synthesizer
from tests.support.builders import recorded
from tests.support.fake_vendors import SECONDS_PER_CHARACTER, FakeVendors, Reply
from tests.support.stages import all_keys, attempt, blob_store, only, prefix_of, stored
from tests.support.vendor_sessions import session


async def translated(
    blobs: LocalBlobStore, job_id: UUID, lines: list[tuple[float, str]]
) -> TranslationReady:
    """A stored French translation with lines of (slot seconds, text), back to back."""
    segments, at = [], 0.0
    for i, (slot, text) in enumerate(lines):
        segments.append(
            Segment(index=i, start=at, end=at + slot, text=text, speaker=f"speaker_{i % 2}")
        )
        at += slot
    doc = Transcript(language="fr", duration_s=at, segments=segments)
    ref = await blobs.put_bytes(
        f"{job_prefix(job_id)}translator/x/fr/translation.json",
        doc.to_json().encode(),
        "application/json",
    )
    return TranslationReady(
        language="fr", translation=ref, segments=len(segments), provider="openai"
    )


def stage(
    fake: FakeVendors, blobs: LocalBlobStore, *, limit: int = 4, shorten: bool = False
) -> Synthesizer:
    return Synthesizer(
        DeepgramTextToSpeech(session("deepgram", fake.url, limit=limit)),
        blobs,
        line_concurrency=16,
        shortener=OpenAITranslator(session("openai", fake.url + "/v1")) if shorten else None,
    )


async def test_lines_are_spoken_concurrently_within_the_vendors_bound(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    fake_vendors.latency_s = 0.1
    blobs, job_id = blob_store(tmp_path), uuid4()
    ready = await translated(blobs, job_id, [(3.0, f"Réplique numéro {i}.") for i in range(12)])
    synth = stage(fake_vendors, blobs, limit=4)
    out = only(await synth.handle(ready, attempt(recorded(ready, job_id=job_id))), SpeechReady)
    # Four at once, never more: the vendor's bound, not one after another (the benchmark
    # measures the speed).
    assert fake_vendors.max_in_flight == 4
    index = SpeechIndex.model_validate_json(await stored(blobs, out.speech))
    assert [c.index for c in index.clips] == list(range(12))
    assert {c.voice for c in index.clips} == {"aura-2-agathe-fr"}
    assert [c.speaker for c in index.clips[:2]] == ["speaker_0", "speaker_1"]
    for clip in index.clips:
        await stored(blobs, clip.blob)
        assert clip.blob.key.startswith(f"{job_prefix(job_id)}cache/tts/")
    [usage] = out.usage
    assert usage.vendor == "deepgram" and usage.quantity == sum(
        len(f"Réplique numéro {i}.") for i in range(12)
    )
    assert out.provider == "deepgram"


async def test_a_retry_pays_only_for_the_lines_not_yet_made(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    blobs, job_id = blob_store(tmp_path), uuid4()
    ready = await translated(blobs, job_id, [(3.0, f"Ligne {i}.") for i in range(6)])
    event = recorded(ready, job_id=job_id)
    synth = stage(fake_vendors, blobs)
    # The first attempt dies after three lines were paid for (a SIGKILL, in effect).
    tts = synth.providers.order[0]
    dead = JobResultCache(blobs, job_id, "dead-attempt")
    for i in range(3):
        await synth._speak(tts, "fr", f"Ligne {i}.", tts.voices("fr")[0], None, "", dead)  # type: ignore[arg-type]
    assert len(fake_vendors.calls("speak")) == 3

    first = only(await synth.handle(ready, attempt(event, number=2)), SpeechReady)
    assert len(fake_vendors.calls("speak")) == 6, "only the three lines not made"
    [usage] = first.usage
    assert usage.quantity == sum(len(f"Ligne {i}.") for i in range(3, 6)), "paid now, billed now"

    again = only(await synth.handle(ready, attempt(event, number=3)), SpeechReady)
    assert len(fake_vendors.calls("speak")) == 6, "a redelivery pays nothing"
    assert again.usage == []
    one = SpeechIndex.model_validate_json(await stored(blobs, first.speech))
    two = SpeechIndex.model_validate_json(await stored(blobs, again.speech))
    assert [c.blob for c in one.clips] == [c.blob for c in two.clips], "the very same clips"


async def test_discard_keeps_the_paid_clips_for_the_next_attempt(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    blobs, job_id = blob_store(tmp_path), uuid4()
    ready = await translated(blobs, job_id, [(3.0, "Une."), (3.0, "Deux.")])
    synth = stage(fake_vendors, blobs)
    work = attempt(recorded(ready, job_id=job_id))
    await synth.handle(ready, work)
    cached = await all_keys(blobs, f"{job_prefix(job_id)}cache/")
    await synth.discard(work)
    assert await all_keys(blobs, prefix_of(synth, work)) == set()
    assert await all_keys(blobs, f"{job_prefix(job_id)}cache/") == cached


async def test_an_overflowing_line_is_shortened_once_and_spoken_again(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    long_line = "Une réplique bien trop longue pour le temps dont elle dispose ici."
    blobs, job_id = blob_store(tmp_path), uuid4()
    # 66 characters at 0.06 s each: ~4 s of speech for a 1.5 s slot (cap 1.25: 1.875 s).
    ready = await translated(blobs, job_id, [(1.5, long_line), (3.0, "Courte.")])
    event = recorded(ready, job_id=job_id)
    synth = stage(fake_vendors, blobs, shorten=True)

    out = only(await synth.handle(ready, attempt(event)), SpeechReady)
    [shorten] = fake_vendors.calls("chat")
    assert len(fake_vendors.calls("speak")) == 3, "two lines, and the shortened one again"
    index = SpeechIndex.model_validate_json(await stored(blobs, out.speech))
    first = index.clips[0]
    assert first.text is not None and len(first.text) < len(long_line)
    assert first.duration_s == len(first.text) * SECONDS_PER_CHARACTER or first.duration_s < 2.0
    assert index.clips[1].text is None, "a line that fits is spoken as translated"
    units = {(u.vendor, u.unit) for u in out.usage}
    assert units == {
        ("deepgram", "characters"),
        ("openai", "input_tokens"),
        ("openai", "output_tokens"),
    }
    assert sum((u.amount for u in out.usage), Decimal(0)) > 0

    # A redelivery: no second shortening, no speech paid again.
    again = only(await synth.handle(ready, attempt(event, number=2)), SpeechReady)
    assert len(fake_vendors.calls("chat")) == 1
    assert len(fake_vendors.calls("speak")) == 3
    assert again.usage == []
    assert shorten.json()["messages"][1]["content"]  # type: ignore[index]


async def test_a_failing_line_lets_the_lines_in_flight_finish_and_starts_no_other(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    blobs, job_id = blob_store(tmp_path), uuid4()
    ready = await translated(blobs, job_id, [(3.0, f"Phrase {i}.") for i in range(12)])
    event = recorded(ready, job_id=job_id)
    # Every line is handed out at once; four at a time reach the vendor. The first to arrive
    # is refused for good at once; the three others take a while (and are paid).
    synth = stage(fake_vendors, blobs, limit=4)
    audio = Reply(body=bytes(48_000), headers={"content-type": "audio/l16"}, delay_s=0.3)
    fake_vendors.script("speak", Reply(status=400, body={"err_msg": "bad voice"}), *[audio] * 3)
    with pytest.raises(PermanentError, match="bad voice"):
        await synth.handle(ready, attempt(event))
    assert len(fake_vendors.calls("speak")) == 4, "the ones waiting for the vendor never started"
    cached = await all_keys(blobs, f"{job_prefix(job_id)}cache/tts/")
    assert len([k for k in cached if k.endswith(".wav")]) == 3, "the three in flight were kept"

    only(await synth.handle(ready, attempt(event, number=2)), SpeechReady)
    assert len(fake_vendors.calls("speak")) == 4 + 9, "the next attempt paid for the rest only"


class ClipsDown(LocalBlobStore):
    """A store whose writes of clips meet an outage while `down` is set (reads still work)."""

    down = False

    async def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        if self.down:
            raise Outage("storage answered 503")
        return await super().move_file(key, source, content_type)


async def test_clips_paid_as_the_store_went_down_are_stored_by_the_next_try_unpaid(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    fake_vendors.latency_s = 0.05
    blobs, job_id = ClipsDown(tmp_path / "b", secret=None, base_url="http://b.test"), uuid4()
    texts = [f"Ligne numéro {i}." for i in range(8)]
    ready = await translated(blobs, job_id, [(3.0, t) for t in texts])
    event = recorded(ready, job_id=job_id)
    synth = stage(fake_vendors, blobs, limit=4)
    blobs.down = True
    with pytest.raises(Outage):
        await synth.handle(ready, attempt(event))
    # The lines in flight were paid (and a call that got the vendor's slot as one of them
    # finished, before the failure was known): each paid clip is kept by the process.
    paid = len(fake_vendors.calls("speak"))
    assert paid >= 4
    assert len(synth.unstored_clips) == paid
    blobs.down = False

    out = only(await synth.handle(ready, attempt(event)), SpeechReady)
    spoken = collections.Counter(json.loads(c.body)["text"] for c in fake_vendors.calls("speak"))
    assert sorted(spoken) == sorted(texts) and set(spoken.values()) == {1}, "each line once"
    assert len(synth.unstored_clips) == 0
    # The try that stored the kept clips bills them: the one that paid committed nothing.
    [usage] = out.usage
    assert usage.quantity == sum(len(t) for t in texts)
    index = SpeechIndex.model_validate_json(await stored(blobs, out.speech))
    for clip in index.clips:
        await stored(blobs, clip.blob)
