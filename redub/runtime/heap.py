"""Garbage-collector settings for long-running service processes."""

import gc

# The default (700 allocations) runs a young collection every few messages; each walks
# every young container, and pydantic models, events and asyncio handles are all
# containers. A larger young generation makes those passes rarer (cycles still get found).
YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """After start-up: move what exists to the permanent generation (imports, clients,
    caches never die, so full collections need not walk them), then collect young
    objects less often."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
