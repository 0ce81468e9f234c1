"""Which languages the configured providers hear, translate and speak (pure)."""

from dataclasses import dataclass


def primary(language: str) -> str:
    """`"pt-BR"` → `"pt"`, `"ES"` → `"es"`: the code providers are matched on."""
    return language.strip().lower().replace("_", "-").split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class LanguageSupport:
    """The languages of each configured provider; None means "any" (a test provider)."""

    allowed: tuple[str, ...]
    stt_provider: str
    stt_model: str | None
    stt_languages: tuple[str, ...] | None
    translator: str
    translator_model: str | None
    translation_pairs: frozenset[tuple[str, str]] | None
    tts_provider: str
    tts_model: str | None
    tts_languages: tuple[str, ...]

    @classmethod
    def unchecked(cls, allowed: tuple[str, ...]) -> "LanguageSupport":
        """No provider consulted: every allowed language passes (tests that build a gateway)."""
        return cls(allowed, "unknown", None, None, "unknown", None, None, "unknown", None, allowed)

    def can_transcribe(self, source: str) -> bool:
        """Whether speech in `source` can be transcribed."""
        return self.stt_languages is None or primary(source) in self.stt_languages

    def can_translate(self, source: str, target: str) -> bool:
        """Whether the translator does `source` → `target`."""
        pairs = self.translation_pairs
        return pairs is None or (primary(source), primary(target)) in pairs

    def can_speak(self, target: str) -> bool:
        """Whether the speech synthesizer has a voice for `target`."""
        return primary(target) in self.tts_languages or target in self.tts_languages

    def sources(self) -> list[str]:
        """Allowed source languages the speech-to-text provider hears."""
        return [lang for lang in self.allowed if self.can_transcribe(lang)]

    def targets(self, source: str) -> list[str]:
        """Allowed languages a job from `source` can be dubbed into: translated and spoken."""
        return [
            lang
            for lang in self.allowed
            if primary(lang) != primary(source)
            and self.can_translate(source, lang)
            and self.can_speak(lang)
        ]
