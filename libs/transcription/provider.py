"""The interface every speech-to-text backend implements."""

from pathlib import Path
from typing import Protocol

from libs.documents.transcript import Transcript


class SpeechToText(Protocol):
    """Turns an audio file into a timed transcript."""

    name: str

    async def transcribe(self, audio: Path, language: str) -> Transcript:
        """Recognise the speech in `audio`, spoken in `language` (e.g. "en")."""
        ...
