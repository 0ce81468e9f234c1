"""The interface of a translator that can also shorten a line it already translated."""

from typing import Protocol, runtime_checkable

from libs.translation.provider import SourceLine, Translation


@runtime_checkable
class Shortener(Protocol):
    """Rewrites one line of a target language within `line.max_chars`."""

    name: str
    model: str | None

    async def shorten(self, line: SourceLine, language: str) -> Translation:
        """`line.text` (already in `language`) said within `line.max_chars` characters."""
        ...
