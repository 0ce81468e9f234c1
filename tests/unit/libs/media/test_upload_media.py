"""Which probed media is accepted: one audio stream of an allow-listed codec (pure)."""

import pytest

from libs.media.upload_media import MediaRefused, judge_streams


def probe(*streams: dict[str, str], container: str = "wav") -> dict[str, object]:
    return {"format": {"format_name": container}, "streams": list(streams)}


def test_one_allow_listed_audio_stream_is_accepted() -> None:
    container, stream = judge_streams(probe({"codec_type": "audio", "codec_name": "flac"}))
    assert (container, stream["codec_name"]) == ("wav", "flac")


@pytest.mark.parametrize(
    ("info", "code"),
    [
        (probe(), "no_audio_stream"),
        (probe({"codec_type": "video", "codec_name": "h264"}), "no_audio_stream"),
        (
            probe(
                {"codec_type": "audio", "codec_name": "aac"},
                {"codec_type": "audio", "codec_name": "aac"},
            ),
            "not_single_audio_stream",
        ),
        (probe({"codec_type": "audio", "codec_name": "dts"}), "unsupported_codec"),
    ],
)
def test_everything_else_is_refused_with_its_code(info: dict[str, object], code: str) -> None:
    with pytest.raises(MediaRefused) as refused:
        judge_streams(info)
    assert refused.value.code == code
