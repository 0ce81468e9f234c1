import numpy as np

from libs.media.length_fit import OVERFLOW_FADE_S, fit_length

RATE = 48_000


def ones(n: int) -> np.ndarray:
    return np.ones(n, dtype=np.float32)


def test_short_clip_is_padded_with_silence_to_the_exact_length() -> None:
    out = fit_length(ones(100), 150, RATE)
    assert len(out) == 150 and out.dtype == np.float32
    assert np.all(out[:100] == 1) and np.all(out[100:] == 0)


def test_overflow_is_faded_out_not_cut() -> None:
    out = fit_length(ones(RATE), RATE // 2, RATE)
    assert len(out) == RATE // 2
    fade = round(OVERFLOW_FADE_S * RATE)
    assert np.all(out[: -fade - 1] == 1)
    assert out[-1] == 0
    tail = out[-fade:]
    assert np.all(np.diff(tail) <= 1e-7), "the fade only goes down"
    assert abs(float(out[-fade // 2]) - 0.5) < 0.02


def test_rounding_trim_gets_only_a_tiny_fade() -> None:
    out = fit_length(ones(1000 + 3), 1000, RATE)
    assert out[-1] == 0 and np.all(out[:800] == 1)


def test_exact_length_is_untouched() -> None:
    samples = np.linspace(-1, 1, 480, dtype=np.float32)
    assert np.array_equal(fit_length(samples, 480, RATE), samples)


def test_zero_length_and_fade_longer_than_slot() -> None:
    assert len(fit_length(ones(100), 0, RATE)) == 0
    out = fit_length(ones(RATE), 10, RATE)
    assert len(out) == 10 and out[-1] == 0 and out[0] == 1
