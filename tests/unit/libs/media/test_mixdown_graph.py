from libs.media.mixdown import dub_filtergraph


def test_clips_are_delayed_to_their_start_sample() -> None:
    graph = dub_filtergraph([1.5, 0.0, -2.0], 480_000, background_gain_db=-4.0)
    assert "[1:a]" in graph and "[2:a]" in graph and "[3:a]" in graph
    assert "adelay=delays=72000S" in graph
    # Negative starts are clamped to the beginning rather than rejected by ffmpeg.
    assert graph.count("adelay=delays=0S") == 2
    assert "amix=inputs=4:" in graph
    assert graph.count("end_sample=480000") == 2


def test_without_clips_the_voice_is_the_silent_bed() -> None:
    graph = dub_filtergraph([], 96_000, background_gain_db=-3.0)
    assert "adelay" not in graph
    assert "[vbase]anull[voice]" in graph
    assert "volume=-3.0dB" in graph
