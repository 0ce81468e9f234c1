"""Errors raised by translation providers."""


class TranslationError(RuntimeError):
    """A translation could not be made; the message is for people."""


class UnsupportedPair(TranslationError):
    """The provider cannot translate from this source language into this target."""

    def __init__(self, provider: str, source: str, target: str, targets: list[str]) -> None:
        self.provider = provider
        self.source = source
        self.target = target
        can = ", ".join(targets) or "nothing"
        super().__init__(
            f"translation provider {provider!r} cannot translate {source!r} into {target!r}; "
            f"from {source!r} it translates into: {can}"
        )
