import srt
import webvtt

from libs.documents.transcript import Segment
from libs.media.captions import to_srt, to_webvtt

SEGMENTS = [
    Segment(index=0, start=1.25, end=3.5, text="Hello there."),
    Segment(index=1, start=3661.0005, end=3662.9999, text="  Line one\n\nLine two  "),
]


def test_srt_format() -> None:
    assert to_srt(SEGMENTS) == (
        "1\n00:00:01,250 --> 00:00:03,500\nHello there.\n"
        "\n"
        "2\n01:01:01,000 --> 01:01:03,000\nLine one Line two\n\n"
    )


def test_webvtt_format() -> None:
    assert to_webvtt(SEGMENTS) == (
        "WEBVTT\n"
        "\n"
        "00:00:01.250 --> 00:00:03.500\nHello there.\n"
        "\n"
        "01:01:01.000 --> 01:01:03.000\nLine one Line two\n"
    )


def test_both_parse_back_with_the_same_cues() -> None:
    long = Segment(index=2, start=4.0, end=9.0, text="word " * 30)
    parsed = list(srt.parse(to_srt([*SEGMENTS, long])))
    read = webvtt.from_string(to_webvtt([*SEGMENTS, long])).captions
    assert [s.content for s in parsed] == [c.text for c in read]
    assert [round(s.start.total_seconds() * 1000) for s in parsed] == [
        c.start_time.in_milliseconds() for c in read
    ]
    assert len(parsed) == 4


def test_webvtt_escapes_markup_and_arrows() -> None:
    vtt = to_webvtt([Segment(index=0, start=0.0, end=1.0, text="a --> b & <c>")])
    assert "a --&gt; b &amp; &lt;c&gt;" in vtt
    assert vtt.count("-->") == 1


def test_cues_sorted_by_start_and_blank_text_skipped() -> None:
    segments = [
        Segment(index=0, start=5.0, end=6.0, text="later"),
        Segment(index=1, start=1.0, end=2.0, text="   "),
        Segment(index=2, start=0.0, end=1.0, text="first"),
    ]
    srt_text = to_srt(segments)
    assert srt_text.index("first") < srt_text.index("later")
    assert srt_text.startswith("1\n00:00:00,000 --> 00:00:01,000\nfirst\n")
    assert "2\n00:00:05,000" in srt_text
    assert "00:00:01,000 --> 00:00:02,000" not in srt_text


def test_empty_inputs() -> None:
    assert to_srt([]) == ""
    assert to_webvtt([]) == "WEBVTT\n"
