"""Maps language codes to espeak-ng voice names (pure)."""

# Regional codes first, then primary languages; values are names from `espeak-ng --voices`.
_VOICES: dict[str, str] = {
    "en-gb": "en-gb",
    "en-us": "en-us",
    "es-419": "es-419",
    "es-mx": "es-419",
    "fr-be": "fr-be",
    "fr-ch": "fr-ch",
    "pt-br": "pt-br",
    "ar": "ar",
    "cs": "cs",
    "da": "da",
    "de": "de",
    "el": "el",
    "en": "en-us",
    "es": "es",
    "fi": "fi",
    "fr": "fr-fr",
    "he": "he",
    "hi": "hi",
    "hu": "hu",
    "id": "id",
    "it": "it",
    "ja": "ja",
    "ko": "ko",
    "nb": "nb",
    "nl": "nl",
    "no": "nb",
    "pl": "pl",
    "pt": "pt",
    "ro": "ro",
    "ru": "ru",
    "sv": "sv",
    "tr": "tr",
    "uk": "uk",
    "vi": "vi",
    "yue": "yue",
    "zh": "cmn",
}


def espeak_voice(language: str) -> str | None:
    """The espeak-ng voice for a code such as "fr", "pt-BR" or "zh_CN", or None if unknown."""
    code = language.strip().lower().replace("_", "-")
    return _VOICES.get(code) or _VOICES.get(code.split("-", 1)[0])
