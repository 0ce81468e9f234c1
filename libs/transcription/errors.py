"""Errors raised by speech-to-text providers."""


class TranscriptionError(RuntimeError):
    """Speech recognition could not be carried out."""


class UnsupportedLanguage(TranscriptionError):
    """The provider has no model for the requested language."""

    def __init__(self, provider: str, language: str, supported: tuple[str, ...]) -> None:
        self.provider = provider
        self.language = language
        self.supported = supported
        super().__init__(
            f"speech-to-text provider {provider!r} cannot transcribe language {language!r}; "
            f"supported: {', '.join(supported)}"
        )
