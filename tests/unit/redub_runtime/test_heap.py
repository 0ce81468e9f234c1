"""Service processes settle their start-up heap and collect young objects less often."""

import gc

from redub.runtime.heap import YOUNG_THRESHOLD, settle_heap


def test_settled_heap_is_frozen_and_young_collections_are_rarer() -> None:
    threshold = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0, "start-up objects left for full collections to walk"
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *threshold[1:])
        assert gc.isenabled(), "cycles must still be collected"
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
