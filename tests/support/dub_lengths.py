"""A dub's outputs against the programme's length: WAV to the sample, AAC as its container
states it and as a decoder hears it (whole frames)."""

import json
import subprocess
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

WAV_KINDS = ("mix", "voice")
AAC_KINDS = ("mix_aac", "voice_aac")
# One AAC frame. An .m4a declares the programme's exact length (its edit list skips the
# encoder's 1024 priming samples and ends on the programme's last sample); ffmpeg 5.1 applies
# the start but decodes the last frame whole, so it hears the programme rounded up to frames.
AAC_FRAME = 1024
RATE = 48_000


def decoded_frames(path: Path) -> int:
    """Sample frames ffmpeg decodes from the file (not what its header says)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return len(raw) // 4


def check_durations(frames: Mapping[str, int], expected: int) -> list[str]:
    """WAV outputs decode to exactly the programme's length; AAC to it, or (by a decoder that
    ignores the edit list's end, as ffmpeg 5.1's does) to it rounded up to whole frames."""
    problems = []
    for kind, got in frames.items():
        allowed = {expected, aac_decoded_frames(expected)} if kind in AAC_KINDS else {expected}
        if got not in allowed:
            problems.append(
                f"{kind} decodes to {got} frames, the programme has {expected}"
                f" (allowed: {sorted(allowed)})"
            )
    return problems


def aac_decoded_frames(programme: int) -> int:
    """What a decoder that drops the priming but not the end padding gives: whole frames."""
    return -(-programme // AAC_FRAME) * AAC_FRAME


def declared_frames(path: Path) -> Fraction:
    """The samples (at 48 kHz) an .m4a's container says its audio lasts, edit list applied."""
    out = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "a:0"),
            *("-show_entries", "stream=duration_ts,time_base", "-of", "json", str(path)),
        ],
        check=True,
        capture_output=True,
    ).stdout
    [stream] = json.loads(out)["streams"]
    # A Fraction: a length rounded to a millisecond (the mp4 muxer's default movie timescale)
    # may fall between two samples.
    return Fraction(stream["duration_ts"]) * Fraction(stream["time_base"]) * RATE


def check_declared(declared: Mapping[str, Fraction], expected: int) -> list[str]:
    """Each .m4a declares exactly the programme's length, to the sample."""
    return [
        f"{kind} declares {got} frames, the programme has {expected}"
        for kind, got in declared.items()
        if got != expected
    ]
