import pytest
from pydantic import ValidationError

from libs.documents.transcript import Segment, Transcript


def _transcript() -> Transcript:
    return Transcript(
        language="en",
        duration_s=4.5,
        segments=[
            Segment(index=0, start=0.25, end=1.5, text="Hello there."),
            Segment(index=1, start=2.0, end=4.125, text="Ünïcødé & <tags> survive"),
        ],
    )


def test_json_round_trip_preserves_everything() -> None:
    original = _transcript()
    restored = Transcript.from_json(original.to_json())
    assert restored == original
    assert restored.segments[1].text == "Ünïcødé & <tags> survive"


def test_from_json_accepts_bytes() -> None:
    original = _transcript()
    assert Transcript.from_json(original.to_json().encode()) == original


def test_from_json_rejects_malformed_blob() -> None:
    with pytest.raises(ValidationError):
        Transcript.from_json('{"language": "en", "segments": []}')


def test_segment_is_frozen() -> None:
    segment = Segment(index=0, start=0.0, end=1.0, text="x")
    with pytest.raises(ValidationError):
        segment.text = "y"  # type: ignore[misc]


def test_segment_rejects_end_before_start() -> None:
    with pytest.raises(ValidationError, match="ends"):
        Segment(index=3, start=2.0, end=1.0, text="backwards")


def test_segment_duration() -> None:
    assert Segment(index=0, start=1.25, end=3.0, text="x").duration == pytest.approx(1.75)


def test_a_stored_document_carries_its_schema_version() -> None:
    doc = Transcript(language="fr", duration_s=1.0, segments=[])
    assert '"schema_version":2' in doc.to_json()
    # Version 1 (no speakers or words) still reads.
    old = '{"schema_version":1,"language":"fr","duration_s":1.0,"segments":[{"index":0,"start":0,"end":1,"text":"a"}]}'
    assert Transcript.from_json(old).segments[0].speaker is None


def test_a_document_of_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValidationError, match="schema_version"):
        Transcript.from_json('{"schema_version":3,"language":"fr","duration_s":1,"segments":[]}')
