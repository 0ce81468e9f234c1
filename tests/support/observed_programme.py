"""A programme as a finished job describes it: its length, and the lines its transcript found.

The golden programmes know each line's timing in advance; a real job's lines are what speech
recognition heard, so the checks take them from the job's own `transcript.json` and
`translation.json` and hold the dub to them (slots, overlaps, stretch, captions, lengths).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from libs.documents.transcript import Segment, Transcript

RATE = 48_000


@dataclass(frozen=True, slots=True)
class ObservedLine:
    """A line the transcript found; no situation was planned for it."""

    index: int
    start: float
    end: float
    next_start: float  # where the next line starts (the programme's end for the last)
    situation: str = "observed"


@dataclass(frozen=True, slots=True)
class ObservedProgramme:
    """The programme's length (decoded from the uploaded stem) and the job's words."""

    frames: int
    lines: tuple[ObservedLine, ...]
    transcript: Transcript
    translation: Transcript


def observed_programme(files: Mapping[str, Path], frames: int) -> ObservedProgramme:
    """Read one language's `transcript` and `translation` artifacts; `frames` at 48 kHz."""
    transcript = Transcript.from_json(files["transcript"].read_bytes())
    doc = json.loads(files["translation"].read_bytes())
    translation = Transcript(
        language=doc["language"],
        duration_s=doc["duration_s"],
        segments=[
            Segment(index=s["id"], start=s["start"], end=s["end"], text=s["text"])
            for s in doc["segments"]
        ],
    )
    ordered = sorted(transcript.segments, key=lambda s: (s.start, s.index))
    starts = [s.start for s in ordered[1:]] + [frames / RATE]
    lines = tuple(
        ObservedLine(s.index, s.start, s.end, next_start)
        for s, next_start in zip(ordered, starts, strict=True)
    )
    return ObservedProgramme(frames, lines, transcript, translation)
