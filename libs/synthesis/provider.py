"""The interface every text-to-speech backend implements."""

from pathlib import Path
from typing import Protocol


class TextToSpeech(Protocol):
    """Speaks a line of text into a WAV file."""

    name: str

    async def synthesize(self, text: str, language: str, out: Path) -> float:
        """Write `text` spoken in `language` as a WAV to `out`; return its duration in seconds."""
        ...
