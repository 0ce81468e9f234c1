import re

from libs.media.loudness_plan import GainPlan
from libs.media.mix_graph import measure_graph, render_graph


def test_the_measure_graph_meters_the_unnormalised_mix_of_two_inputs() -> None:
    graph = measure_graph(480_000)
    assert set(re.findall(r"\[(\d+):a\]", graph)) == {"0", "1"}
    assert "volume" not in graph and "alimiter" not in graph
    assert "ebur128=peak=true" in graph and graph.endswith("[meter]")
    # The background is folded to stereo and cut or padded to the programme's length.
    assert "channel_layouts=stereo,apad=whole_len=480000,atrim=end_sample=480000[bg]" in graph
    # Ducking: the stem's second channel multiplies the background.
    assert "[stem1]pan=stereo|c0=c1|c1=c1[duck]" in graph and "[bg][duck]amultiply" in graph
    assert "normalize=0" in graph


def test_the_render_graph_applies_one_gain_to_mix_and_voice_and_no_limiter_unless_asked() -> None:
    graph = render_graph(96_000, GainPlan(gain_db=-3.25))
    assert graph.count("volume=-3.250dB") == 2
    assert "alimiter" not in graph
    # Every delivered branch is exactly the programme long.
    mix = next(c for c in graph.split(";") if c.startswith("[mix]"))
    voice = next(c for c in graph.split(";") if c.startswith("[voice]"))
    for chain in (mix, voice):
        assert "apad=whole_len=96000,atrim=end_sample=96000" in chain
    assert "[mixwav][mixaac][mixmeter]" in mix and "[voicewav][voiceaac]" in voice
    assert "ametadata=mode=print:key=lavfi.r128.S[meter]" in graph


def test_a_limit_adds_an_oversampled_limiter_without_make_up_gain_or_delay() -> None:
    graph = render_graph(96_000, GainPlan(gain_db=4.0, limit_dbfs=-1.5))
    limiter = re.search(r"aresample=192000,alimiter=([^,]+),aresample=48000", graph)
    assert limiter is not None
    options = dict(o.split("=") for o in limiter.group(1).split(":"))
    assert float(options["limit"]) == round(10 ** (-1.5 / 20), 6)
    assert options["level"] == "0" and options["latency"] == "1"
    # Only the mix is limited: the voice stem keeps the plain gain.
    voice = next(c for c in graph.split(";") if c.startswith("[voice]"))
    assert "alimiter" not in voice
