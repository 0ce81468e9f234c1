"""The per-language manifest clients download next to the artifacts (schema version 2)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic_core import to_json

from libs.documents.speech_index import ClipEntry
from libs.events.catalogue import Artifact, JobBrief
from libs.media.alignment import LinePlan
from libs.media.line_fitting import FittedLine
from libs.media.timeline_scene import timeline_key
from services.mixer.engine import Mixed

SCHEMA_VERSION = 2
SELF_CHECKSUM_NOTE = (
    "A file cannot list its own checksum: the manifest's size and sha256 are in the job's"
    " artifact list (GET /v1/jobs/{job_id})."
)


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    """One published artifact and, for media, its measured duration and format."""

    artifact: Artifact
    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    codec: str | None = None
    container: str | None = None


@dataclass(frozen=True, slots=True)
class LineRecord:
    """One dubbed line: its plan, who spoke it, and its loudness before and after."""

    plan: LinePlan
    voice: str | None = None
    source_lufs: float | None = None
    dubbed_lufs: float | None = None
    gain_db: float = 0.0

    @classmethod
    def of(cls, fitted: FittedLine, clip: ClipEntry | None = None) -> "LineRecord":
        """From a fitted line and the speech index's entry for it (the voice)."""
        return cls(
            plan=fitted.plan,
            voice=clip.voice if clip is not None else None,
            source_lufs=fitted.source_lufs,
            dubbed_lufs=fitted.dubbed_lufs,
            gain_db=fitted.gain_db,
        )


@dataclass(frozen=True, slots=True)
class MixLoudness:
    """The job's loudness target and what the mix measured (ITU-R BS.1770)."""

    target_lufs: float
    integrated_lufs: float | None  # None: nothing above the gate (a silent programme)
    true_peak_dbtp: float | None
    target_true_peak_dbtp: float = -1.0
    tolerance_lu: float = 0.5
    # The gain the normalisation applied to the whole mix (and to the voice stem with it).
    gain_db: float | None = None
    limited: bool | None = None  # whether a true-peak limiter had to act


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """The programme's length and the loudness the mix was asked for."""

    duration_s: float
    target_lufs: float
    target_true_peak_dbtp: float
    tolerance_lu: float = 0.5


# The mixer's outputs: (container, codec, channels), all at 48 kHz.
AUDIO_FORMATS: dict[str, tuple[str, str, int]] = {
    "mix": ("wav", "pcm_s24le", 2),
    "voice": ("wav", "pcm_s24le", 1),
    "mix_aac": ("m4a", "aac", 2),
    "voice_aac": ("m4a", "aac", 1),
}
AUDIO_RATE = 48_000


@dataclass(frozen=True, slots=True)
class ManifestInput:
    """Everything the manifest states; the mixer fills it once the outputs exist."""

    job: JobBrief
    language: str
    artifacts: Sequence[ArtifactInfo]
    mix_engine: str
    # Which provider did each step, e.g. {"stt": "deepgram", "translator": ..., "tts": ...}.
    providers: Mapping[str, str | None] = field(default_factory=dict)
    # Software and model versions, e.g. {"redub": "0.1.0", "ffmpeg": "6.1", "rubberband": ...}.
    versions: Mapping[str, str] = field(default_factory=dict)
    lines: Sequence[LineRecord] = ()
    loudness: MixLoudness | None = None
    max_ratio: float | None = None
    # The programme's measured length (the background's stem length when not given).
    duration_s: float | None = None


def manifest_json(m: ManifestInput) -> bytes:
    """The manifest as indented JSON."""
    # pydantic-core's encoder: the standard library's falls back to pure Python with indent.
    return bytes(to_json(manifest_document(m), indent=2))


def manifest_document(m: ManifestInput) -> dict[str, Any]:
    """The manifest as a JSON-ready dict (schema version 2)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "job_id": str(m.job.job_id),
        "source_language": m.job.source_language,
        "language": m.language,
        "duration_s": m.duration_s if m.duration_s is not None else m.job.background.duration_s,
        "mix_engine": m.mix_engine,
        "providers": dict(m.providers),
        "versions": dict(m.versions),
        "loudness": _loudness(m.loudness),
        "alignment": {
            "max_ratio": m.max_ratio,
            "lines": len(m.lines),
            "compressed": sum(1 for r in m.lines if r.plan.ratio > 1.0),
            "borrowed": sum(1 for r in m.lines if r.plan.borrowed_s > 0),
            "overflowing": sum(1 for r in m.lines if r.plan.overflow_s > 0),
            "overflow_s": _round(sum(r.plan.overflow_s for r in m.lines)),
            "highest_ratio": max((round(r.plan.ratio, 4) for r in m.lines), default=None),
        },
        "artifacts": [_artifact(a) for a in m.artifacts],
        "manifest_checksum": SELF_CHECKSUM_NOTE,
        "lines": [
            _line(r) for r in sorted(m.lines, key=lambda r: (r.plan.source_start, r.plan.index))
        ],
        "timeline_key": timeline_key(),
    }


def build_manifest(
    job: JobBrief,
    language: str,
    artifacts: Sequence[Artifact],
    engine: str,
    mixed: Mixed,
    facts: AudioFacts,
    providers: Mapping[str, str | None] | None = None,
    versions: Mapping[str, str] | None = None,
    max_ratio: float | None = None,
    voices: Mapping[int, str | None] | None = None,
) -> bytes:
    """The manifest of a render: the mixer's fixed audio formats, its lines and loudness.

    `providers` names who did each step (e.g. {"tts": ready.provider}), `versions` the
    software (the engine's `versions()`), `voices` each line's voice by index.
    """
    infos = []
    for a in artifacts:
        spec = AUDIO_FORMATS.get(a.kind)
        if spec is None:
            infos.append(ArtifactInfo(a))
        else:
            container, codec, channels = spec
            infos.append(ArtifactInfo(a, facts.duration_s, AUDIO_RATE, channels, codec, container))
    render = mixed.render
    loudness = MixLoudness(
        target_lufs=facts.target_lufs,
        integrated_lufs=render.loudness.integrated_lufs,
        true_peak_dbtp=render.loudness.true_peak_dbtp,
        target_true_peak_dbtp=facts.target_true_peak_dbtp,
        tolerance_lu=facts.tolerance_lu,
        gain_db=render.gain_db,
        limited=render.limited,
    )
    return manifest_json(
        ManifestInput(
            job,
            language,
            infos,
            mix_engine=engine,
            providers=providers or {},
            versions=versions or {},
            lines=[
                replace(LineRecord.of(line), voice=(voices or {}).get(line.plan.index))
                for line in mixed.lines
            ],
            loudness=loudness,
            max_ratio=max_ratio,
            duration_s=facts.duration_s,
        )
    )


def _artifact(a: ArtifactInfo) -> dict[str, Any]:
    blob = a.artifact.blob
    described = a.sample_rate or a.channels or a.codec or a.container
    return {
        "kind": a.artifact.kind,
        "file": blob.key.rsplit("/", 1)[-1],
        "content_type": blob.content_type,
        "size": blob.size,
        "sha256": blob.sha256,
        "duration_s": a.duration_s,
        "format": (
            {
                "container": a.container,
                "codec": a.codec,
                "sample_rate": a.sample_rate,
                "channels": a.channels,
            }
            if described
            else None
        ),
    }


def _line(r: LineRecord) -> dict[str, Any]:
    p = r.plan
    return {
        "index": p.index,
        "speaker": p.speaker,
        "voice": r.voice,
        "original_start": _round(p.source_start),
        "original_end": _round(p.source_end),
        "slot_end": _round(p.slot_end),
        "dubbed_start": _round(p.start),
        "dubbed_end": _round(p.end),
        "stretch_ratio": round(p.ratio, 4),
        "borrowed_s": _round(p.borrowed_s),
        "overflow_s": _round(p.overflow_s),
        # Loudness of the original line's span, of the dubbed clip before matching, the gain
        # that matched them, and the clip after it (before the mix's normalisation).
        "source_lufs": _db(r.source_lufs),
        "dubbed_lufs": _db(r.dubbed_lufs),
        "level_gain_db": _db(r.gain_db),
        "matched_lufs": _db(r.dubbed_lufs + r.gain_db) if r.dubbed_lufs is not None else None,
    }


def _loudness(m: MixLoudness | None) -> dict[str, Any] | None:
    if m is None:
        return None
    on_target = (
        m.integrated_lufs is not None
        and m.true_peak_dbtp is not None
        and abs(m.integrated_lufs - m.target_lufs) <= m.tolerance_lu
        and m.true_peak_dbtp <= m.target_true_peak_dbtp
    )
    return {
        "standard": "EBU R128 / ITU-R BS.1770",
        "target_lufs": m.target_lufs,
        "tolerance_lu": m.tolerance_lu,
        "target_true_peak_dbtp": m.target_true_peak_dbtp,
        "integrated_lufs": _db(m.integrated_lufs),
        "true_peak_dbtp": _db(m.true_peak_dbtp),
        "gain_db": _db(m.gain_db),
        "limited": m.limited,
        "on_target": on_target,
    }


def _round(seconds: float) -> float:
    # Milliseconds: finer than any caption or frame, and stable in the JSON.
    return round(seconds, 3)


def _db(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
