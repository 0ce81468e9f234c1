"""The cyclic garbage collector paused around a bulk read of the log.

A replay or an export allocates objects by the million and creates no reference cycles:
reference counting frees everything, and each collection would only walk live objects
(a fold's views, a chunk's rows) for nothing.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (restored as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
