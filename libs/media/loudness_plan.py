"""Decides the gain (and, only when needed, a limiter) that brings a mix to its loudness target.

Measure, apply, measure the output again: a plan is corrected from what the output measured.
"""

from dataclasses import dataclass

from libs.media.loudness_report import Loudness

# The limiter's ceiling sits this far under the true-peak limit: it works on 4x oversampled
# audio, close to but not exactly the true peak BS.1770 measures.
LIMITER_MARGIN_DB = 0.5
# Peaks predicted this close to the limit get the limiter too.
PEAK_SAFETY_DB = 0.2


@dataclass(frozen=True, slots=True)
class LoudnessTarget:
    """Where the mix must land: integrated loudness ± tolerance, true peak at most this."""

    integrated_lufs: float = -23.0
    true_peak_dbtp: float = -1.0
    tolerance_lu: float = 0.5

    def __post_init__(self) -> None:
        if not -70.0 < self.integrated_lufs < 0.0:
            raise ValueError("the loudness target must be between -70 and 0 LUFS")
        if self.tolerance_lu <= 0:
            raise ValueError("the loudness tolerance must be positive")


@dataclass(frozen=True, slots=True)
class GainPlan:
    """Gain for the whole mix (dB) and a limiter ceiling (dBFS, oversampled) or none."""

    gain_db: float
    limit_dbfs: float | None = None


def first_plan(measured: Loudness, target: LoudnessTarget) -> GainPlan:
    """The plan from the unnormalised mix's measurement; silence gets no gain at all."""
    if measured.integrated_lufs is None:
        return GainPlan(0.0)
    gain = target.integrated_lufs - measured.integrated_lufs
    peak = measured.true_peak_dbtp
    if peak is not None and peak + gain > target.true_peak_dbtp - PEAK_SAFETY_DB:
        return GainPlan(gain, target.true_peak_dbtp - LIMITER_MARGIN_DB)
    return GainPlan(gain)


def meets(output: Loudness, target: LoudnessTarget) -> bool:
    """Whether a rendered output is on target (a silent one has nothing to normalise)."""
    if output.integrated_lufs is None:
        return output.true_peak_dbtp is None or output.true_peak_dbtp <= target.true_peak_dbtp
    on_level = abs(output.integrated_lufs - target.integrated_lufs) <= target.tolerance_lu
    peak = output.true_peak_dbtp
    return on_level and (peak is None or peak <= target.true_peak_dbtp)


def corrected_plan(
    plan: GainPlan,
    output: Loudness,
    target: LoudnessTarget,
    *,
    before: tuple[GainPlan, Loudness] | None = None,
) -> GainPlan:
    """The next plan after an output measured off target: level and ceiling corrected.

    With the render `before` this one, the level is corrected along the measured slope (a
    limiter eats part of any added gain), bounded so one odd measurement cannot run away.
    """
    gain, limit = plan.gain_db, plan.limit_dbfs
    if output.integrated_lufs is not None:
        slope = 1.0
        if before is not None and before[1].integrated_lufs is not None:
            moved = output.integrated_lufs - before[1].integrated_lufs
            if abs(moved) > 0.05:
                slope = min(4.0, max(1.0, (plan.gain_db - before[0].gain_db) / moved))
        gain += slope * (target.integrated_lufs - output.integrated_lufs)
    peak = output.true_peak_dbtp
    if peak is not None and peak > target.true_peak_dbtp:
        ceiling = target.true_peak_dbtp - LIMITER_MARGIN_DB if limit is None else limit
        limit = ceiling - (peak - target.true_peak_dbtp) - PEAK_SAFETY_DB
    return GainPlan(gain, limit)
