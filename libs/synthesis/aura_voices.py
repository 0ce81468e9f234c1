"""Deepgram Aura-2 voices by language (from Deepgram's "Voices and Languages" page).

Model names are `aura-2-<voice>-<language>`. Approximate speaking pitch by expressed gender
(about 210 Hz feminine, 120 Hz masculine) lets speakers be cast by pitch range.
"""

from collections.abc import Mapping, Sequence

from libs.synthesis.provider import Voice

_FEMININE_HZ = 210.0
_MASCULINE_HZ = 120.0

# language -> (voice name, expressed gender)
_AURA_2: Mapping[str, Sequence[tuple[str, str]]] = {
    "en": (
        ("thalia", "feminine"),
        ("apollo", "masculine"),
        ("andromeda", "feminine"),
        ("arcas", "masculine"),
        ("helena", "feminine"),
        ("orion", "masculine"),
        ("luna", "feminine"),
        ("zeus", "masculine"),
    ),
    "es": (
        ("celeste", "feminine"),
        ("nestor", "masculine"),
        ("estrella", "feminine"),
        ("sirio", "masculine"),
        ("carina", "feminine"),
        ("alvaro", "masculine"),
        ("diana", "feminine"),
        ("javier", "masculine"),
    ),
    "de": (("aurelia", "feminine"), ("elara", "feminine")),
    "fr": (("agathe", "feminine"),),
    "it": (
        ("cinzia", "feminine"),
        ("cesare", "masculine"),
        ("demetra", "feminine"),
        ("dionisio", "masculine"),
    ),
    "nl": (("beatrix", "feminine"), ("cornelia", "feminine"), ("daphne", "feminine")),
    "ja": (("ama", "feminine"), ("ebisu", "masculine")),
}


def primary_language(language: str) -> str:
    """ "pt-BR" -> "pt", "zh_CN" -> "zh" (pure)."""
    return language.strip().lower().replace("_", "-").split("-", 1)[0]


def aura_voices(language: str) -> tuple[Voice, ...]:
    """Aura-2's voices for `language`; empty when Aura-2 does not speak it."""
    primary = primary_language(language)
    return tuple(
        Voice(
            id=f"aura-2-{name}-{primary}",
            language=primary,
            label=f"Aura-2 {name.title()}",
            gender=gender,
            pitch_hz=_FEMININE_HZ if gender == "feminine" else _MASCULINE_HZ,
        )
        for name, gender in _AURA_2.get(primary, ())
    )
