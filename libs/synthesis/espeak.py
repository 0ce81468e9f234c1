"""Text-to-speech with the espeak-ng command-line synthesiser (robotic, but offline and fast)."""

import asyncio
import contextlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.media.child_process import communicate_or_kill
from libs.media.errors import MediaError
from libs.media.ffmpeg_run import stderr_tail
from libs.media.wav import wav_duration
from libs.synthesis.errors import SynthesisError, UnsupportedLanguage
from libs.synthesis.espeak_voices import VARIANTS, espeak_voice
from libs.synthesis.provider import Speech, Voice


class EspeakTextToSpeech:
    """Runs `espeak-ng -v <voice> -w <out>` per line; output is 22.05 kHz mono 16-bit WAV."""

    name = "espeak"
    model: str | None = None

    def __init__(
        self,
        *,
        executable: str = "espeak-ng",
        words_per_minute: int = 160,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self._executable = executable
        self._words_per_minute = words_per_minute
        self._prices = prices

    def voices(self, language: str) -> Sequence[Voice]:
        """espeak-ng's voice for `language` in each stock variant (`es+m3`), or none."""
        voice = espeak_voice(language)
        if voice is None:
            return ()
        return tuple(
            Voice(
                id=f"{voice}+{v.name}",
                language=language,
                label=f"espeak-ng {voice} {v.gender} {v.name}",
                gender=v.gender,
                pitch_hz=v.pitch_hz,
            )
            for v in VARIANTS
        )

    def paid_slot(self) -> AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()  # free: nothing paid to lose

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        """Speak `text` into the WAV `out`; raises UnsupportedLanguage or SynthesisError."""
        if espeak_voice(language) is None:
            raise UnsupportedLanguage(self.name, language)
        if not text.strip():
            raise SynthesisError("cannot synthesise empty text")
        await asyncio.to_thread(out.parent.mkdir, parents=True, exist_ok=True)
        # Text goes through stdin so a line starting with "-" is never read as an option.
        command = [
            self._executable,
            "-v",
            voice.id,
            "-s",
            str(self._words_per_minute),
            "-w",
            str(out),
        ]
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise SynthesisError(f"{self._executable} is not installed") from exc
        _, stderr = await communicate_or_kill(process, text.encode("utf-8"))
        # espeak-ng exits 0 on some failures, so a missing file counts as failure too.
        if process.returncode != 0 or not await asyncio.to_thread(out.is_file):
            raise SynthesisError(
                f"espeak-ng failed for voice {voice.id!r} (exit code {process.returncode}): "
                f"{stderr_tail(stderr)}"
            )
        try:
            duration = await asyncio.to_thread(wav_duration, out)
        except MediaError as exc:
            raise SynthesisError(f"espeak-ng wrote an unreadable WAV: {exc}") from exc
        return Speech(
            duration_s=duration,
            usage=[self._prices.price(self.name, self.model, "characters", len(text))],
        )
