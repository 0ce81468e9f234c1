"""Maps language codes to espeak-ng voice names, and the variants each voice comes in (pure)."""

from dataclasses import dataclass

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
    "bg": "bg",
    "ca": "ca",
    "cs": "cs",
    "da": "da",
    "de": "de",
    "el": "el",
    "en": "en-us",
    "es": "es",
    "eu": "eu",
    "fi": "fi",
    "fr": "fr-fr",
    "he": "he",
    "hi": "hi",
    "hr": "hr",
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
    "sk": "sk",
    "sl": "sl",
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


@dataclass(frozen=True, slots=True)
class Variant:
    """An espeak-ng voice variant (`<voice>+<name>`): who it sounds like."""

    name: str
    gender: str
    # Typical speaking pitch, in Hz.
    pitch_hz: float


# The stock variants in espeak-ng-data/voices/!v, with the median f0 each was measured
# speaking an English sentence at the default pitch (libs/media/pitch.py).
VARIANTS: tuple[Variant, ...] = (
    Variant("m1", "male", 96.0),
    Variant("m2", "male", 102.0),
    Variant("m3", "male", 107.0),
    Variant("m4", "male", 99.0),
    Variant("m5", "male", 106.0),
    Variant("m6", "male", 103.0),
    Variant("m7", "male", 109.0),
    Variant("f1", "female", 182.0),
    Variant("f2", "female", 199.0),
    Variant("f3", "female", 216.0),
    Variant("f4", "female", 182.0),
)
