import pytest

from libs.documents.transcript import Segment
from libs.synthesis.provider import Voice
from libs.synthesis.voice_casting import (
    UNLABELLED,
    Speaker,
    UnknownVoice,
    cast_voices,
    speaker_pitches,
    speakers_in_order,
)


def voices(language: str = "es") -> list[Voice]:
    table = [("m1", "male", 96.0), ("m2", "male", 110.0), ("f1", "female", 180.0)]
    table += [("f2", "female", 215.0)]
    return [Voice(f"{language}+{n}", language, n, g, p) for n, g, p in table]


def seg(i: int, start: float, speaker: str | None) -> Segment:
    return Segment(index=i, start=start, end=start + 1, text="x", speaker=speaker)


def variant(voice: Voice) -> str:
    return voice.id.split("+")[1]


def test_speakers_come_in_order_of_first_appearance() -> None:
    segments = [seg(0, 5.0, "B"), seg(1, 1.0, "A"), seg(2, 7.0, "B"), seg(3, 9.0, None)]
    assert speakers_in_order(segments, {"B": 120.0}) == [
        Speaker("A"),
        Speaker("B", 120.0),
        Speaker(UNLABELLED),
    ]


def test_pitches_are_matched_low_to_low_and_high_to_high() -> None:
    speakers = [Speaker("A", 210.0), Speaker("B", 100.0), Speaker("C", 175.0)]
    cast = cast_voices(speakers, voices())
    assert {s: variant(v) for s, v in cast.items()} == {"A": "f2", "B": "m1", "C": "f1"}


def test_without_pitch_each_speaker_gets_a_distinct_voice_alternating_genders() -> None:
    cast = cast_voices([Speaker("A"), Speaker("B"), Speaker("C")], voices())
    assert [variant(cast[s]) for s in "ABC"] == ["m1", "f1", "m2"]


def test_casting_is_stable_across_languages_and_runs() -> None:
    speakers = [Speaker("A", 100.0), Speaker("B"), Speaker("C", 200.0)]
    es = cast_voices(speakers, voices("es"))
    ca = cast_voices(speakers, voices("ca"))
    assert {s: variant(v) for s, v in es.items()} == {s: variant(v) for s, v in ca.items()}
    assert cast_voices(speakers, voices("es")) == es
    assert len({v.id for v in es.values()}) == 3


def test_a_voice_map_wins_and_its_voice_is_not_given_to_anyone_else() -> None:
    speakers = [Speaker("A", 100.0), Speaker("B", 98.0)]
    cast = cast_voices(speakers, voices(), {"A": "es+f2"})
    assert variant(cast["A"]) == "f2"
    assert variant(cast["B"]) == "m1"


def test_a_voice_map_naming_an_unknown_voice_is_refused() -> None:
    with pytest.raises(UnknownVoice, match=r"es\+m1, es\+m2"):
        cast_voices([Speaker("A")], voices(), {"A": "es+zz"})


def test_more_speakers_than_voices_share_them_in_a_fixed_rotation() -> None:
    speakers = [Speaker(f"S{i}") for i in range(6)]
    cast = cast_voices(speakers, voices())
    assert len({v.id for v in list(cast.values())[:4]}) == 4
    assert [variant(cast[f"S{i}"]) for i in range(4, 6)] == ["m1", "f1"]
    with pytest.raises(ValueError):
        cast_voices(speakers, [])


def test_a_speakers_pitch_is_the_median_of_their_segments() -> None:
    segments = [
        seg(0, 0.0, "A").model_copy(update={"pitch_hz": 100.0}),
        seg(1, 1.0, "B").model_copy(update={"pitch_hz": 200.0}),
        seg(2, 2.0, "A").model_copy(update={"pitch_hz": 120.0}),
        seg(3, 3.0, "A").model_copy(update={"pitch_hz": 300.0}),
        seg(4, 4.0, None),
    ]
    assert speaker_pitches(segments) == {"A": 120.0, "B": 200.0}
    assert speakers_in_order(segments) == [
        Speaker("A", 120.0),
        Speaker("B", 200.0),
        Speaker(UNLABELLED),
    ]
    cast = cast_voices(speakers_in_order(segments), voices())
    assert (variant(cast["A"]), variant(cast["B"])) == ("m2", "f2")


def test_voices_that_give_only_a_gender_are_matched_by_its_typical_pitch() -> None:
    vendor = [Voice("thalia", "en", "Thalia", "female"), Voice("orion", "en", "Orion", "male")]
    vendor.append(Voice("robot", "en", "Robot"))
    cast = cast_voices([Speaker("A", 105.0), Speaker("B", 230.0), Speaker("C")], vendor)
    assert {s: v.id for s, v in cast.items()} == {"A": "orion", "B": "thalia", "C": "robot"}
