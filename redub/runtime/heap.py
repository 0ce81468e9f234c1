"""Garbage-collector tuning for long-running service processes: one setting, off by default
(`REDUB_GC_YOUNG_THRESHOLD`); `make bench` runs with it and reports its effect."""

import gc


def settle_heap(young_threshold: int) -> None:
    """After start-up, with a threshold above 0: move what exists to the permanent generation
    (imports and clients never die, so full collections need not walk them), then collect
    young objects every `young_threshold` allocations instead of Python's default."""
    if young_threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young_threshold, older, oldest)
