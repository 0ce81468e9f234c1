"""Text-to-speech with Deepgram Aura-2 (`/v1/speak`) through `deepgram-sdk`."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

from deepgram.core.api_error import ApiError

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.synthesis.aura_voices import aura_voices
from libs.synthesis.errors import SynthesisError, UnsupportedLanguage
from libs.synthesis.pcm_wav import write_pcm_wav
from libs.synthesis.provider import Speech, Voice
from libs.vendors.deepgram_client import VENDOR, deepgram_client, deepgram_error
from libs.vendors.errors import malformed
from libs.vendors.session import VendorSession


class DeepgramTextToSpeech:
    """Aura-2 voices; raw 16-bit PCM is asked for and kept as WAV (a streamed WAV's header
    carries no true length)."""

    name = VENDOR
    model: str | None = "aura-2"

    def __init__(
        self,
        session: VendorSession,
        *,
        sample_rate: int = 24_000,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self._session = session
        self._client = deepgram_client(session)
        self.sample_rate = sample_rate
        self._prices = prices

    def voices(self, language: str) -> Sequence[Voice]:
        return aura_voices(language)

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        if not self.voices(language):
            raise UnsupportedLanguage(self.name, language)
        if not text.strip():
            raise SynthesisError("cannot synthesise empty text")

        async def attempt() -> bytes:
            try:
                async with self._client.speak.v1.audio.with_raw_response.generate(
                    text=text,
                    model=voice.id,
                    encoding="linear16",
                    container="none",
                    sample_rate=self.sample_rate,
                ) as response:
                    return b"".join([chunk async for chunk in response.data])
            except ApiError as exc:
                raise deepgram_error(exc) from exc

        pcm = await self._session.call(attempt)
        if len(pcm) < 2:
            raise malformed(VENDOR, "no audio in the answer")
        duration = await asyncio.to_thread(write_pcm_wav, out, pcm, self.sample_rate)
        usage = self._prices.price(VENDOR, self.model, "characters", len(text))
        return Speech(duration_s=duration, usage=[usage])
