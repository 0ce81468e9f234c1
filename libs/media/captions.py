"""Renders transcript segments as SRT or WebVTT captions (pure)."""

from collections.abc import Sequence

from libs.documents.transcript import Segment


def to_srt(segments: Sequence[Segment]) -> str:
    """SubRip text: numbered cues with `HH:MM:SS,mmm` times; empty segments are skipped."""
    cues = [
        f"{number}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{text}\n"
        for number, (s, text) in enumerate(_cues(segments, escape=False), start=1)
    ]
    return "\n".join(cues)


def to_webvtt(segments: Sequence[Segment]) -> str:
    """WebVTT text: `WEBVTT` header and cues with `HH:MM:SS.mmm` times."""
    cues = [
        f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{text}\n"
        for s, text in _cues(segments, escape=True)
    ]
    return "\n".join(["WEBVTT\n", *cues])


def _cues(segments: Sequence[Segment], *, escape: bool) -> list[tuple[Segment, str]]:
    ordered = sorted(segments, key=lambda s: (s.start, s.index))
    cues = [(s, _cue_text(s.text, escape=escape)) for s in ordered]
    return [(s, text) for s, text in cues if text]


def _cue_text(text: str, *, escape: bool) -> str:
    # A blank line ends a cue in both formats, so blank lines inside the text are dropped.
    lines = [line.strip() for line in text.strip().splitlines()]
    joined = "\n".join(line for line in lines if line)
    if escape:
        # WebVTT cue text is markup: '&' and '<' must be escaped and '-->' is forbidden.
        joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return joined


def _timestamp(seconds: float, decimal_mark: str) -> str:
    total_ms = max(0, round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal_mark}{millis:03d}"
