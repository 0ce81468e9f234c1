import pytest

from libs.transcription.word_error_rate import normalised_words, word_edits, word_error_rate


def test_case_and_punctuation_do_not_count() -> None:
    assert normalised_words("One, two -- THREE!") == ["one", "two", "three"]
    assert normalised_words("It\u2019s Bob's") == ["it's", "bob's"]
    assert word_error_rate("one two three", "One, two, three.") == 0.0


def test_substitution_deletion_and_insertion_each_count_once() -> None:
    assert word_edits(["a", "b", "c"], ["a", "x", "c"]) == 1
    assert word_edits(["a", "b", "c"], ["a", "c"]) == 1
    assert word_edits(["a", "b", "c"], ["a", "b", "y", "c"]) == 1
    assert word_edits([], ["a", "b"]) == 2
    assert word_edits(["a", "b"], []) == 2


def test_rate_is_edits_over_reference_words() -> None:
    assert word_error_rate("the cat sat on the mat", "the cat sat on a mat") == pytest.approx(1 / 6)
    assert word_error_rate("one two", "wanted to three") == pytest.approx(3 / 2)


def test_an_empty_reference_has_no_rate() -> None:
    with pytest.raises(ValueError):
        word_error_rate(" ... ", "anything")
