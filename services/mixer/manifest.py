"""The per-language manifest clients download next to the artifacts (schema version 2)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json

from libs.events.catalogue import Artifact, JobBrief
from services.mixer.engine import Mixed

SCHEMA_VERSION = 2
_AUDIO_FORMATS = {
    "mix": "wav/pcm_s24le/48000/stereo",
    "voice": "wav/pcm_s24le/48000/mono",
    "mix_aac": "m4a/aac/48000/stereo",
    "voice_aac": "m4a/aac/48000/mono",
}


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """The programme's length and the loudness the mix was asked for."""

    duration_s: float
    target_lufs: float
    target_true_peak_dbtp: float


def build_manifest(
    job: JobBrief,
    language: str,
    artifacts: Sequence[Artifact],
    engine: str,
    mixed: Mixed,
    facts: AudioFacts,
) -> bytes:
    """A JSON document: each artifact (size, sha256, duration, format), each line's timing
    and levels, and the mix's measured loudness against its target."""
    render = mixed.render
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "job_id": str(job.job_id),
        "source_language": job.source_language,
        "language": language,
        "duration_s": facts.duration_s,
        "mix_engine": engine,
        "loudness": {
            "target_lufs": facts.target_lufs,
            "target_true_peak_dbtp": facts.target_true_peak_dbtp,
            "integrated_lufs": render.loudness.integrated_lufs,
            "true_peak_dbtp": render.loudness.true_peak_dbtp,
            "gain_db": round(render.gain_db, 3),
            "limited": render.limited,
            "on_target": render.on_target,
        },
        "artifacts": [
            {
                "kind": a.kind,
                "file": a.blob.key.rsplit("/", 1)[-1],
                "content_type": a.blob.content_type,
                "size": a.blob.size,
                "sha256": a.blob.sha256,
                "duration_s": facts.duration_s if a.kind in _AUDIO_FORMATS else None,
                "format": _AUDIO_FORMATS.get(a.kind, a.blob.content_type),
            }
            for a in artifacts
        ],
        "lines": [
            {
                "index": line.plan.index,
                "speaker": line.plan.speaker,
                "original_start": line.plan.source_start,
                "original_end": line.plan.source_end,
                "dubbed_start": line.plan.start,
                "dubbed_end": line.plan.end,
                "stretch_ratio": line.plan.ratio,
                "borrowed_s": line.plan.borrowed_s,
                "overflow_s": line.plan.overflow_s,
                "source_lufs": line.source_lufs,
                "dubbed_lufs": line.dubbed_lufs,
                "level_gain_db": line.gain_db,
            }
            for line in mixed.lines
        ],
    }
    # pydantic-core's encoder: the standard library's falls back to pure Python with indent.
    return to_json(doc, indent=2)
