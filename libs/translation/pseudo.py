"""A fake translator for development: obviously marked, deterministic and reversible."""

from collections.abc import Collection, Mapping, Sequence

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.translation.provider import SourceLine, Translation

# Accented vowels make the output visibly "foreign" and differ per target language.
_ACCENTS: dict[str, str] = {
    "de": "äëïöü",
    "es": "áéíóú",
    "fr": "àéîôù",
    "it": "àèìòù",
    "nl": "äëïöü",
    "pt": "ãêíõú",
}
_PLAIN_VOWELS = "aeiou"


class PseudoTranslator:
    """Development only: prefixes "[target] ", swaps case, accents vowels; translates nothing."""

    name = "pseudo"
    model: str | None = None

    def __init__(self, *, prices: PriceTable = DEFAULT_PRICE_TABLE) -> None:
        self._prices = prices

    def pairs(self) -> Collection[tuple[str, str]] | None:
        """Any pair: it translates nothing."""
        return None

    async def translate(
        self,
        lines: Sequence[SourceLine],
        source: str,
        target: str,
        *,
        glossary: Mapping[str, str] | None = None,
    ) -> Translation:
        """Pseudo-translate every line (the source language and glossary are ignored)."""
        characters = sum(len(line.text) for line in lines)
        return Translation(
            texts=[pseudo_translate(line.text, target) for line in lines],
            usage=[self._prices.price(self.name, self.model, "characters", characters)],
        )


def pseudo_translate(text: str, target: str) -> str:
    """`"Hello world", "fr"` → `"[fr] hÉLLÔ WÔRLD"`; blank text stays blank (pure)."""
    if not text.strip():
        return text
    table = _table(target)
    return f"[{_tag(target)}] {text.swapcase().translate(table)}"


def pseudo_reverse(text: str, target: str) -> str:
    """Undo `pseudo_translate` for ASCII input (pure)."""
    prefix = f"[{_tag(target)}] "
    if not text.startswith(prefix):
        return text
    inverse = {accented: plain for plain, accented in _table(target).items()}
    return text.removeprefix(prefix).translate(inverse).swapcase()


def _tag(target: str) -> str:
    return target.strip().lower().replace("_", "-")


def _table(target: str) -> dict[int, int]:
    accents = _ACCENTS.get(_tag(target).split("-", 1)[0])
    if accents is None:
        return {}
    lower = {ord(p): ord(a) for p, a in zip(_PLAIN_VOWELS, accents, strict=True)}
    upper = {ord(p.upper()): ord(a.upper()) for p, a in zip(_PLAIN_VOWELS, accents, strict=True)}
    return lower | upper
