"""Reads spans of a long recording (the original voice stem) as mono samples, on demand."""

import asyncio
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile

from libs.media.errors import MediaError
from libs.media.mono_decode import Samples, audio_channels, decode_mono

# Spans that libsndfile cannot serve are decoded by ffmpeg at this rate.
_FFMPEG_RATE = 48_000


class SpanReader:
    """Mono samples of any span, never the whole file in memory; use as an async context.

    Mono and stereo files libsndfile reads (WAV, FLAC, AIFF, Ogg, MP3) stay open and are seeked
    in-process; surround (ffmpeg's downmix matrix) and other formats (AAC/M4A) get one ffmpeg
    run per span.
    """

    def __init__(self, path: Path, *, what: str) -> None:
        self._path = path
        self._what = what
        self._file: soundfile.SoundFile | None = None
        self._channels: int | None = None  # known once ffmpeg serves the spans
        self._lock = asyncio.Lock()  # one seek+read at a time on the shared handle

    async def __aenter__(self) -> "SpanReader":
        if not await asyncio.to_thread(self._path.is_file):
            raise MediaError(f"{self._what} is missing")
        self._file = await asyncio.to_thread(self._open)
        if self._file is None:
            self._channels = await audio_channels(self._path, what=self._what)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    async def read(self, start_s: float, duration_s: float) -> tuple[Samples, int]:
        """Mono float32 samples from `start_s` for `duration_s` (shorter at the end), and rate."""
        if self._file is None:
            span = await decode_mono(
                self._path,
                rate=_FFMPEG_RATE,
                what=self._what,
                start_s=start_s,
                duration_s=duration_s,
                channels=self._channels,
            )
            return span, _FFMPEG_RATE
        async with self._lock:
            return await asyncio.to_thread(self._read, self._file, start_s, duration_s)

    def _open(self) -> soundfile.SoundFile | None:
        try:
            handle = soundfile.SoundFile(self._path)
        except (soundfile.LibsndfileError, RuntimeError, OSError, ValueError):
            return None
        if handle.channels > 2:
            handle.close()
            return None
        return handle

    def _read(
        self, handle: soundfile.SoundFile, start_s: float, duration_s: float
    ) -> tuple[Samples, int]:
        rate = int(handle.samplerate)
        first = max(0, round(start_s * rate))
        count = max(0, round(duration_s * rate))
        try:
            handle.seek(first)
            data = handle.read(count, dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
            if first >= handle.frames:
                return np.zeros(0, dtype=np.float32), rate  # past the end: nothing to read
            raise MediaError(f"{self._what} could not be decoded as audio") from exc
        mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] == 2 else data[:, 0]
        return np.ascontiguousarray(mono, dtype=np.float32), rate
