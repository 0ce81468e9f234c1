from typing import Any

import pytest

from libs.media.errors import MediaError
from libs.media.probe import audio_duration


def test_prefers_container_duration() -> None:
    info: dict[str, Any] = {
        "format": {"duration": "12.5"},
        "streams": [{"codec_type": "audio", "duration": "12.4"}],
    }
    assert audio_duration(info, name="a.wav") == 12.5


def test_falls_back_to_stream_duration() -> None:
    info: dict[str, Any] = {
        "format": {},
        "streams": [{"codec_type": "video"}, {"codec_type": "audio", "duration": "3.25"}],
    }
    assert audio_duration(info, name="a.mkv") == 3.25


def test_no_audio_stream_is_a_media_error() -> None:
    info: dict[str, Any] = {"format": {"duration": "5"}, "streams": [{"codec_type": "video"}]}
    with pytest.raises(MediaError, match=r"clip\.mp4 contains no audio"):
        audio_duration(info, name="clip.mp4")


def test_unknown_duration_is_a_media_error() -> None:
    info: dict[str, Any] = {"format": {"duration": "N/A"}, "streams": [{"codec_type": "audio"}]}
    with pytest.raises(MediaError, match="unknown or zero duration"):
        audio_duration(info, name="x.wav")
