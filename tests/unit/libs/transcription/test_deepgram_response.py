import json

import pytest

from libs.transcription.deepgram_response import UnreadableResponse, parse_listen, to_transcript


def body(utterances: list[dict[str, object]], duration: float = 5.0) -> str:
    return json.dumps({"metadata": {"duration": duration}, "results": {"utterances": utterances}})


def test_utterances_in_time_order_blank_ones_dropped_numbers_kept_in_range() -> None:
    parsed = parse_listen(
        body(
            [
                {
                    "start": 2.0,
                    "end": 3.0,
                    "transcript": "Second.",
                    "speaker": 1,
                    "confidence": 1.2,
                },
                {"start": 0.5, "end": 1.0, "transcript": "  ", "speaker": 0},
                {
                    "start": 0.0,
                    "end": 1.5,
                    "transcript": "First  one.",
                    "speaker": 0,
                    "words": [
                        {"word": "first", "punctuated_word": "First", "start": 0.0, "end": 0.4},
                        {"word": "one", "start": 0.5, "end": 0.45, "confidence": -0.1},
                    ],
                },
            ]
        )
    )
    transcript = to_transcript(parsed, "en")
    assert [(s.index, s.text, s.speaker) for s in transcript.segments] == [
        (0, "First one.", "speaker_0"),
        (1, "Second.", "speaker_1"),
    ]
    first, second = transcript.segments
    assert [w.text for w in first.words] == ["First", "one"]
    assert first.words[1].end == 0.5, "an end before its start is clamped"
    assert first.words[1].confidence == 0.0 and second.confidence == 1.0
    assert transcript.duration_s == 5.0


def test_no_diarization_means_no_speaker() -> None:
    parsed = parse_listen(body([{"start": 0, "end": 1, "transcript": "Hi."}]))
    assert to_transcript(parsed, "en").segments[0].speaker is None


@pytest.mark.parametrize(
    "raw",
    ["{}", '{"metadata": {"duration": 1}, "results": {"channels": []}}', "[]", "nope"],
)
def test_anything_but_the_documented_shape_is_unreadable(raw: str) -> None:
    with pytest.raises(UnreadableResponse):
        parse_listen(raw)
