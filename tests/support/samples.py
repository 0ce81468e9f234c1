"""Where the test media lives (shipped with the tests)."""

from pathlib import Path

SAMPLES = Path(__file__).parents[1] / "media"
ENGLISH = SAMPLES / "english.wav"
FRENCH = SAMPLES / "french.aiff"
