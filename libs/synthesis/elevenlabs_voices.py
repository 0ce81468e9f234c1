"""ElevenLabs premade voices and the languages its multilingual model speaks (pure).

Premade voices speak every language of `eleven_multilingual_v2`; ids are ElevenLabs' own.
"""

from libs.synthesis.aura_voices import primary_language
from libs.synthesis.provider import Voice

MULTILINGUAL_V2_LANGUAGES = frozenset(
    "en ja zh de hi fr ko pt it es id nl tr fil pl sv bg ro ar cs el fi hr ms sk da ta uk ru".split()
)

# (voice id, name, gender, typical pitch in Hz)
_PREMADE: tuple[tuple[str, str, str, float], ...] = (
    ("21m00Tcm4TlvDq8ikWAM", "Rachel", "feminine", 205.0),
    ("pNInz6obpgDQGcFmaJgB", "Adam", "masculine", 115.0),
    ("EXAVITQu4vr4xnSDxMaL", "Sarah", "feminine", 215.0),
    ("ErXwobaYiN019PkySvjV", "Antoni", "masculine", 125.0),
    ("MF3mGyEYCl7XYWbV9V6O", "Elli", "feminine", 230.0),
    ("TxGEqnHWrfWFTfGW9XjX", "Josh", "masculine", 110.0),
    ("AZnzlk1XvdvUeBnXmlld", "Domi", "feminine", 220.0),
    ("VR6AewLTigWG4xSOukaG", "Arnold", "masculine", 100.0),
)


def elevenlabs_voices(language: str) -> tuple[Voice, ...]:
    """The premade voices, when the multilingual model speaks `language`."""
    primary = primary_language(language)
    if primary not in MULTILINGUAL_V2_LANGUAGES:
        return ()
    return tuple(
        Voice(id=vid, language=primary, label=f"ElevenLabs {name}", gender=gender, pitch_hz=hz)
        for vid, name, gender, hz in _PREMADE
    )
