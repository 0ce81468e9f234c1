"""The interface every translation backend implements."""

from typing import Protocol


class Translator(Protocol):
    """Translates batches of texts between two languages."""

    name: str

    async def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """Translate each text from `source` to `target`, keeping length and order."""
        ...
