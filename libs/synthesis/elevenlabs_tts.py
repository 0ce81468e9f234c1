"""Premium text-to-speech with ElevenLabs (`/v1/text-to-speech/{voice_id}`) through
`elevenlabs`; off unless configured."""

from collections.abc import Sequence
from typing import Any

from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.synthesis.elevenlabs_voices import elevenlabs_voices
from libs.synthesis.provider import Voice
from libs.synthesis.vendor_speech import VendorTextToSpeech
from libs.vendors.errors import VendorError, from_status, malformed
from libs.vendors.fern_headers import freeze_headers
from libs.vendors.retry import parse_retry_after
from libs.vendors.session import VendorSession

VENDOR = "elevenlabs"


class ElevenLabsTextToSpeech(VendorTextToSpeech):
    """Raw 16-bit PCM (`pcm_<rate>`) asked for and kept as WAV."""

    name = VENDOR

    def __init__(
        self,
        session: VendorSession,
        *,
        model: str = "eleven_multilingual_v2",
        sample_rate: int = 24_000,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        super().__init__(session, sample_rate=sample_rate, prices=prices)
        self.model: str | None = model
        self._model = model
        self._client = AsyncElevenLabs(
            api_key=session.config.api_key,
            base_url=session.config.base_url,
            httpx_client=session.http,
            timeout=session.config.timeout_s,
        )
        freeze_headers(self._client._client_wrapper)

    def voices(self, language: str) -> Sequence[Voice]:
        return elevenlabs_voices(language)

    async def _pcm(self, text: str, language: str, voice: Voice) -> bytes:
        try:
            async with self._client.text_to_speech.with_raw_response.convert(
                voice.id,
                text=text,
                model_id=self._model,
                output_format=f"pcm_{self.sample_rate}",
                language_code=language,
                request_options={"max_retries": 0},  # ours apply
            ) as response:
                return b"".join([chunk async for chunk in response.data])
        except ApiError as exc:
            raise elevenlabs_error(exc) from exc


def elevenlabs_error(exc: ApiError) -> VendorError:
    """What an SDK `ApiError` means: its status, `Retry-After` and `detail.message`."""
    if exc.status_code is None or 200 <= exc.status_code < 300:
        return malformed(VENDOR, "the body is not audio")
    headers: dict[str, Any] = {k.lower(): v for k, v in (exc.headers or {}).items()}
    return from_status(
        VENDOR, exc.status_code, exc.body, parse_retry_after(headers.get("retry-after"))
    )
