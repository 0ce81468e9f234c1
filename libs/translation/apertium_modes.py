"""Which language pairs an Apertium installation translates, from its mode files (pure)."""

from collections.abc import Iterable, Mapping
from pathlib import Path

# Apertium names languages by ISO 639-3 (eng, spa) or 639-1 (en, gl); jobs use 639-1.
_TO_ISO1: Mapping[str, str] = {
    "eng": "en",
    "spa": "es",
    "cat": "ca",
    "glg": "gl",
    "por": "pt",
    "fra": "fr",
    "ita": "it",
    "deu": "de",
    "nld": "nl",
    "ron": "ro",
    "oci": "oc",
    "eus": "eu",
    "epo": "eo",
    "arg": "an",
    "ast": "ast",
}


def iso1(code: str) -> str:
    """`"spa"` → `"es"`; codes already short (or unknown) are returned lower-cased."""
    code = code.lower()
    return _TO_ISO1.get(code, code)


def mode_pairs(mode_names: Iterable[str]) -> dict[tuple[str, str], str]:
    """(source, target) → mode, from names such as "eng-spa" or "en-gl".

    Variant modes ("eng-cat_valencia") and debugging modes ("eng-spa-tagger") are skipped:
    a job asks for a language, and the plain mode is that language's standard variety.
    """
    pairs: dict[tuple[str, str], str] = {}
    for name in sorted(mode_names):
        parts = name.split("-")
        if len(parts) != 2 or not all(p.isalpha() for p in parts):
            continue
        pair = (iso1(parts[0]), iso1(parts[1]))
        # A 639-1-named mode and a 639-3-named one for the same pair: keep the first, stably.
        pairs.setdefault(pair, name)
    return pairs


def installed_modes(modes_dir: Path) -> list[str]:
    """The mode names installed in `modes_dir` (`<name>.mode` files); none if it is absent."""
    if not modes_dir.is_dir():
        return []
    return sorted(p.stem for p in modes_dir.glob("*.mode"))
