"""The interface every translation backend implements."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from libs.events.catalogue import Usage


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One line to translate, with its segment id."""

    id: int
    text: str
    # Length budget (characters) from the line's slot and the target's speaking rate.
    max_chars: int | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    """The translated texts, in the order of the lines, and the priced work it took."""

    texts: list[str]
    usage: list[Usage]


class Translator(Protocol):
    """Translates batches of lines between two languages."""

    name: str
    model: str | None

    def pairs(self) -> Collection[tuple[str, str]] | None:
        """The (source, target) pairs it can translate; None when it takes any pair."""
        ...

    async def translate(
        self,
        lines: Sequence[SourceLine],
        source: str,
        target: str,
        *,
        glossary: Mapping[str, str] | None = None,
    ) -> Translation:
        """Translate every line from `source` to `target`, one text per line, in order.

        `glossary` maps a source term to its fixed rendering (itself to keep it as is).
        """
        ...
