"""How many samples a file really holds, found by decoding it (headers can claim more)."""

import re
from pathlib import Path

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg_logged

# Only the overall figure is asked for, so the report holds one such line.
_SAMPLES = re.compile(r"Number of samples:\s*(\d+)")


async def decoded_frames(path: Path, rate: int) -> int:
    """Samples per channel of the first audio stream once decoded and resampled to `rate`."""
    log = await run_ffmpeg_logged(
        [
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            f"aresample={rate},astats=measure_perchannel=none:measure_overall=Number_of_samples",
            "-f",
            "null",
            "-",
        ],
        what=f"decoding {path.name}",
    )
    return sample_count(log, name=path.name)


def sample_count(log: str, *, name: str) -> int:
    """The overall sample count from ffmpeg's `astats` report in its log (pure)."""
    found = _SAMPLES.search(log)
    if found is None:
        raise MediaError(f"{name}: decoding gave no audio")
    return int(found.group(1))
