"""The interface every text-to-speech backend implements."""

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from libs.events.catalogue import Usage


@dataclass(frozen=True, slots=True)
class Voice:
    """One of a provider's voices for a language."""

    id: str  # the provider's voice id
    language: str
    label: str
    gender: str | None = None
    # Typical speaking pitch, for casting speakers by pitch range.
    pitch_hz: float | None = None


@dataclass(frozen=True, slots=True)
class Speech:
    """What one synthesized line came to: its length and the priced work it took."""

    duration_s: float
    usage: list[Usage]


class TextToSpeech(Protocol):
    """Speaks a line of text into a WAV file."""

    name: str
    # The vendor's model (part of a clip's cache key); None when the provider has one.
    model: str | None

    def voices(self, language: str) -> Sequence[Voice]:
        """The voices for `language`; empty when this provider does not speak it."""
        ...

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        """Write `text` spoken in `language` by `voice` as a WAV to `out`."""
        ...

    def paid_slot(self) -> AbstractAsyncContextManager[None]:
        """Held from before a paid `synthesize` until its clip is stored, so what a crash
        can lose (paid, not yet stored) stays within the vendor's bound; free: nothing."""
        ...
