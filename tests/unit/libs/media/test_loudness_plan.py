import pytest

from libs.media.loudness_plan import (
    GainPlan,
    LoudnessTarget,
    corrected_plan,
    first_plan,
    meets,
)
from libs.media.loudness_report import Loudness

TARGET = LoudnessTarget()  # -23 LUFS, -1 dBTP, ±0.5 LU


def test_a_quiet_mix_with_headroom_gets_plain_gain() -> None:
    assert first_plan(Loudness(-30.0, -12.0), TARGET) == GainPlan(7.0)


def test_a_mix_whose_peaks_would_pass_the_limit_gets_the_limiter() -> None:
    plan = first_plan(Loudness(-30.0, -6.0), TARGET)
    assert plan.gain_db == pytest.approx(7.0)
    assert plan.limit_dbfs is not None and plan.limit_dbfs < TARGET.true_peak_dbtp


def test_silence_gets_no_gain() -> None:
    assert first_plan(Loudness(None, None), TARGET) == GainPlan(0.0)


@pytest.mark.parametrize(
    ("measured", "ok"),
    [
        (Loudness(-23.4, -1.0), True),
        (Loudness(-22.6, -3.0), True),
        (Loudness(-23.6, -3.0), False),
        (Loudness(-23.0, -0.9), False),
        (Loudness(None, None), True),
    ],
)
def test_meets_checks_level_and_peak(measured: Loudness, ok: bool) -> None:
    assert meets(measured, TARGET) is ok


def test_a_correction_adds_the_missing_level_and_lowers_the_ceiling_by_the_excess() -> None:
    plan = corrected_plan(GainPlan(5.0, -1.5), Loudness(-23.8, -0.6), TARGET)
    assert plan.gain_db == pytest.approx(5.8)
    assert plan.limit_dbfs is not None and plan.limit_dbfs == pytest.approx(-1.5 - 0.4 - 0.2)


def test_targets_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="between -70 and 0"):
        LoudnessTarget(integrated_lufs=3.0)


def test_with_an_earlier_render_the_level_is_corrected_along_the_measured_slope() -> None:
    # 6 dB more gain bought 3 LU (a limiter ate the rest): 2.6 LU short asks for 5.2 dB more.
    earlier = (GainPlan(8.0, -1.5), Loudness(-21.6, -1.5))
    plan = corrected_plan(
        GainPlan(14.0, -1.5), Loudness(-18.6, -1.4), LoudnessTarget(-16.0), before=earlier
    )
    assert plan.gain_db == pytest.approx(19.2)
