"""Manifest version 2: artifacts with formats, per-line timing and loudness, providers."""

import json
from pathlib import Path
from uuid import uuid4

from libs.documents.speech_index import ClipEntry
from libs.events.catalogue import Artifact, JobBrief, Stem
from libs.media.alignment import LinePlan
from libs.media.dub_render import DubRender
from libs.media.line_fitting import FittedLine
from libs.media.loudness_report import Loudness
from libs.media.timeline_scene import timeline_key
from services.mixer.engine import Mixed
from services.mixer.manifest import (
    SCHEMA_VERSION,
    ArtifactInfo,
    AudioFacts,
    LineRecord,
    ManifestInput,
    MixLoudness,
    build_manifest,
    manifest_json,
)
from tests.support.builders import blob

JOB = JobBrief(
    job_id=uuid4(),
    source_language="en",
    background=Stem(upload_id=uuid4(), blob=blob("uploads/bed.wav"), duration_s=12.5),
)
PLANS = [
    LinePlan(1, 4.0, 6.0, 9.0, 4.0, 6.4, 1.25, 0.4, 0.0, "S2"),
    LinePlan(0, 0.5, 2.0, 4.0, 0.5, 4.0, 1.5, 2.0, 0.35, "S1"),
]


def _inputs() -> ManifestInput:
    mix = Artifact(kind="mix", blob=blob("jobs/j/mixer/1/fr/mix.wav", 2_400_044))
    srt = Artifact(kind="srt", blob=blob("jobs/j/mixer/1/fr/captions.srt", 321))
    clip = ClipEntry(
        index=0, start=0.5, end=2.0, duration_s=3.1, blob=blob("c0"), speaker="S1", voice="Léa"
    )
    fitted = FittedLine(PLANS[1], Path("/tmp/x.wav"), -24.0, -18.5, -5.5)
    return ManifestInput(
        job=JOB,
        language="fr",
        artifacts=[
            ArtifactInfo(
                mix, 12.5, sample_rate=48_000, channels=2, codec="pcm_s16le", container="wav"
            ),
            ArtifactInfo(srt),
        ],
        mix_engine="ffmpeg",
        providers={"stt": "whisper", "translator": "pseudo", "tts": "espeak"},
        versions={"redub": "0.1.0", "ffmpeg": "6.1.1"},
        lines=[LineRecord.of(fitted, clip), LineRecord(PLANS[0], None, None, None, 0.0)],
        loudness=MixLoudness(target_lufs=-23.0, integrated_lufs=-23.18, true_peak_dbtp=-1.42),
        max_ratio=1.5,
    )


def test_every_fact_the_issue_asks_for_is_in_the_document() -> None:
    doc = json.loads(manifest_json(_inputs()))
    assert doc["schema_version"] == SCHEMA_VERSION == 2
    assert (doc["job_id"], doc["source_language"], doc["language"]) == (str(JOB.job_id), "en", "fr")
    assert doc["duration_s"] == 12.5
    assert doc["providers"] == {"stt": "whisper", "translator": "pseudo", "tts": "espeak"}
    assert doc["versions"]["ffmpeg"] == "6.1.1"
    mix, srt = doc["artifacts"]
    assert mix == {
        "kind": "mix",
        "file": "mix.wav",
        "content_type": "application/octet-stream",
        "size": 2_400_044,
        "sha256": blob("jobs/j/mixer/1/fr/mix.wav").sha256,
        "duration_s": 12.5,
        "format": {"container": "wav", "codec": "pcm_s16le", "sample_rate": 48_000, "channels": 2},
    }
    assert srt["format"] is None and srt["duration_s"] is None
    assert "own checksum" in doc["manifest_checksum"]
    assert doc["loudness"]["integrated_lufs"] == -23.18
    assert doc["loudness"]["on_target"] is True
    assert doc["timeline_key"] == timeline_key()


def test_lines_in_time_order_with_timing_stretch_and_loudness() -> None:
    doc = json.loads(manifest_json(_inputs()))
    first, second = doc["lines"]
    assert first == {
        "index": 0,
        "speaker": "S1",
        "voice": "Léa",
        "original_start": 0.5,
        "original_end": 2.0,
        "slot_end": 4.0,
        "dubbed_start": 0.5,
        "dubbed_end": 4.0,
        "stretch_ratio": 1.5,
        "borrowed_s": 2.0,
        "overflow_s": 0.35,
        "source_lufs": -24.0,
        "dubbed_lufs": -18.5,
        "level_gain_db": -5.5,
        "matched_lufs": -24.0,
    }
    assert second["index"] == 1 and second["source_lufs"] is None
    assert doc["alignment"] == {
        "max_ratio": 1.5,
        "lines": 2,
        "compressed": 2,
        "borrowed": 2,
        "overflowing": 1,
        "overflow_s": 0.35,
        "highest_ratio": 1.5,
    }


def test_a_mix_off_target_says_so() -> None:
    inputs = _inputs()
    loud = ManifestInput(
        **{
            **{f: getattr(inputs, f) for f in inputs.__dataclass_fields__},
            "loudness": MixLoudness(-23.0, -16.3, -0.2),
        }
    )
    assert json.loads(manifest_json(loud))["loudness"]["on_target"] is False


def test_a_render_gives_the_mixers_formats_voices_and_measured_loudness() -> None:
    artifacts = [
        Artifact(kind="mix", blob=blob("k/fr/mix.wav")),
        Artifact(kind="voice_aac", blob=blob("k/fr/voice.m4a")),
        Artifact(kind="srt", blob=blob("k/fr/captions.srt")),
    ]
    mixed = Mixed(
        lines=[FittedLine(p, Path("/x.wav"), None, None, 0.0) for p in PLANS],
        render=DubRender(
            frames=600_000,
            loudness=Loudness(-23.1, -1.6),
            gain_db=-4.2,
            limited=True,
            on_target=True,
            curve=[],
        ),
    )
    doc = json.loads(
        build_manifest(
            JOB,
            "fr",
            artifacts,
            "ffmpeg",
            mixed,
            AudioFacts(duration_s=12.5, target_lufs=-23.0, target_true_peak_dbtp=-1.0),
            providers={"tts": "espeak"},
            versions={"ffmpeg": "5.1"},
            max_ratio=1.25,
            voices={0: "fr-1"},
        )
    )
    mix, voice, srt = doc["artifacts"]
    assert mix["format"] == {
        "container": "wav",
        "codec": "pcm_s24le",
        "sample_rate": 48_000,
        "channels": 2,
    }
    assert voice["format"]["codec"] == "aac" and voice["format"]["channels"] == 1
    assert mix["duration_s"] == voice["duration_s"] == 12.5
    assert srt["format"] is None and srt["duration_s"] is None
    assert doc["loudness"]["gain_db"] == -4.2 and doc["loudness"]["limited"] is True
    assert doc["loudness"]["on_target"] is True
    assert [(x["index"], x["voice"]) for x in doc["lines"]] == [(0, "fr-1"), (1, None)]
    assert doc["providers"] == {"tts": "espeak"} and doc["alignment"]["max_ratio"] == 1.25
