"""Assembles the dubbed voice stem from placed lines, chunk by chunk (never a whole programme).

The stem travels to ffmpeg as raw float32 stereo: channel 0 the voice, channel 1 the
background's ducking gain, so one graph with two inputs renders the mix.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile

from libs.media.ducking import DuckEnvelope
from libs.media.errors import MediaError

STEM_RATE = 48_000
CHUNK_FRAMES = STEM_RATE  # one second: a few hundred KiB in flight


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """A dubbed line (48 kHz mono WAV, exactly as long as it sounds) and where it starts (s)."""

    path: Path
    start: float


@dataclass(frozen=True, slots=True)
class LineSpan:
    """A line as samples on the programme's timeline: [start, start + frames)."""

    path: Path
    start: int
    frames: int

    @property
    def end(self) -> int:
        return self.start + self.frames


def line_spans(lines: Sequence[PlacedLine]) -> list[LineSpan]:
    """Each line's span, read from its file; MediaError names a line that is not 48 kHz mono."""
    spans = []
    for number, line in enumerate(lines, start=1):
        try:
            info = soundfile.info(str(line.path))
        except (RuntimeError, OSError) as exc:  # soundfile's errors are RuntimeErrors
            raise MediaError(f"dubbed line {number} is not a readable WAV file") from exc
        if info.samplerate != STEM_RATE or info.channels != 1:
            raise MediaError(
                f"dubbed line {number} is {info.samplerate} Hz with {info.channels} channels;"
                f" the mix takes {STEM_RATE} Hz mono lines"
            )
        spans.append(LineSpan(line.path, max(0, round(line.start * STEM_RATE)), info.frames))
    return sorted(spans, key=lambda s: s.start)


def write_stem(
    pipe: BinaryIO,
    spans: Sequence[LineSpan],
    total_frames: int,
    envelope: DuckEnvelope | None,
) -> None:
    """Write `total_frames` of interleaved little-endian float32 (voice, bed gain) to `pipe`.

    Overlapping lines are summed; lines running past the end are cut.
    """
    pending = sorted(spans, key=lambda s: s.start)
    next_line = 0
    playing: list[tuple[LineSpan, soundfile.SoundFile]] = []
    try:
        for chunk_start in range(0, total_frames, CHUNK_FRAMES):
            count = min(CHUNK_FRAMES, total_frames - chunk_start)
            chunk_end = chunk_start + count
            while next_line < len(pending) and pending[next_line].start < chunk_end:
                span = pending[next_line]
                playing.append((span, _open(span, next_line + 1)))
                next_line += 1
            frame = np.zeros((count, 2), dtype="<f4")
            still: list[tuple[LineSpan, soundfile.SoundFile]] = []
            for span, reader in playing:
                lo, hi = max(chunk_start, span.start), min(chunk_end, span.end)
                if hi > lo:
                    # Chunks move forward, so each line is read sequentially from its start.
                    try:
                        samples = reader.read(hi - lo, dtype="float32", always_2d=False)
                    except RuntimeError as exc:  # soundfile's read errors
                        raise MediaError("a dubbed line could not be read for the mix") from exc
                    frame[lo - chunk_start : lo - chunk_start + len(samples), 0] += samples
                if span.end > chunk_end:
                    still.append((span, reader))
                else:
                    reader.close()
            playing = still
            frame[:, 1] = 1.0 if envelope is None else envelope.gain(chunk_start, count)
            pipe.write(frame.tobytes())
    finally:
        for _, reader in playing:
            reader.close()


def _open(span: LineSpan, number: int) -> soundfile.SoundFile:
    try:
        return soundfile.SoundFile(str(span.path))
    except (RuntimeError, OSError) as exc:
        # Checked before the render began: it went missing or bad since.
        raise MediaError(f"dubbed line {number} could not be read for the mix") from exc
