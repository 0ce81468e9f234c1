"""Errors raised by translation providers."""

from libs.events.stage import PermanentError


class TranslationError(RuntimeError):
    """A translation could not be made; the message is for people."""


class UnsupportedPair(TranslationError, PermanentError):
    """The provider cannot translate from this source language into this target; retrying
    cannot change that, so the stage fails the language at once with this message."""

    def __init__(self, provider: str, source: str, target: str, targets: list[str]) -> None:
        self.provider = provider
        self.source = source
        self.target = target
        can = ", ".join(targets) or "nothing"
        super().__init__(
            f"translation provider {provider!r} cannot translate {source!r} into {target!r}; "
            f"from {source!r} it translates into: {can}"
        )
