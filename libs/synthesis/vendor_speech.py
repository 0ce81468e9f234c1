"""What the vendors' speech synthesisers share: the request's checks, one retried call for
raw 16-bit PCM, and the answer kept as a priced WAV."""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from libs.billing.price_table import PriceTable
from libs.synthesis.errors import SynthesisError, UnsupportedLanguage
from libs.synthesis.pcm_wav import write_pcm_wav
from libs.synthesis.provider import Speech, Voice
from libs.vendors.errors import malformed
from libs.vendors.session import VendorSession


class VendorTextToSpeech(ABC):
    """A vendor asked for raw 16-bit mono PCM at `sample_rate` (a streamed WAV's header
    carries no true length), priced per character under `name` and `model`."""

    name: str
    model: str | None

    def __init__(self, session: VendorSession, *, sample_rate: int, prices: PriceTable) -> None:
        self._session = session
        self.sample_rate = sample_rate
        self._prices = prices

    @abstractmethod
    def voices(self, language: str) -> Sequence[Voice]:
        """The vendor's voices for `language`; empty when it does not speak it."""

    @abstractmethod
    async def _pcm(self, text: str, language: str, voice: Voice) -> bytes:
        """One try at the vendor's PCM for `text`; its failures as `VendorError`s."""

    def paid_slot(self) -> AbstractAsyncContextManager[None]:
        return self._session.held()

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        if not self.voices(language):
            raise UnsupportedLanguage(self.name, language)
        if not text.strip():
            raise SynthesisError("cannot synthesise empty text")
        pcm = await self._session.call(lambda: self._pcm(text, language, voice))
        if len(pcm) < 2:
            raise malformed(self.name, "no audio in the answer")
        duration = await asyncio.to_thread(write_pcm_wav, out, pcm, self.sample_rate)
        usage = self._prices.price(self.name, self.model, "characters", len(text))
        return Speech(duration_s=duration, usage=[usage])
