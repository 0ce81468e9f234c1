import numpy as np
import pytest

from libs.media.ducking import DuckEnvelope, Ducking, speech_spans

RATE = 1000  # small numbers: 1 sample a millisecond
DUCK = Ducking(depth_db=6.0, attack_s=0.1, release_s=0.2, hold_s=0.5)


def test_close_and_overlapping_lines_merge_far_ones_do_not() -> None:
    lines = [(5000, 6000), (1000, 2000), (1800, 2500), (2900, 3000), (0, 0)]
    assert speech_spans(lines, hold=500) == [(1000, 3000), (5000, 6000)]
    assert speech_spans([], hold=500) == []


def test_the_bed_dips_ahead_of_a_line_holds_under_it_and_recovers_after() -> None:
    env = DuckEnvelope([(1000, 2000)], DUCK, RATE)
    gain = env.gain(0, 3000)
    full = 10 ** (-6 / 20)
    assert gain[:900] == pytest.approx(1.0)
    assert gain[950] == pytest.approx(10 ** (-3 / 20), rel=1e-3)  # half-way down, in dB
    assert gain[1000:2001] == pytest.approx(full, rel=1e-5)
    assert gain[2100] == pytest.approx(10 ** (-3 / 20), rel=1e-3)
    assert gain[2200:] == pytest.approx(1.0)
    # Monotonic ramps: no pumping inside the attack or the release.
    assert np.all(np.diff(gain[900:1001]) <= 0) and np.all(np.diff(gain[2000:2201]) >= 0)


def test_chunks_join_into_the_same_envelope() -> None:
    env = DuckEnvelope(speech_spans([(300, 800), (1200, 2600)], hold=500), DUCK, RATE)
    whole = env.gain(0, 4000)
    pieces = np.concatenate([env.gain(start, 333) for start in range(0, 4000, 333)])[:4000]
    assert np.array_equal(whole, pieces)
    assert whole[1000] == pytest.approx(10 ** (-6 / 20), rel=1e-5), "held across a short gap"


def test_zero_depth_is_unity_and_negative_settings_are_refused() -> None:
    assert DuckEnvelope([(0, 100)], Ducking(depth_db=0.0), RATE).gain(0, 200) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="must not be negative"):
        Ducking(release_s=-1.0)
