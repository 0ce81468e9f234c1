import pytest

from libs.media.errors import MediaError
from libs.media.loudness_report import CurvePoint, Loudness, loudness_summary, short_term_curve


def _summary(integrated: str, peak: str) -> str:
    return (
        "[Parsed_ebur128_9 @ 0x1] Summary:\n\n"
        "  Integrated loudness:\n"
        f"    I:         {integrated} LUFS\n"
        "    Threshold: -33.1 LUFS\n\n"
        "  Loudness range:\n    LRA:         3.2 LU\n\n"
        "  True peak:\n"
        f"    Peak:       {peak} dBFS\n"
    )


def test_reads_integrated_loudness_and_true_peak() -> None:
    assert loudness_summary("noise\n" + _summary("-23.4", "-1.7")) == Loudness(-23.4, -1.7)


def test_silence_has_no_loudness_and_no_peak() -> None:
    assert loudness_summary(_summary("-70.0", "-inf")) == Loudness(None, None)


def test_a_log_without_a_summary_is_a_media_error() -> None:
    with pytest.raises(MediaError, match="no report"):
        loudness_summary("Conversion failed!\n")


def test_the_curve_keeps_one_point_every_half_second() -> None:
    lines = []
    for i in range(40):
        lines.append(f"[Parsed_ametadata_10 @ 0x2] frame:{i} pts:{i * 4800} pts_time:{i / 10}")
        momentary = "-inf" if i < 3 else f"-{10 + i}.5"
        lines.append(f"[Parsed_ametadata_10 @ 0x2] lavfi.r128.M={momentary}")
        short_term = "-120.7" if i < 30 else f"-{20 + i}.5"
        lines.append(f"[Parsed_ametadata_10 @ 0x2] lavfi.r128.S={short_term}")
    curve = short_term_curve("\n".join(lines))
    # Momentary loudness until the 3 s short-term window has filled, then short-term.
    assert curve[:3] == [CurvePoint(0.0, None), CurvePoint(0.5, -15.5), CurvePoint(1.0, -20.5)]
    assert curve[5] == CurvePoint(2.5, -35.5)
    assert curve[6:] == [CurvePoint(3.0, -50.5), CurvePoint(3.5, -55.5)]
