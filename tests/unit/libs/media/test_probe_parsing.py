from typing import Any

import pytest

from libs.media.decoded_length import sample_count
from libs.media.errors import MediaError
from libs.media.probe import require_audio_stream


def test_an_audio_stream_among_others_is_enough() -> None:
    info: dict[str, Any] = {"streams": [{"codec_type": "video"}, {"codec_type": "audio"}]}
    require_audio_stream(info, name="a.mkv")


def test_no_audio_stream_is_a_media_error() -> None:
    info: dict[str, Any] = {"format": {"duration": "5"}, "streams": [{"codec_type": "video"}]}
    with pytest.raises(MediaError, match=r"clip\.mp4 contains no audio"):
        require_audio_stream(info, name="clip.mp4")


def test_sample_count_reads_the_astats_report() -> None:
    log = (
        "size=N/A time=00:00:03.30 bitrate=N/A\n"
        "[Parsed_astats_1 @ 0x55ab] Overall\n"
        "[Parsed_astats_1 @ 0x55ab] Number of samples: 158400\n"
    )
    assert sample_count(log, name="a.wav") == 158400


def test_a_log_without_the_report_is_a_media_error() -> None:
    with pytest.raises(MediaError, match=r"a\.wav: decoding gave no audio"):
        sample_count("Output file is empty\n", name="a.wav")
