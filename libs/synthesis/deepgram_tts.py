"""Text-to-speech with Deepgram Aura-2 (`/v1/speak`) through `deepgram-sdk`."""

from collections.abc import Sequence

from deepgram.core.api_error import ApiError

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.synthesis.aura_voices import aura_voices
from libs.synthesis.provider import Voice
from libs.synthesis.vendor_speech import VendorTextToSpeech
from libs.vendors.deepgram_client import VENDOR, deepgram_client, deepgram_error
from libs.vendors.session import VendorSession


class DeepgramTextToSpeech(VendorTextToSpeech):
    """Aura-2 voices; raw 16-bit PCM is asked for and kept as WAV."""

    name = VENDOR
    model: str | None = "aura-2"

    def __init__(
        self,
        session: VendorSession,
        *,
        sample_rate: int = 24_000,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        super().__init__(session, sample_rate=sample_rate, prices=prices)
        self._client = deepgram_client(session)

    def voices(self, language: str) -> Sequence[Voice]:
        return aura_voices(language)

    async def _pcm(self, text: str, language: str, voice: Voice) -> bytes:
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
