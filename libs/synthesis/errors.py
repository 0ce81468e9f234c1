"""Errors raised by text-to-speech providers."""


class SynthesisError(RuntimeError):
    """Speech could not be synthesised; the message is for people."""


class UnsupportedLanguage(SynthesisError):
    """The provider has no voice for the requested language."""

    def __init__(self, provider: str, language: str) -> None:
        self.provider = provider
        self.language = language
        super().__init__(f"text-to-speech provider {provider!r} has no voice for {language!r}")
