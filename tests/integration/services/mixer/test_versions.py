"""The software versions the manifest names, asked of the real tools."""

import re

from services.mixer.versions import software_versions


async def test_names_redub_ffmpeg_and_rubberband_with_version_numbers() -> None:
    versions = await software_versions()
    assert {"redub", "ffmpeg", "rubberband"} <= set(versions)
    for name in ("ffmpeg", "rubberband"):
        assert re.match(r"\d+\.\d+", versions[name]), versions
    assert await software_versions() == versions
