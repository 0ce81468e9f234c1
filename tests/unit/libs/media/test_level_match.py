import pytest

from libs.media.level_match import MAX_GAIN_DB, match_gain_db, typical_gain_db


def test_gain_takes_the_dub_to_the_source_loudness() -> None:
    assert match_gain_db(-30.0, -20.0, -3.0) == pytest.approx(-10.0)
    assert match_gain_db(-20.0, -24.0, -10.0) == pytest.approx(4.0)


def test_gain_is_limited_both_ways() -> None:
    assert match_gain_db(-60.0, -20.0, -3.0) == -MAX_GAIN_DB
    assert match_gain_db(-10.0, -40.0, -40.0) == MAX_GAIN_DB


def test_a_lift_never_pushes_the_peak_past_the_ceiling() -> None:
    assert match_gain_db(-10.0, -20.0, -4.0) == pytest.approx(3.0)
    # A clip already hot is not lifted, but it is not forced down either when levels match.
    assert match_gain_db(-10.0, -20.0, -0.5) == 0.0
    assert match_gain_db(-20.0, -10.0, -0.5) == pytest.approx(-10.0)


def test_unmeasured_lines_take_the_fallback_within_the_same_limits() -> None:
    assert match_gain_db(None, -20.0, -10.0, fallback_db=-4.0) == -4.0
    assert match_gain_db(-20.0, None, -10.0) == 0.0
    assert match_gain_db(None, None, -2.0, fallback_db=5.0) == pytest.approx(1.0)


def test_typical_gain_is_the_median() -> None:
    assert typical_gain_db([]) == 0.0
    assert typical_gain_db([-3.0, 9.0, -1.0]) == -1.0
