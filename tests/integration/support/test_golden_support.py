"""The golden programme builder and the dub checks, on their own.

A small reference dub (planned by the real aligner, clips cut to their planned span, mixed
and normalised with numpy and pyloudnorm) passes every check; each fault planted in it
is caught by the check meant for it.
"""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from uuid import uuid4

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from PIL import Image

from libs.events.catalogue import Artifact, BlobRef, JobBrief, Stem
from libs.media.alignment import LinePlan, LineTiming, plan_alignment
from libs.media.timeline import scene_png, scene_svg
from libs.media.timeline_scene import timeline_scene
from services.mixer.artifact_files import ARTIFACT_FILES
from services.mixer.manifest import (
    ArtifactInfo,
    LineRecord,
    ManifestInput,
    MixLoudness,
    manifest_json,
)
from services.mixer.words import words_files
from tests.support.dub_checks import (
    check_captions,
    check_dub,
    check_lines,
    check_manifest,
    check_reported_loudness,
    check_timeline,
    check_voice_in_slots,
    check_words,
    measure_loudness,
)
from tests.support.dub_lengths import (
    AAC_FRAME,
    aac_decoded_frames,
    check_declared,
    check_durations,
    declared_frames,
    decoded_frames,
)
from tests.support.programmes import RATE, Programme, build_programme

MAX_RATIO = 1.25


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Programme:
    return build_programme(tmp_path_factory.mktemp("programme"), seconds=30.0)


@pytest.fixture(scope="module")
def reference(programme: Programme, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _reference_dub(programme, tmp_path_factory.mktemp("dub"))


def test_the_programme_has_every_situation_at_48k_and_exact_length(programme: Programme) -> None:
    assert {g.situation for g in programme.lines} == {"fits", "compress", "borrow", "overflow"}
    for path, channels in ((programme.voice, 1), (programme.background, 2)):
        info = sf.info(path)
        assert (info.samplerate, info.channels) == (RATE, channels)
        assert decoded_frames(path) == programme.frames
    assert programme.duration_s == pytest.approx(30.0, abs=1.5)
    voice, _ = sf.read(programme.voice, dtype="float32")
    for g in programme.lines:
        span = voice[round(g.start * RATE) : round(g.end * RATE)]
        assert np.sqrt(np.mean(np.square(span))) > 0.03, g
        assert g.end <= g.next_start
    plans = _plans(programme)
    by_situation = {g.situation: p for g, p in zip(programme.lines, plans, strict=True)}
    assert by_situation["fits"].overflow_s == by_situation["fits"].borrowed_s == 0
    assert by_situation["compress"].ratio > 1.05
    assert by_situation["borrow"].borrowed_s > 0
    assert by_situation["overflow"].overflow_s > 0
    lufs, _ = measure_loudness(programme.background)
    assert -40 < lufs < -20


def test_a_correct_dub_passes_and_reports_its_measures(
    programme: Programme, reference: dict[str, Path]
) -> None:
    measures = check_dub(reference, programme, max_ratio=MAX_RATIO)
    assert measures.frames["mix"] == measures.frames["voice"] == programme.frames
    assert abs(measures.integrated_lufs + 23.0) <= 0.6
    assert measures.lines == len(programme.lines)
    assert measures.overflowing >= 1 and measures.borrowed >= 1 and measures.compressed >= 2
    assert measures.highest_ratio <= MAX_RATIO


def test_a_wav_one_sample_short_is_caught(
    programme: Programme, reference: dict[str, Path], tmp_path: Path
) -> None:
    files = _copy(reference, tmp_path)
    audio, _ = sf.read(files["voice"], dtype="float32")
    sf.write(files["voice"], audio[:-1], RATE, subtype="FLOAT")
    with pytest.raises(AssertionError, match="voice decodes to"):
        check_dub(files, programme, max_ratio=MAX_RATIO)


def test_an_aac_a_frame_too_long_is_caught(
    programme: Programme, reference: dict[str, Path], tmp_path: Path
) -> None:
    files = _copy(reference, tmp_path)
    _m4a(reference["voice"], files["voice_aac"], "-af", f"apad=pad_len={AAC_FRAME}")
    with pytest.raises(AssertionError) as caught:
        check_dub(files, programme, max_ratio=MAX_RATIO)
    assert "voice_aac decodes to" in str(caught.value)
    assert f"voice_aac declares {programme.frames + AAC_FRAME} frames" in str(caught.value)


def test_an_m4a_is_sample_exact_only_in_a_sample_timescale(tmp_path: Path) -> None:
    # Half a second and one sample: a length between two milliseconds.
    frames = RATE // 2 + 1
    tone = tmp_path / "tone.wav"
    sine = f"sine=f=440:r={RATE},atrim=end_sample={frames}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", sine, str(tone)], check=True)
    exact, rounded = tmp_path / "exact.m4a", tmp_path / "rounded.m4a"
    _m4a(tone, exact)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(tone), "-c:a", "aac", str(rounded)], check=True
    )

    assert declared_frames(exact) == frames
    assert check_declared({"mix_aac": declared_frames(rounded)}, frames) != []
    # ffmpeg 5.1 skips the priming but decodes the last frame whole, either way.
    for path in (exact, rounded):
        assert decoded_frames(path) == aac_decoded_frames(frames) == 24 * AAC_FRAME
    assert check_durations({"mix_aac": 24 * AAC_FRAME}, frames) == []
    assert check_durations({"mix_aac": frames}, frames) == []
    problems = check_durations({"mix_aac": 23 * AAC_FRAME, "mix": frames + 1}, frames)
    assert len(problems) == 2


def test_a_loud_mix_is_caught(
    programme: Programme, reference: dict[str, Path], tmp_path: Path
) -> None:
    files = _copy(reference, tmp_path)
    audio, _ = sf.read(files["mix"], dtype="float32")
    sf.write(files["mix"], audio * 1.6, RATE, subtype="FLOAT")
    with pytest.raises(AssertionError, match="LUFS, the target is -23"):
        check_dub(files, programme, max_ratio=MAX_RATIO)


def test_a_file_changed_after_the_manifest_is_caught(
    reference: dict[str, Path], tmp_path: Path
) -> None:
    files = _copy(reference, tmp_path)
    files["srt"].write_text(files["srt"].read_text().replace(",", ".", 1))
    problems = check_manifest(json.loads(files["manifest"].read_bytes()), files)
    assert problems == ["srt: the manifest's sha256 does not match the file"]


def test_lines_out_of_their_slot_or_over_the_cap_are_caught(
    programme: Programme, reference: dict[str, Path]
) -> None:
    lines = json.loads(reference["manifest"].read_bytes())["lines"]
    assert check_lines(lines, programme, MAX_RATIO) == []
    bad = [dict(x) for x in lines]
    bad[0] = {**bad[0], "stretch_ratio": 1.4}
    bad[1] = {**bad[1], "dubbed_end": 99.0}
    problems = check_lines(bad, programme, MAX_RATIO)
    assert any("stretched by 1.4" in p for p in problems)
    assert any("past its slot" in p for p in problems)
    assert any("overlaps" in p for p in problems)


def test_sound_outside_the_dubbed_spans_is_caught(
    reference: dict[str, Path], tmp_path: Path
) -> None:
    lines = json.loads(reference["manifest"].read_bytes())["lines"]
    assert check_voice_in_slots(reference["voice"], lines) == []
    audio, _ = sf.read(reference["voice"], dtype="float32")
    last_end = max(x["dubbed_end"] for x in lines)
    at = round((last_end + 0.3) * RATE)
    audio[at : at + 2400] = 0.2
    leaky = tmp_path / "voice.wav"
    sf.write(leaky, audio, RATE, subtype="FLOAT")
    [problem] = check_voice_in_slots(leaky, lines)
    assert "sounds at" in problem


def test_captions_off_the_aligned_timing_or_too_wide_are_caught(
    reference: dict[str, Path],
) -> None:
    lines = json.loads(reference["manifest"].read_bytes())["lines"]
    srt_text, vtt_text = reference["srt"].read_text(), reference["vtt"].read_text()
    assert check_captions(srt_text, vtt_text, lines) == []
    wide = "1\n00:00:00,100 --> 00:00:01,000\n" + "x" * 43 + "\n"
    problems = check_captions(wide, "WEBVTT\n\n00:00:00.100 --> 00:00:01.000\nx\n", lines)
    assert any("42x2" in p for p in problems)
    assert any("no dubbed line sounds" in p for p in problems)
    assert any("no cue starts" in p for p in problems)


def _plans(programme: Programme) -> list[LinePlan]:
    timings = [LineTiming(g.index, g.start, g.end, g.clip_s, g.speaker) for g in programme.lines]
    return plan_alignment(timings, programme_s=programme.duration_s, max_ratio=MAX_RATIO)


def _reference_dub(programme: Programme, folder: Path) -> dict[str, Path]:
    """A plain dub: each clip cut to its plan (no stretching), mixed, normalised to -23."""
    plans = _plans(programme)
    voice = np.zeros(programme.frames, dtype=np.float32)
    for g, p in zip(programme.lines, plans, strict=True):
        first, count = round(p.start * RATE), round((p.end - p.start) * RATE)
        part = _resampled(g.clip)[:count].copy()
        fade = min(len(part), 480)
        part[len(part) - fade :] *= np.linspace(1, 0, fade, dtype=np.float32)
        voice[first : first + len(part)] = part
    bed, _ = sf.read(programme.background, dtype="float32")
    mix = bed * 0.5 + voice[:, None]
    meter = pyloudnorm.Meter(RATE)
    gain = 10 ** ((-23.0 - meter.integrated_loudness(mix)) / 20)
    files = {"mix": folder / "mix.wav", "voice": folder / "voice.wav"}
    sf.write(files["mix"], mix * gain, RATE, subtype="FLOAT")
    sf.write(files["voice"], voice * gain, RATE, subtype="FLOAT")
    for kind in ("mix", "voice"):
        files[f"{kind}_aac"] = folder / f"{kind}.m4a"
        _m4a(files[kind], files[f"{kind}_aac"])
    for f in words_files(programme.transcript, programme.translation, plans):
        files[f.kind] = folder / f.name
        files[f.kind].write_bytes(f.data)
    files["transcript"] = folder / "transcript.json"
    files["transcript"].write_text(programme.transcript.to_json())
    scene = timeline_scene(plans, programme.duration_s, [], target_lufs=-23.0)
    files["timeline_png"], files["timeline_svg"] = folder / "timeline.png", folder / "timeline.svg"
    files["timeline_png"].write_bytes(scene_png(scene))
    files["timeline_svg"].write_text(scene_svg(scene))
    brief = JobBrief(
        job_id=uuid4(),
        source_language="en",
        background=Stem(
            upload_id=uuid4(), blob=_ref(programme.background), duration_s=programme.duration_s
        ),
    )
    infos = [ArtifactInfo(Artifact(kind=k, blob=_ref(p))) for k, p in files.items()]
    lines = [LineRecord(p) for p in plans]
    lufs, peak = measure_loudness(files["mix"])
    loudness = MixLoudness(target_lufs=-23.0, integrated_lufs=lufs, true_peak_dbtp=peak)
    doc = manifest_json(
        ManifestInput(brief, programme.language, infos, "reference", lines=lines, loudness=loudness)
    )
    files["manifest"] = folder / "manifest.json"
    files["manifest"].write_bytes(doc)
    return files


def _m4a(source: Path, out: Path, *options: str) -> None:
    # A sample-exact edit list, as the mixer writes it (the movie timescale at 48 kHz).
    aac = ["-c:a", "aac", "-b:a", "128k", "-movie_timescale", str(RATE), *options, str(out)]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *aac], check=True)


def _resampled(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float32")
    frames = round(len(audio) * RATE / rate)
    return np.interp(np.arange(frames) * (rate / RATE), np.arange(len(audio)), audio).astype(
        np.float32
    )


def _ref(path: Path) -> BlobRef:
    data = path.read_bytes()
    kind = next((k for k, f in ARTIFACT_FILES.items() if f.name == path.name), None)
    content_type = ARTIFACT_FILES[kind].content_type if kind else "audio/wav"
    return BlobRef(
        key=f"ref/{path.name}",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
    )


def _copy(files: dict[str, Path], folder: Path) -> dict[str, Path]:
    out = {}
    for kind, path in files.items():
        out[kind] = folder / path.name
        shutil.copy(path, out[kind])
    return out


def test_the_builder_makes_programmes_of_minutes(tmp_path: Path) -> None:
    long = build_programme(tmp_path, seconds=120.0, language="de", seed=3)
    assert long.frames == round(120.0 * RATE)
    assert decoded_frames(long.background) == decoded_frames(long.voice) == long.frames
    assert len(long.lines) >= 30
    assert all(a.end <= b.start for a, b in zip(long.lines, long.lines[1:], strict=False))
    assert long.lines[-1].next_start == pytest.approx(long.duration_s)
    assert long.translation.language == "de"


def test_a_wrong_timeline_or_words_are_caught(
    programme: Programme, reference: dict[str, Path], tmp_path: Path
) -> None:
    files = _copy(reference, tmp_path)
    lines = len(json.loads(files["manifest"].read_bytes())["lines"])
    assert check_timeline(files["timeline_png"], files["timeline_svg"], lines) == []
    Image.new("RGB", (800, 200)).save(files["timeline_png"])
    svg = files["timeline_svg"].read_text()
    files["timeline_svg"].write_text(svg.replace('class="dub"', 'class="other"', 1))
    problems = check_timeline(files["timeline_png"], files["timeline_svg"], lines)
    assert len(problems) == 2 and "800" in problems[0] and "dubbed lines" in problems[1]

    assert check_words(files, programme) == []
    doc = json.loads(files["translation"].read_bytes())
    doc["segments"][0]["text"] = "autre chose"
    files["translation"].write_text(json.dumps(doc))
    assert check_words(files, programme) == [
        "the translation artifact's segments are not the programme's"
    ]


def test_a_manifest_that_misreports_the_loudness_is_caught(reference: dict[str, Path]) -> None:
    manifest = json.loads(reference["manifest"].read_bytes())
    lufs, peak = measure_loudness(reference["mix"])
    assert check_reported_loudness(manifest, lufs, peak) == []
    manifest["loudness"]["integrated_lufs"] = lufs + 1.0
    manifest["loudness"]["true_peak_dbtp"] = None
    problems = check_reported_loudness(manifest, lufs, peak)
    assert len(problems) == 2 and "the mix measures" in problems[0]
