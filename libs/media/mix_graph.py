"""ffmpeg filter graphs for the mix: input 0 the background, input 1 the voice stem (pure).

The voice stem (see voice_stem.py) is float32 stereo: channel 0 the voice, channel 1 the
background's ducking gain. Every output is cut or padded to exactly `frames` samples.
"""

from dataclasses import dataclass

from libs.media.loudness_plan import GainPlan

RATE = 48_000
# The limiter runs at 4x the rate so it catches most inter-sample (true) peaks.
LIMITER_RATE = 4 * RATE


@dataclass(frozen=True, slots=True)
class RenderLabels:
    """Output pads of the render graph, to `-map` to the files."""

    mix_wav: str = "mixwav"
    mix_aac: str = "mixaac"
    voice_wav: str = "voicewav"
    voice_aac: str = "voiceaac"
    meter: str = "meter"


def _exact(frames: int) -> str:
    return f"apad=whole_len={frames},atrim=end_sample={frames}"


def _mix_chains(frames: int) -> list[str]:
    """The unnormalised mix as [mix] and the voice (mono) as [voice]."""
    return [
        # The background decoded, resampled and folded to stereo (5.1 by the standard
        # downmix: centre and surrounds at -3 dB, LFE left out), exactly the programme long.
        f"[0:a]aresample={RATE},aformat=sample_fmts=flt:channel_layouts=stereo,{_exact(frames)}[bg]",
        "[1:a]asplit=2[stem0][stem1]",
        "[stem0]pan=mono|c0=c0[voice0]",
        "[stem1]pan=stereo|c0=c1|c1=c1[duck]",
        "[bg][duck]amultiply[bed]",
        "[voice0]asplit=2[voice][voicemix]",
        # The mono voice panned centre at unity on both sides.
        "[voicemix]pan=stereo|c0=c0|c1=c0[voicest]",
        "[bed][voicest]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix]",
    ]


def measure_graph(frames: int) -> str:
    """The mix into `ebur128` (integrated loudness, true peak), output [meter] to discard."""
    return ";".join(
        [
            *_mix_chains(frames),
            "[voice]anullsink",
            "[mix]ebur128=peak=true:framelog=verbose[meter]",
        ]
    )


def render_graph(frames: int, plan: GainPlan, labels: RenderLabels = RenderLabels()) -> str:
    """The mix and voice at the plan's gain, split to WAV and AAC outputs and to the meter.

    The meter branch reports the output's loudness and prints its short-term curve.
    """
    gain = f"volume={plan.gain_db:.3f}dB:precision=float"
    limiter = ""
    if plan.limit_dbfs is not None:
        ceiling = 10 ** (plan.limit_dbfs / 20)
        # level=0: no automatic make-up gain; latency=1: the look-ahead delay is compensated.
        limiter = (
            f",aresample={LIMITER_RATE},alimiter=limit={ceiling:.6f}:attack=1:release=50:"
            f"level=0:latency=1,aresample={RATE}"
        )
    lb = labels
    return ";".join(
        [
            *_mix_chains(frames),
            f"[mix]{gain}{limiter},{_exact(frames)},asplit=3[{lb.mix_wav}][{lb.mix_aac}][mixmeter]",
            f"[voice]{gain},{_exact(frames)},asplit=2[{lb.voice_wav}][{lb.voice_aac}]",
            "[mixmeter]ebur128=peak=true:framelog=verbose:metadata=1,"
            "ametadata=mode=print:key=lavfi.r128.M,"
            f"ametadata=mode=print:key=lavfi.r128.S[{lb.meter}]",
        ]
    )
