"""A fake translator for development: obviously marked, deterministic and reversible."""

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

    async def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """Pseudo-translate every text (the source language is ignored)."""
        return [pseudo_translate(text, target) for text in texts]


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
