"""The words artifacts: dubbed and source captions, the translation document."""

import json
from typing import get_args

import srt
import webvtt

from libs.documents.transcript import Segment, Transcript, Word
from libs.events.catalogue import ArtifactKind
from libs.media.alignment import LinePlan
from services.mixer.artifact_files import ARTIFACT_FILES
from services.mixer.words import dubbed_lines, translation_document, words_files

SOURCE = Transcript(
    language="en",
    duration_s=12.0,
    segments=[
        Segment(
            index=0,
            start=0.5,
            end=2.0,
            text="Hello there.",
            speaker="S1",
            words=[Word(text="Hello", start=0.5, end=1.0), Word(text="there.", start=1.1, end=2.0)],
        ),
        Segment(index=1, start=3.0, end=5.0, text="How are you today?", speaker="S2"),
        Segment(index=2, start=8.0, end=9.0, text="Fine.", speaker="S1"),
    ],
)
TRANSLATION = SOURCE.model_copy(
    update={
        "language": "fr",
        "segments": [
            s.model_copy(update={"text": t})
            for s, t in zip(
                SOURCE.segments,
                ["Bonjour.", "Comment allez-vous aujourd'hui ?", "Bien."],
                strict=True,
            )
        ],
    }
)


def _plan(index: int, start: float, end: float, dubbed: tuple[float, float]) -> LinePlan:
    return LinePlan(
        index=index,
        source_start=start,
        source_end=end,
        slot_end=end + 1,
        start=dubbed[0],
        end=dubbed[1],
        ratio=1.0,
        borrowed_s=max(0.0, dubbed[1] - end),
        overflow_s=0.0,
        speaker=None,
    )


# Line 1 sounds later and longer than its source; line 2 has no clip.
PLANS = [_plan(0, 0.5, 2.0, (0.5, 1.7)), _plan(1, 3.0, 5.0, (3.2, 6.4))]


def test_every_kind_has_a_file_name_and_content_type() -> None:
    assert set(ARTIFACT_FILES) == set(get_args(ArtifactKind))
    names = [f.name for f in ARTIFACT_FILES.values()]
    assert len(set(names)) == len(names)


def test_dubbed_captions_follow_the_aligned_timing_not_the_source() -> None:
    files = {f.kind: f for f in words_files(SOURCE, TRANSLATION, PLANS)}
    assert [k for k in files] == ["srt", "vtt", "source_srt", "source_vtt", "translation"]
    cues = list(srt.parse(files["srt"].data.decode()))
    assert [(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in cues] == [
        (0.5, 1.7, "Bonjour."),
        (3.2, 6.4, "Comment allez-vous aujourd'hui ?"),
    ]
    vtt = webvtt.from_string(files["vtt"].data.decode()).captions
    assert [(c.start, c.end) for c in vtt] == [
        ("00:00:00.500", "00:00:01.700"),
        ("00:00:03.200", "00:00:06.400"),
    ]
    assert files["srt"].name == "captions.srt" and files["vtt"].content_type == "text/vtt"


def test_source_captions_follow_the_transcript() -> None:
    files = {f.kind: f for f in words_files(SOURCE, TRANSLATION, PLANS)}
    cues = list(srt.parse(files["source_srt"].data.decode()))
    assert [(c.start.total_seconds(), c.content) for c in cues] == [
        (0.5, "Hello there."),
        (3.0, "How are you today?"),
        (8.0, "Fine."),
    ]
    assert len(webvtt.from_string(files["source_vtt"].data.decode()).captions) == 3
    assert files["source_srt"].name == "source.srt"


def test_translation_document_pairs_source_and_target_by_segment_id() -> None:
    doc = json.loads(translation_document(SOURCE, TRANSLATION, PLANS))
    assert doc["schema_version"] == 1
    assert (doc["source_language"], doc["language"]) == ("en", "fr")
    first, second, third = doc["segments"]
    assert first == {
        "id": 0,
        "speaker": "S1",
        "start": 0.5,
        "end": 2.0,
        "source_text": "Hello there.",
        "text": "Bonjour.",
        "dubbed_start": 0.5,
        "dubbed_end": 1.7,
    }
    assert (second["dubbed_start"], second["dubbed_end"]) == (3.2, 6.4)
    assert third["dubbed_start"] is None and third["source_text"] == "Fine."


def test_without_the_source_transcript_only_the_dubbed_words_are_built() -> None:
    files = words_files(None, TRANSLATION, PLANS)
    assert [f.kind for f in files] == ["srt", "vtt", "translation"]
    doc = json.loads(files[-1].data)
    assert doc["source_language"] is None
    assert [s["source_text"] for s in doc["segments"]] == [None, None, None]


def test_lines_without_a_plan_are_not_captioned() -> None:
    assert [t.text for t in dubbed_lines(TRANSLATION, PLANS[1:])] == [
        "Comment allez-vous aujourd'hui ?"
    ]
