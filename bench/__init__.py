"""Benchmarks of the event backbone: `python -m bench` prints one JSON object per figure."""
