import itertools
import math
import random

import pytest

from libs.media.alignment import (
    DEFAULT_GRACE_S,
    MAX_RATIO_STEP,
    LinePlan,
    LineTiming,
    plan_alignment,
)

TOL = 1e-9


def plan_one(start: float, end: float, clip: float, programme: float, **kw: float) -> LinePlan:
    [plan] = plan_alignment([LineTiming(0, start, end, clip)], programme_s=programme, **kw)
    return plan


def assert_invariants(
    lines: list[LineTiming], plans: list[LinePlan], programme: float, cap: float
) -> None:
    assert [p.index for p in plans] == sorted(line.index for line in lines)
    by_index = {line.index: line for line in lines}
    for plan in plans:
        line = by_index[plan.index]
        assert plan.source_start == line.start and plan.source_end == line.end
        assert plan.start == line.start, "never starts before (or after) its original start"
        assert plan.start - TOL <= plan.end <= plan.slot_end + TOL
        assert 1.0 <= plan.ratio <= cap + TOL
        assert plan.borrowed_s == pytest.approx(max(0.0, plan.end - line.end), abs=TOL)
        assert plan.overflow_s >= 0
        # Everything of the compressed clip either sounds or is recorded as overflow.
        assert (plan.end - plan.start) + plan.overflow_s == pytest.approx(
            line.clip_s / plan.ratio, abs=1e-7
        )
        if plan.start < programme:
            assert plan.end <= programme + TOL
    ordered = sorted(plans, key=lambda p: (p.start, p.index))
    for a, b in itertools.pairwise(ordered):
        assert a.end <= b.start + TOL, "dubbed lines never overlap"
        assert a.slot_end <= b.start + TOL


def test_no_lines() -> None:
    assert plan_alignment([], programme_s=10.0) == []


def test_one_short_line_plays_at_its_own_speed() -> None:
    plan = plan_one(1.0, 3.0, 1.5, 10.0)
    assert (plan.start, plan.end, plan.ratio) == (1.0, 2.5, 1.0)
    assert plan.borrowed_s == 0.0 and plan.overflow_s == 0.0
    assert plan.slot_end == 10.0


def test_line_within_grace_borrows_without_compressing() -> None:
    plan = plan_one(0.0, 2.0, 2.0 + DEFAULT_GRACE_S / 2, 10.0)
    assert plan.ratio == 1.0
    assert plan.borrowed_s == pytest.approx(DEFAULT_GRACE_S / 2)


def test_long_line_compresses_to_end_at_grace_before_borrowing() -> None:
    plan = plan_one(0.0, 2.0, 2.2, 10.0)
    assert plan.ratio == pytest.approx(2.2 / (2.0 + DEFAULT_GRACE_S))
    assert plan.end == pytest.approx(2.0 + DEFAULT_GRACE_S)
    assert plan.overflow_s == 0.0


def test_without_grace_the_issue_order_holds_compress_then_borrow() -> None:
    plan = plan_one(0.0, 2.0, 3.0, 10.0, grace_s=0.0)
    assert plan.ratio == 1.25
    assert plan.end == pytest.approx(2.4)
    assert plan.borrowed_s == pytest.approx(0.4)
    assert plan_one(0.0, 2.0, 2.4, 10.0, grace_s=0.0).end == pytest.approx(2.0)


def test_line_that_cannot_fit_overflows_at_the_cap() -> None:
    lines = [LineTiming(0, 0.0, 2.0, 5.0), LineTiming(1, 3.0, 4.0, 0.5)]
    first, second = plan_alignment(lines, programme_s=10.0)
    assert first.ratio == 1.25
    assert first.end == 3.0 == first.slot_end
    assert first.borrowed_s == pytest.approx(1.0)
    assert first.overflow_s == pytest.approx(5.0 / 1.25 - 3.0)
    assert second.start == 3.0


def test_line_longer_than_whole_programme() -> None:
    plan = plan_one(0.0, 30.0, 40.0, 20.0)
    assert plan.slot_end == 20.0 and plan.end == 20.0
    assert plan.ratio == 1.25
    assert plan.overflow_s == pytest.approx(40.0 / 1.25 - 20.0)


def test_line_starting_after_programme_end_gets_empty_slot() -> None:
    plan = plan_one(12.0, 13.0, 1.0, 10.0)
    assert plan.start == plan.end == plan.slot_end == 12.0
    assert plan.overflow_s == pytest.approx(1.0 / 1.25)


def test_touching_lines_get_no_borrowed_silence() -> None:
    lines = [LineTiming(0, 0.0, 1.0, 1.2), LineTiming(1, 1.0, 2.0, 0.8)]
    first, second = plan_alignment(lines, programme_s=2.0)
    assert first.slot_end == 1.0 == first.end
    assert first.ratio == pytest.approx(1.2)
    assert first.borrowed_s == 0.0 and first.overflow_s == 0.0
    assert second.start == 1.0 and second.end == pytest.approx(1.8)


def test_zero_length_slot_when_two_lines_start_together() -> None:
    lines = [LineTiming(0, 1.0, 2.0, 1.0), LineTiming(1, 1.0, 2.5, 1.0)]
    first, second = plan_alignment(lines, programme_s=5.0)
    assert first.slot_end == first.start == first.end == 1.0
    assert first.overflow_s == pytest.approx(1.0 / 1.25)
    assert (second.start, second.end, second.ratio) == (1.0, 2.0, 1.0)


def test_overlapping_source_lines_are_cut_at_the_next_start() -> None:
    lines = [LineTiming(0, 0.0, 3.0, 2.5), LineTiming(1, 2.0, 4.0, 1.0)]
    first, _ = plan_alignment(lines, programme_s=5.0)
    assert first.slot_end == 2.0 and first.end == 2.0
    assert first.ratio == 1.25 and first.overflow_s == pytest.approx(0.0)


def test_empty_clip() -> None:
    plan = plan_one(1.0, 2.0, 0.0, 5.0)
    assert (plan.start, plan.end, plan.ratio, plan.overflow_s) == (1.0, 1.0, 1.0, 0.0)


def test_unsorted_input_comes_back_in_index_order() -> None:
    lines = [
        LineTiming(2, 4.0, 5.0, 0.5),
        LineTiming(0, 0.0, 1.0, 3.0),
        LineTiming(1, 2.0, 3.0, 0.5),
    ]
    plans = plan_alignment(lines, programme_s=6.0)
    assert [p.index for p in plans] == [0, 1, 2]
    assert plans[0].slot_end == 2.0 and plans[1].slot_end == 4.0 and plans[2].slot_end == 6.0
    assert plans[0].end == 2.0 and plans[0].overflow_s > 0


def test_never_slows_a_line_down() -> None:
    assert plan_one(0.0, 5.0, 1.0, 10.0).ratio == 1.0


def test_cap_is_configurable_and_validated() -> None:
    assert plan_one(0.0, 1.0, 3.0, 1.0, max_ratio=1.5).ratio == 1.5
    for bad in (0.9, 1.51, math.nan, math.inf):
        with pytest.raises(ValueError, match="max_ratio"):
            plan_one(0.0, 1.0, 1.0, 2.0, max_ratio=bad)


@pytest.mark.parametrize(
    ("line", "programme"),
    [
        (LineTiming(0, 2.0, 1.0, 1.0), 5.0),
        (LineTiming(0, -1.0, 1.0, 1.0), 5.0),
        (LineTiming(0, 0.0, 1.0, -0.1), 5.0),
        (LineTiming(0, 0.0, math.nan, 1.0), 5.0),
        (LineTiming(0, 0.0, 1.0, 1.0), -1.0),
    ],
)
def test_invalid_input_is_refused(line: LineTiming, programme: float) -> None:
    with pytest.raises(ValueError):
        plan_alignment([line], programme_s=programme)


def test_duplicate_index_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        plan_alignment([LineTiming(0, 0, 1, 1), LineTiming(0, 2, 3, 1)], programme_s=5)


def test_one_speakers_ratios_are_smoothed_by_borrowing_where_there_is_room() -> None:
    # The middle line alone would compress to the cap; its slot has room, so it borrows instead
    # and stays within one step of its neighbours.
    lines = [
        LineTiming(0, 0.0, 2.0, 1.8, "a"),
        LineTiming(1, 2.5, 4.5, 3.0, "a"),
        LineTiming(2, 6.0, 8.0, 1.8, "a"),
    ]
    plans = plan_alignment(lines, programme_s=10.0)
    assert [p.ratio for p in plans] == pytest.approx([1.0, 1.0 + MAX_RATIO_STEP, 1.0])
    assert plans[1].overflow_s == 0.0 and plans[1].borrowed_s > 0


def test_smoothing_raises_neighbours_of_a_line_that_needs_the_cap() -> None:
    lines = [
        LineTiming(0, 0.0, 2.0, 1.0, "a"),
        LineTiming(1, 2.0, 4.0, 3.0, "a"),
        LineTiming(2, 4.0, 6.0, 1.0, "a"),
        LineTiming(3, 6.0, 8.0, 1.0, "a"),
    ]
    ratios = [p.ratio for p in plan_alignment(lines, programme_s=8.0)]
    assert ratios == pytest.approx(
        [1.25 - MAX_RATIO_STEP, 1.25, 1.25 - MAX_RATIO_STEP, 1.25 - 2 * MAX_RATIO_STEP]
    )


def test_no_smoothing_across_speakers_or_long_pauses() -> None:
    lines = [
        LineTiming(0, 0.0, 2.0, 1.0, "a"),
        LineTiming(1, 2.0, 4.0, 3.0, "b"),
        LineTiming(2, 4.0, 6.0, 1.0, None),
        LineTiming(3, 6.0, 8.0, 1.0, "b"),
        LineTiming(4, 8.0 + 5.0, 14.0, 1.0, "b"),
    ]
    ratios = [p.ratio for p in plan_alignment(lines, programme_s=20.0)]
    assert ratios == pytest.approx([1.0, 1.25, 1.0, 1.0, 1.0])


def random_lines(rng: random.Random) -> tuple[list[LineTiming], float]:
    programme = rng.choice([0.0, 1.0, 10.0, 60.0])
    lines = []
    for index in range(rng.randint(0, 25)):
        start = round(rng.uniform(0, programme * 1.1 + 1), rng.choice([1, 3]))
        length = rng.choice([0.0, rng.uniform(0, 4)])
        clip = rng.choice([0.0, rng.uniform(0, 6), length, length * 1.2])
        speaker = rng.choice([None, "a", "b"])
        lines.append(LineTiming(index, start, start + length, clip, speaker))
    rng.shuffle(lines)
    return lines, programme


def test_invariants_hold_for_random_programmes() -> None:
    rng = random.Random(1515)
    for _ in range(1000):
        lines, programme = random_lines(rng)
        cap = rng.choice([1.0, 1.25, 1.5])
        plans = plan_alignment(lines, programme_s=programme, max_ratio=cap)
        assert_invariants(lines, plans, programme, cap)


def test_smoothing_keeps_every_line_that_fit_unsmoothed_in_its_slot() -> None:
    # Smoothing may change ratios but never makes a line overflow that fitted without it.
    rng = random.Random(2026)
    for _ in range(500):
        lines, programme = random_lines(rng)
        anonymous = [LineTiming(x.index, x.start, x.end, x.clip_s, f"solo{x.index}") for x in lines]
        solo = {p.index: p for p in plan_alignment(anonymous, programme_s=programme)}
        for plan in plan_alignment(lines, programme_s=programme):
            if solo[plan.index].overflow_s == 0.0:
                assert plan.overflow_s == 0.0
