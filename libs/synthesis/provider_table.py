"""Who speaks which language: providers in order of preference, and the premium one."""

from collections.abc import Sequence
from dataclasses import dataclass

from libs.synthesis.provider import TextToSpeech


@dataclass(frozen=True, slots=True)
class SpeechProviders:
    """A language goes to the first provider in `order` with voices for it; a job that asks
    for a premium voice tries `premium` first (None: premium voices are off)."""

    order: Sequence[TextToSpeech]
    premium: TextToSpeech | None = None

    def for_language(self, language: str, *, premium: bool = False) -> TextToSpeech | None:
        """The provider that speaks `language` for this job, or None if nobody does."""
        candidates = [*([self.premium] if premium and self.premium else []), *self.order]
        return next((tts for tts in candidates if tts.voices(language)), None)

    def names(self) -> list[str]:
        """The providers' names, premium first, for logs and the languages listing."""
        return [tts.name for tts in ([self.premium] if self.premium else []) + list(self.order)]
