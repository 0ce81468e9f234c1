"""The mixer stage with the real engine (Rubber Band, ffmpeg) on a short programme."""

import itertools
import json
from pathlib import Path

import pytest

from libs.documents.speech_index import SpeechIndex
from libs.events.catalogue import DubReady, SpeechReady
from libs.events.stage import PermanentError
from libs.media.decoded_length import decoded_frames
from libs.media.ffmpeg_run import run_ffmpeg, run_ffmpeg_logged
from libs.media.loudness_report import loudness_summary
from libs.storage.blob_store import BlobStore
from libs.storage.keys import job_prefix
from services.mixer.engine import FfmpegMixEngine, MixOptions
from services.mixer.handler import Mixer
from tests.support.builders import recorded
from tests.support.dub_lengths import aac_decoded_frames, declared_frames
from tests.support.samples import ENGLISH, FRENCH
from tests.support.stages import STEM_SECONDS, all_keys, attempt, blob_store, chain, only, stored

RATE = 48_000


async def _spoken(blobs: BlobStore, ready: SpeechReady) -> SpeechReady:
    """The chain's speech.ready with real speech in place of the instant provider's silence."""
    index = SpeechIndex.model_validate_json(await blobs.read_bytes(ready.speech.key))
    clips = []
    for n, clip in enumerate(index.clips):
        ref = await blobs.put_file(
            f"{ready.speech.key}.real-{n}", (ENGLISH, FRENCH)[n % 2], "audio/wav"
        )
        clips.append(clip.model_copy(update={"blob": ref}))
    doc = index.model_copy(update={"clips": clips}).model_dump_json().encode()
    ref = await blobs.put_bytes(f"{ready.speech.key}.real.json", doc, "application/json")
    return ready.model_copy(update={"speech": ref})


async def test_a_short_programme_is_fitted_mixed_normalised_and_published(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    ready = await _spoken(blobs, done.speech)
    stage = Mixer(FfmpegMixEngine(), blobs, MixOptions())

    out = only(await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id))), DubReady)

    by_kind = {a.kind: a for a in out.artifacts}
    frames = round(STEM_SECONDS * RATE)
    files = {}
    for kind in ("mix", "mix_aac", "voice", "voice_aac"):
        files[kind] = tmp_path / f"{kind}.out"
        files[kind].write_bytes(await stored(blobs, by_kind[kind].blob))
    assert await decoded_frames(files["mix"], RATE) == frames
    assert await decoded_frames(files["voice"], RATE) == frames
    for kind in ("mix_aac", "voice_aac"):
        assert declared_frames(files[kind]) == frames, kind
        assert await decoded_frames(files[kind], RATE) in (frames, aac_decoded_frames(frames))
    log = await run_ffmpeg_logged(
        ["-i", str(files["mix"]), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        what="measure",
    )
    measured = loudness_summary(log)
    assert measured.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert measured.true_peak_dbtp is not None and measured.true_peak_dbtp <= -1.0

    manifest = json.loads(await stored(blobs, by_kind["manifest"].blob))
    assert manifest["mix_engine"] == "ffmpeg"
    assert manifest["duration_s"] == pytest.approx(STEM_SECONDS)
    assert manifest["loudness"]["integrated_lufs"] == pytest.approx(
        measured.integrated_lufs, abs=0.1
    )
    lines = manifest["lines"]
    assert lines and all(line["stretch_ratio"] <= 1.25 for line in lines)
    for before, after in itertools.pairwise(lines):
        assert before["dubbed_end"] <= after["dubbed_start"] + 1e-9, "lines never overlap"
    srt = (await stored(blobs, by_kind["srt"].blob)).decode()
    assert "-->" in srt


async def test_an_undecodable_background_fails_permanently_with_an_actionable_reason(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    key = done.submitted.background.blob.key
    await blobs.delete(key)
    await blobs.put_bytes(key, b"this is not audio at all", "audio/wav")
    stage = Mixer(FfmpegMixEngine(), blobs, MixOptions())

    with pytest.raises(PermanentError) as caught:
        await stage.handle(done.speech, attempt(recorded(done.speech, job_id=done.job_id)))
    reason = str(caught.value)
    assert "background stem could not be decoded" in reason and "FLAC" in reason
    assert str(tmp_path) not in reason and "ffmpeg" not in reason
    assert await all_keys(blobs, job_prefix(done.job_id) + "mixer/") == set()


async def test_no_speech_and_a_short_voice_stem_still_give_the_normalised_bed(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    ready = done.speech
    assert ready.brief is not None and ready.brief.voice is not None
    # No lines at all, and a voice stem of one second under a seven-second background.
    index = SpeechIndex.model_validate_json(await blobs.read_bytes(ready.speech.key))
    empty = index.model_copy(update={"clips": []}).model_dump_json().encode()
    speech = await blobs.put_bytes(f"{ready.speech.key}.empty.json", empty, "application/json")
    short = tmp_path / "short-voice.wav"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "1", str(short)], what="x"
    )
    voice = ready.brief.voice.model_copy(
        update={"blob": await blobs.put_file("uploads/short-voice.wav", short, "audio/wav")}
    )
    brief = ready.brief.model_copy(update={"voice": voice})
    ready = ready.model_copy(update={"speech": speech, "brief": brief, "clips": 0})
    stage = Mixer(FfmpegMixEngine(), blobs, MixOptions())

    out = only(await stage.handle(ready, attempt(recorded(ready, job_id=done.job_id))), DubReady)

    by_kind = {a.kind: a for a in out.artifacts}
    mix = tmp_path / "mix.wav"
    mix.write_bytes(await stored(blobs, by_kind["mix"].blob))
    assert await decoded_frames(mix, RATE) == round(STEM_SECONDS * RATE)
    manifest = json.loads(await stored(blobs, by_kind["manifest"].blob))
    assert manifest["lines"] == []
    assert manifest["loudness"]["integrated_lufs"] == pytest.approx(-23.0, abs=0.5)
