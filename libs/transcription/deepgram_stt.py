"""Speech-to-text with Deepgram's pre-recorded API through `deepgram-sdk`."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from deepgram.core.api_error import ApiError

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.transcription.deepgram_response import (
    ListenResponse,
    UnreadableResponse,
    parse_listen,
    to_transcript,
)
from libs.transcription.provider import Transcription
from libs.vendors.deepgram_client import VENDOR, deepgram_client, deepgram_error
from libs.vendors.errors import malformed
from libs.vendors.session import VendorSession

# Read the upload in pieces: a stem can be hundreds of megabytes.
_CHUNK = 1 << 20


class DeepgramSpeechToText:
    """Utterances with word timings, punctuation, smart formatting and diarization."""

    name = VENDOR

    def __init__(
        self,
        session: VendorSession,
        *,
        model: str = "nova-3",
        diarize: bool = True,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self.model: str | None = model
        self._session = session
        self._client = deepgram_client(session)
        self._diarize = diarize
        self._prices = prices

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        """Send the file once per try; a refusal is permanent, a bad minute transient."""

        async def attempt() -> ListenResponse:
            try:
                response = await self._client.listen.v1.media.with_raw_response.transcribe_file(
                    request=_chunks(audio),
                    model=self.model,
                    language=language,
                    punctuate=True,
                    smart_format=True,
                    utterances=True,
                    diarize=self._diarize,
                )
            except ApiError as exc:
                raise deepgram_error(exc) from exc
            try:
                return parse_listen(bytes(response._response.content))
            except UnreadableResponse as exc:
                raise malformed(VENDOR, str(exc)) from exc

        parsed = await self._session.call(attempt)
        transcript = to_transcript(parsed, language)
        seconds = round(parsed.metadata.duration, 3)
        usage = [self._prices.price(VENDOR, self.model, "audio_seconds", seconds)]
        if self._diarize:
            usage.append(self._prices.price(VENDOR, "diarize", "audio_seconds", seconds))
        return Transcription(transcript=transcript, usage=usage)


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with await asyncio.to_thread(path.open, "rb") as f:
        while chunk := await asyncio.to_thread(f.read, _CHUNK):
            yield chunk
