"""The interface every speech-to-text backend implements."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from libs.documents.transcript import Transcript
from libs.events.catalogue import Usage


@dataclass(frozen=True, slots=True)
class Transcription:
    """A transcript and the priced work it took."""

    transcript: Transcript
    usage: list[Usage]


class SpeechToText(Protocol):
    """Turns an audio file into a timed transcript."""

    name: str
    model: str | None

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        """Recognise the speech in `audio`, spoken in `language` (e.g. "en")."""
        ...
