import pytest

from libs.transcription.word_grouping import TimedWord, clean_word, group_words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello", "hello"),
        ("want(2)", "want"),
        ("don't", "don't"),
        ("<s>", None),
        ("</s>", None),
        ("<sil>", None),
        ("[NOISE]", None),
        ("[SPEECH]", None),
        ("(NULL)", None),
        ("++BREATH++", None),
        ("", None),
    ],
)
def test_clean_word(raw: str, expected: str | None) -> None:
    assert clean_word(raw) == expected


def test_words_split_at_long_pauses_only() -> None:
    words = [
        TimedWord("one", 0.0, 0.4),
        TimedWord("two", 0.6, 1.0),  # 0.2 s gap: same segment
        TimedWord("three", 1.8, 2.2),  # 0.8 s gap: new segment
    ]
    segments = group_words(words, max_gap_s=0.5)
    assert [(s.index, s.start, s.end, s.text) for s in segments] == [
        (0, 0.0, 1.0, "one two"),
        (1, 1.8, 2.2, "three"),
    ]


def test_long_runs_are_split_at_max_length() -> None:
    words = [TimedWord(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(10)]
    segments = group_words(words, max_gap_s=1.0, max_segment_s=2.0)
    assert all(s.end - s.start <= 2.0 for s in segments)
    assert " ".join(s.text for s in segments) == " ".join(f"w{i}" for i in range(10))
    assert len(segments) == 3


def test_unsorted_input_is_ordered_and_empty_input_gives_nothing() -> None:
    words = [TimedWord("b", 5.0, 5.5), TimedWord("a", 0.0, 0.5)]
    assert [s.text for s in group_words(words)] == ["a", "b"]
    assert group_words([]) == []
