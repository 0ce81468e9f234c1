import math

import numpy as np
import pytest

from libs.media.loudness import peak_dbfs, span_lufs

RATE = 48_000


def tone(seconds: float, amplitude: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


def test_one_khz_sine_reads_as_bs1770_says() -> None:
    # BS.1770: a 0 dBFS 1 kHz sine in one channel reads -3.01 LKFS.
    assert span_lufs(tone(2.0, 1.0), RATE) == pytest.approx(-3.01, abs=0.1)
    assert span_lufs(tone(2.0, 0.1), RATE) == pytest.approx(-23.01, abs=0.1)


def test_span_shorter_than_a_gating_block_is_still_measured() -> None:
    assert span_lufs(tone(0.2, 0.1), RATE) == pytest.approx(-23.01, abs=0.3)


def test_too_short_or_silent_span_is_unmeasured() -> None:
    assert span_lufs(tone(0.02, 0.5), RATE) is None
    assert span_lufs(np.zeros(RATE, np.float32), RATE) is None


def test_pauses_are_gated_out() -> None:
    speech_and_pause = np.concatenate([tone(1.0, 0.1), np.zeros(RATE * 2, np.float32)])
    # Two thirds silence would read -27.8 ungated; the gate keeps only the sounding blocks
    # (a block straddling the edge still counts, hence the looser tolerance).
    assert span_lufs(speech_and_pause, RATE) == pytest.approx(-23.01, abs=1.0)


def test_peak() -> None:
    assert peak_dbfs(tone(0.1, 0.5)) == pytest.approx(-6.02, abs=0.01)
    assert peak_dbfs(np.zeros(5, np.float32)) == -math.inf
