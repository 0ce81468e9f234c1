"""The heap setting: off leaves the collector alone; on freezes start-up objects."""

import gc

from redub.runtime.heap import settle_heap


def test_off_by_default_leaves_the_collector_as_it_is() -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    settle_heap(0)
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == frozen


def test_on_freezes_the_heap_and_collects_young_objects_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        settle_heap(20_000)
        assert gc.get_freeze_count() > 0, "start-up objects left for full collections to walk"
        assert gc.get_threshold() == (20_000, *threshold[1:])
        assert gc.isenabled(), "cycles must still be collected"
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
