"""Casting: which of a provider's voices speaks for each speaker, in one language (pure).

Deterministic, so a re-render or another language of the same job casts alike: speakers are
taken in order of first appearance, a voice map wins, then speakers whose pitch is known get
the voices nearest in pitch (an order-keeping match of low to low and high to high), then
the rest get the remaining voices, alternating male and female so neighbours sound apart.
"""

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from libs.documents.transcript import Segment
from libs.synthesis.provider import Voice

# Typical speaking pitch by gender (adult voices), for voices that give no pitch of their own.
_TYPICAL_PITCH_HZ = {"male": 120.0, "female": 210.0}

# The speaker of segments the transcript does not attribute (no diarization).
UNLABELLED = "speaker"


class UnknownVoice(ValueError):
    """A voice map names a voice the provider does not have for this language."""


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker to cast, with the median pitch of their voice when it was measured."""

    label: str
    pitch_hz: float | None = None


def speaker_label(segment: Segment) -> str:
    """The label a segment's speaker is cast under."""
    return segment.speaker or UNLABELLED


def speakers_in_order(
    segments: Iterable[Segment], pitches: Mapping[str, float] | None = None
) -> list[Speaker]:
    """Each speaker once, in order of first appearance, with their pitch: from `pitches`,
    else the median of their segments' measured pitches."""
    ordered = sorted(segments, key=lambda s: (s.start, s.index))
    known = speaker_pitches(ordered) if pitches is None else pitches
    labels = dict.fromkeys(speaker_label(s) for s in ordered)
    return [Speaker(label, known.get(label)) for label in labels]


def speaker_pitches(segments: Iterable[Segment]) -> dict[str, float]:
    """Each speaker's median segment pitch, for those with a measured one."""
    found: dict[str, list[float]] = {}
    for segment in segments:
        if segment.pitch_hz is not None:
            found.setdefault(speaker_label(segment), []).append(segment.pitch_hz)
    return {label: statistics.median(values) for label, values in found.items()}


def cast_voices(
    speakers: Sequence[Speaker],
    voices: Sequence[Voice],
    voice_map: Mapping[str, str] | None = None,
) -> dict[str, Voice]:
    """speaker label → voice; distinct voices while there are enough, then reused in turn."""
    if not voices:
        raise ValueError("no voices to cast from")
    by_id = {v.id: v for v in voices}
    cast: dict[str, Voice] = {}
    for speaker in speakers:
        wanted = (voice_map or {}).get(speaker.label)
        if wanted is not None:
            if wanted not in by_id:
                raise UnknownVoice(
                    f"the voice map gives speaker {speaker.label!r} voice {wanted!r}, which is "
                    f"not one of this language's voices: {', '.join(by_id)}"
                )
            cast[speaker.label] = by_id[wanted]
    taken = {v.id for v in cast.values()}
    free = [v for v in voices if v.id not in taken]
    pitched = [s for s in speakers if s.label not in cast and s.pitch_hz is not None]
    for speaker, voice in _match_pitch(pitched, [v for v in free if _pitch(v) is not None]):
        cast[speaker.label] = voice
    taken = {v.id for v in cast.values()}
    rest = _alternate_genders([v for v in voices if v.id not in taken])
    # Past the last distinct voice, speakers share voices in a fixed rotation.
    pool = rest or _alternate_genders(list(voices))
    unpitched = [s for s in speakers if s.label not in cast]
    for i, speaker in enumerate(unpitched):
        cast[speaker.label] = pool[i % len(pool)]
    return cast


def _match_pitch(
    speakers: Sequence[Speaker], voices: Sequence[Voice]
) -> list[tuple[Speaker, Voice]]:
    """Pairs minimising the summed log-pitch distance, keeping both pitch orders (DP)."""
    if not speakers or not voices:
        return []
    ss = sorted(speakers, key=lambda s: (s.pitch_hz or 0.0, s.label))
    vs = sorted(voices, key=lambda v: (_pitch(v) or 0.0, v.id))
    if len(ss) > len(vs):
        # More pitched speakers than voices: the extra ones are cast without pitch.
        ss = ss[: len(vs)]
    k, n = len(ss), len(vs)
    inf = math.inf
    # best[i][j]: cost of casting the i lowest speakers among the j lowest voices.
    best = [[0.0] * (n + 1)] + [[inf] * (n + 1) for _ in range(k)]
    for i in range(1, k + 1):
        for j in range(i, n + 1):
            use = best[i - 1][j - 1] + _distance(ss[i - 1], vs[j - 1])
            best[i][j] = min(best[i][j - 1], use)
    pairs: list[tuple[Speaker, Voice]] = []
    i, j = k, n
    while i > 0:
        if j > i and best[i][j] == best[i][j - 1]:
            j -= 1
            continue
        pairs.append((ss[i - 1], vs[j - 1]))
        i, j = i - 1, j - 1
    return pairs[::-1]


def _distance(speaker: Speaker, voice: Voice) -> float:
    pitch = _pitch(voice)
    assert speaker.pitch_hz is not None and pitch is not None
    return abs(math.log(speaker.pitch_hz / pitch))


def _pitch(voice: Voice) -> float | None:
    """The voice's pitch, or a typical one for its gender when only that is known."""
    if voice.pitch_hz is not None:
        return voice.pitch_hz
    return _TYPICAL_PITCH_HZ.get(voice.gender or "")


def _alternate_genders(voices: Sequence[Voice]) -> list[Voice]:
    """[m1, m2, f1, f2, x] → [m1, f1, x, m2, f2]: each gender's voices in turn, in order."""
    groups: dict[str | None, list[Voice]] = {}
    for voice in voices:
        groups.setdefault(voice.gender, []).append(voice)
    out: list[Voice] = []
    depth = max((len(g) for g in groups.values()), default=0)
    for i in range(depth):
        out.extend(g[i] for g in groups.values() if i < len(g))
    return out
