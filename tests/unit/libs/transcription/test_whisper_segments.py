from dataclasses import replace

from faster_whisper.transcribe import Segment as WhisperSegment
from faster_whisper.transcribe import Word as WhisperWord

from libs.transcription.faster_whisper_stt import to_segments


def whisper(
    start: float, end: float, words: list[tuple[str, float, float, float]]
) -> WhisperSegment:
    return WhisperSegment(
        id=0,
        seek=0,
        start=start,
        end=end,
        text="".join(w for w, *_ in words),
        tokens=[],
        avg_logprob=-0.2,
        compression_ratio=1.0,
        no_speech_prob=0.0,
        words=[WhisperWord(start=s, end=e, word=w, probability=p) for w, s, e, p in words],
        temperature=0.0,
    )


def test_one_segment_per_sentence_with_its_words_and_confidence() -> None:
    raw = [
        whisper(
            0.0,
            3.0,
            [(" Hello", 0.0, 0.4, 0.9), (" there.", 0.4, 0.9, 0.7), (" Bye", 2.0, 2.5, 1.0)],
        ),
        whisper(3.0, 4.0, [(" now.", 3.1, 3.6, 0.5)]),
    ]
    segments = to_segments(raw)
    assert [(s.index, s.start, s.end, s.text) for s in segments] == [
        (0, 0.0, 0.9, "Hello there."),
        (1, 2.0, 2.5, "Bye"),
        (2, 3.1, 3.6, "now."),
    ]
    assert [w.text for w in segments[0].words] == ["Hello", "there."]
    assert segments[0].confidence == 0.8


def test_blank_segments_are_dropped_and_wordless_ones_kept_whole() -> None:
    raw = [whisper(0.0, 1.0, []), whisper(1.0, 2.0, [])]
    raw[1] = replace(raw[1], text=" Hi.", words=None)
    segments = to_segments(raw)
    assert [(s.index, s.start, s.end, s.text, s.words) for s in segments] == [
        (0, 1.0, 2.0, "Hi.", [])
    ]


def test_times_never_run_backwards() -> None:
    (segment,) = to_segments([whisper(0.5, 0.4, [(" odd.", 0.6, 0.55, 1.2)])])
    assert segment.words[0].end >= segment.words[0].start
    assert segment.end >= segment.start
    assert segment.words[0].confidence == 1.0
