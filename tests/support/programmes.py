"""Golden programmes: real speech and espeak-ng lines over a generated bed, with known timing.

Each line is built for one situation the aligner must handle, by choosing the source line's
length from the measured length of its dubbed (espeak-ng) clip:

- `fits`: the source line is longer than the clip, nothing to do;
- `compress`: the clip is ~20% longer and the next line follows at once (compress, <= 1.25x);
- `borrow`: the clip is 1.6x the line, with silence after it (compress to the cap, borrow);
- `overflow`: the clip is 2.2x the line and the next line follows at once (cannot fit).

The source voice stem holds real recordings (the shared samples, cycled and cut to each
line) or espeak-ng English; the background bed is seeded pink noise and a low hum, stereo.
Everything is 48 kHz and exactly `frames` long. Build once per test module (a 45 s
programme takes a couple of seconds), minutes are supported.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf

from libs.documents.transcript import Segment, Transcript
from libs.media.silence_trim import sound_bounds
from tests.support.samples import SAMPLES

RATE = 48_000
Situation = Literal["fits", "compress", "borrow", "overflow"]
# (situation, source-line length as a fraction of the clip, silence after the line, s)
_PLAN: dict[Situation, tuple[float, float]] = {
    "fits": (1.15, 0.6),
    "compress": (1 / 1.2, 0.0),
    "borrow": (1 / 1.6, 1.8),
    "overflow": (1 / 2.2, 0.0),
}
_ORDER: tuple[Situation, ...] = ("fits", "compress", "fits", "borrow", "compress", "overflow")
_SENTENCES = {
    "fr": [
        ("Good morning everyone.", "Bonjour à tous et bienvenue dans cette émission."),
        ("Let us begin.", "Commençons sans plus attendre, le temps presse."),
        ("The weather is fine today.", "Il fait beau aujourd'hui, le soleil brille sur la ville."),
        ("We have guests.", "Nous avons des invités très particuliers ce soir."),
        ("Thank you for coming.", "Merci infiniment d'être venus jusqu'ici malgré la pluie."),
        ("Any questions?", "Avez-vous des questions ?"),
        ("That is all for now.", "C'est tout pour le moment, à bientôt."),
    ],
    "de": [
        ("Good morning everyone.", "Guten Morgen und herzlich willkommen zu unserer Sendung."),
        ("Let us begin.", "Fangen wir ohne weitere Umschweife an."),
        ("The weather is fine today.", "Heute ist das Wetter wirklich ausgesprochen schön."),
        ("We have guests.", "Wir haben heute Abend besondere Gäste."),
        ("Thank you for coming.", "Vielen herzlichen Dank, dass Sie gekommen sind."),
        ("Any questions?", "Gibt es noch Fragen?"),
        ("That is all for now.", "Das ist alles für den Moment, bis bald."),
    ],
}
_SAMPLE_FILES = ("english.wav", "french.aiff", "chinese.flac")


@dataclass(frozen=True, slots=True)
class GoldenLine:
    """One line: its source timing and text, its dubbed clip and the situation it tests."""

    index: int
    start: float
    end: float
    source_text: str
    text: str
    speaker: str
    situation: Situation
    clip: Path
    clip_s: float  # the clip's sounding length (silence trimmed)
    next_start: float  # where the next line starts (the programme's end for the last)


@dataclass(frozen=True, slots=True)
class Programme:
    """A programme's stems, its transcript and translation, and the dubbed clips."""

    folder: Path
    language: str
    voice: Path
    background: Path
    frames: int
    lines: tuple[GoldenLine, ...]
    transcript: Transcript
    translation: Transcript

    @property
    def duration_s(self) -> float:
        """The programme's length in seconds (frames at 48 kHz)."""
        return self.frames / RATE


def build_programme(
    folder: Path, *, seconds: float = 45.0, language: str = "fr", seed: int = 0
) -> Programme:
    """A programme of about `seconds` (at least one of each situation), written to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    sentences = _SENTENCES[language]
    samples = [_decode(SAMPLES / name) for name in _SAMPLE_FILES]
    at, n = 0.8, 0
    spoken: dict[Path, float] = {}
    english: dict[str, np.ndarray] = {}
    placed: list[tuple[float, float, np.ndarray]] = []
    drafts: list[tuple[float, float, str, str, Situation, Path, float]] = []
    while True:
        situation = _ORDER[n % len(_ORDER)]
        source_text, text = sentences[n % len(sentences)]
        # One clip per sentence: later lines speak it again (as a synthesizer's cache would).
        clip = folder / f"clip-{n % len(sentences):04d}.wav"
        if clip not in spoken:
            spoken[clip] = _speak(text, language, clip)
        clip_s = spoken[clip]
        fraction, gap = _PLAN[situation]
        length = round(clip_s * fraction, 3)
        if n >= len(_ORDER) and at + length + 1.0 > seconds:
            break
        if n % 2 == 0:
            source = samples[n % len(samples)]
        else:
            if source_text not in english:
                english[source_text] = _decode_speech(source_text, folder, len(english))
            source = english[source_text]
        placed.append((at, length, _fill(source, length)))
        drafts.append((at, round(at + length, 3), source_text, text, situation, clip, clip_s))
        # Every seventh line is followed by a long pause: silence to borrow, and a rest.
        at = round(at + length + gap + (2.5 if n % 7 == 6 else 0.0), 3)
        n += 1
    frames = round(max(seconds, at + 1.0) * RATE)
    voice = np.zeros(frames, dtype=np.float32)
    for start, _, audio in placed:
        first = round(start * RATE)
        voice[first : first + len(audio)] += audio
    voice_path, bed_path = folder / "voice.wav", folder / "background.wav"
    sf.write(voice_path, voice, RATE, subtype="PCM_16")
    _bed(bed_path, frames, seed)
    lines = tuple(
        GoldenLine(
            index=i,
            start=start,
            end=end,
            source_text=source_text,
            text=text,
            speaker="S1" if i % 3 else "S2",
            situation=situation,
            clip=clip,
            clip_s=clip_s,
            next_start=drafts[i + 1][0] if i + 1 < len(drafts) else frames / RATE,
        )
        for i, (start, end, source_text, text, situation, clip, clip_s) in enumerate(drafts)
    )
    transcript = Transcript(
        language="en",
        duration_s=frames / RATE,
        segments=[
            Segment(index=g.index, start=g.start, end=g.end, text=g.source_text, speaker=g.speaker)
            for g in lines
        ],
    )
    translation = transcript.model_copy(
        update={
            "language": language,
            "segments": [
                s.model_copy(update={"text": g.text})
                for s, g in zip(transcript.segments, lines, strict=True)
            ],
        }
    )
    return Programme(folder, language, voice_path, bed_path, frames, lines, transcript, translation)


def _speak(text: str, language: str, out: Path) -> float:
    subprocess.run(["espeak-ng", "-v", language, "-w", str(out), text], check=True)
    audio, rate = sf.read(out, dtype="float32")
    first, last = sound_bounds(audio, rate)
    return (last - first) / rate


def _decode(path: Path) -> np.ndarray:
    """Any file libsndfile reads (WAV, AIFF, FLAC) as 48 kHz mono float32."""
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if rate == RATE:
        return mono
    # Linear interpolation: plenty for a test programme's source voice, and no ffmpeg start.
    frames = round(len(mono) * RATE / rate)
    return np.interp(np.arange(frames) * (rate / RATE), np.arange(len(mono)), mono).astype(
        np.float32
    )


def _decode_speech(text: str, folder: Path, n: int) -> np.ndarray:
    path = folder / f"source-{n:04d}.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(path), text], check=True)
    return _decode(path)


def _fill(audio: np.ndarray, seconds: float) -> np.ndarray:
    """Speech cycled to exactly `seconds`, faded in and out over 10 ms, at about -20 dBFS RMS."""
    frames = round(seconds * RATE)
    first, last = sound_bounds(audio, RATE)
    speech = audio[first:last] if last > first else audio
    out = np.resize(speech, frames).astype(np.float32)
    fade = min(frames // 2, RATE // 100)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    rms = float(np.sqrt(np.mean(np.square(out)))) or 1.0
    return out * np.float32(0.1 / rms)


def _bed(path: Path, frames: int, seed: int) -> None:
    """Stereo pink noise (a seed per channel) and a low 110 Hz hum, about -30 dBFS RMS."""
    graph = (
        "[0][1]amerge=inputs=2[noise];[2]volume=0.4,pan=stereo|c0=c0|c1=c0[hum];"
        f"[noise][hum]amix=inputs=2:normalize=0:duration=shortest,atrim=end_sample={frames}[out]"
    )
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"anoisesrc=c=pink:r={RATE}:a=0.05:s={seed + 1}",
            "-f", "lavfi", "-i", f"anoisesrc=c=pink:r={RATE}:a=0.05:s={seed + 2}",
            "-f", "lavfi", "-i", f"sine=f=110:r={RATE}",
            "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le", str(path),
        ],
        check=True,
    )  # fmt: skip
