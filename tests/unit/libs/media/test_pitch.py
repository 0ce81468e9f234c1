import numpy as np
import pytest

from libs.media.pitch import median_f0, pcm16_samples

RATE = 16_000


def tone(hz: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    # A fundamental with a strong second harmonic, as voices have.
    wave = 0.3 * np.sin(2 * np.pi * hz * t) + 0.2 * np.sin(2 * np.pi * 2 * hz * t)
    return wave.astype(np.float32)


@pytest.mark.parametrize("hz", [85.0, 120.0, 210.0, 320.0])
def test_the_pitch_of_a_tone_is_found(hz: float) -> None:
    assert median_f0(tone(hz), RATE) == pytest.approx(hz, rel=0.02)


def test_only_the_spans_asked_for_count() -> None:
    audio = np.concatenate([tone(100.0), tone(250.0)])
    assert median_f0(audio, RATE, [(1.0, 2.0)]) == pytest.approx(250.0, rel=0.02)
    assert median_f0(audio, RATE, [(0.0, 1.0)]) == pytest.approx(100.0, rel=0.02)


def test_silence_and_noise_have_no_pitch() -> None:
    assert median_f0(np.zeros(RATE, dtype=np.float32), RATE) is None
    noise = np.random.default_rng(1).normal(0, 0.2, RATE).astype(np.float32)
    assert median_f0(noise, RATE) is None
    assert median_f0(tone(100.0), RATE, [(5.0, 6.0)]) is None


def test_pcm16_becomes_unit_floats() -> None:
    samples = pcm16_samples(np.array([0, 16384, -32768], dtype="<i2").tobytes())
    assert samples.tolist() == [0.0, 0.5, -1.0]
