import pytest

from libs.translation.length_budget import (
    DEFAULT_CHARACTERS_PER_SECOND,
    MIN_BUDGET,
    STRETCH_CAP,
    length_budget,
    overflows,
    shortened_budget,
    speaking_rate,
)


def test_budget_is_slot_times_the_languages_rate() -> None:
    assert length_budget(2.0, "en") == 30
    assert length_budget(2.0, "es") == 32
    assert length_budget(2.0, "de") == 28
    assert length_budget(2.0, "ja") == 15


def test_regional_codes_read_as_their_language_and_unknown_ones_get_the_default() -> None:
    assert speaking_rate("pt-BR") == speaking_rate("pt") == speaking_rate("PT_br")
    assert speaking_rate("tlh") == DEFAULT_CHARACTERS_PER_SECOND


@pytest.mark.parametrize("slot", [0.0, -1.0, 0.1])
def test_a_tiny_slot_still_allows_a_word(slot: float) -> None:
    assert length_budget(slot, "en") == MIN_BUDGET


def test_overflow_only_past_the_stretch_cap() -> None:
    assert not overflows(2.0 * STRETCH_CAP, 2.0)
    assert overflows(2.0 * STRETCH_CAP + 0.01, 2.0)
    assert not overflows(5.0, 0.0), "a zero-length slot has nothing to overflow"


def test_shortened_budget_fits_the_clips_pace_in_the_stretched_slot() -> None:
    text = "x" * 60  # spoken in 4 s: 15 characters a second
    budget = shortened_budget(text, clip_s=4.0, slot_s=2.0, language="en")
    # 2 s x 1.25 at 15/s is 37.5 characters; a margin under it.
    assert 30 <= budget < 37
    assert budget < len(text)


def test_shortened_budget_never_exceeds_the_languages_budget_for_the_stretched_slot() -> None:
    slow = "x" * 10  # a slow voice: 10 characters in 3 s
    assert shortened_budget(slow, clip_s=3.0, slot_s=2.0, language="en") <= length_budget(
        2.0 * STRETCH_CAP, "en"
    )
