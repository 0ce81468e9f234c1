import numpy as np

from libs.media.silence_trim import DEFAULT_MARGIN_S, sound_bounds

RATE = 48_000


def tone(seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (noise * rng.standard_normal(round(seconds * RATE))).astype(np.float32)


def test_leading_and_trailing_silence_are_dropped_with_a_small_margin() -> None:
    samples = np.concatenate([silence(0.3, 1e-4), tone(1.0), silence(0.5, 1e-4)])
    first, last = sound_bounds(samples, RATE)
    margin = DEFAULT_MARGIN_S * RATE
    assert abs(first - (0.3 * RATE - margin)) <= 0.005 * RATE
    assert abs(last - (1.3 * RATE + margin)) <= 0.005 * RATE


def test_threshold_is_relative_to_the_clips_peak() -> None:
    # A quiet clip (-46 dBFS) keeps its sound: the threshold follows its own peak.
    samples = np.concatenate([silence(0.2), tone(0.5, amplitude=0.005), silence(0.2)])
    first, last = sound_bounds(samples, RATE)
    assert (last - first) / RATE > 0.5


def test_soft_tail_above_threshold_is_kept() -> None:
    samples = np.concatenate([tone(0.5), tone(0.3, amplitude=0.01), silence(0.4)])
    _, last = sound_bounds(samples, RATE)
    assert last / RATE >= 0.8


def test_silent_or_empty_clip_has_no_sound() -> None:
    assert sound_bounds(silence(1.0), RATE) == (0, 0)
    assert sound_bounds(np.zeros(0, np.float32), RATE) == (0, 0)
    assert sound_bounds(np.zeros(10, np.float32), RATE) == (0, 0)


def test_bounds_never_leave_the_clip() -> None:
    first, last = sound_bounds(tone(0.2), RATE)
    assert (first, last) == (0, round(0.2 * RATE))
