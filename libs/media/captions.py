"""Writes caption cues as SRT (the `srt` library) or WebVTT (`webvtt-py`)."""

from collections.abc import Sequence
from datetime import timedelta

import srt
import webvtt

from libs.documents.transcript import Segment
from libs.media.caption_layout import DEFAULT_RULES, CaptionRules, Cue, TimedText, layout_cues


def srt_text(cues: Sequence[Cue]) -> str:
    """SubRip text: numbered cues with `HH:MM:SS,mmm` times."""
    subtitles = [
        srt.Subtitle(
            index=n,
            start=timedelta(milliseconds=c.start_ms),
            end=timedelta(milliseconds=c.end_ms),
            content=c.text,
        )
        for n, c in enumerate(cues, start=1)
    ]
    return str(srt.compose(subtitles, reindex=False))


def webvtt_text(cues: Sequence[Cue]) -> str:
    """WebVTT text: the `WEBVTT` header and cues with `HH:MM:SS.mmm` times."""
    captions = [
        webvtt.Caption(
            start=_vtt_time(c.start_ms), end=_vtt_time(c.end_ms), text=[_escape(x) for x in c.lines]
        )
        for c in cues
    ]
    return str(webvtt.WebVTT(captions=captions).content)


def segment_lines(segments: Sequence[Segment]) -> list[TimedText]:
    """Each segment's text at its own timing (source captions, or a translation's)."""
    return [TimedText(s.start, s.end, s.text) for s in segments]


def to_srt(segments: Sequence[Segment], rules: CaptionRules = DEFAULT_RULES) -> str:
    """SRT captions of segments at their own timing."""
    return srt_text(layout_cues(segment_lines(segments), rules))


def to_webvtt(segments: Sequence[Segment], rules: CaptionRules = DEFAULT_RULES) -> str:
    """WebVTT captions of segments at their own timing."""
    return webvtt_text(layout_cues(segment_lines(segments), rules))


def _escape(line: str) -> str:
    # WebVTT cue text is markup: '&' and '<' must be escaped, and '-->' is forbidden.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
