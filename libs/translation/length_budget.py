"""How many characters a line may have to be spoken in its slot (pure).

Speaking rates are characters per second of natural dubbing speech, spaces and punctuation
included: roughly 2.5 words a second in English; languages with longer words or denser
scripts fit fewer characters in a second.
"""

import math
from collections.abc import Mapping

CHARACTERS_PER_SECOND: Mapping[str, float] = {
    "en": 15.0,
    "es": 16.0,
    "fr": 15.0,
    "it": 15.5,
    "pt": 15.0,
    "ca": 15.5,
    "gl": 15.5,
    "nl": 14.5,
    "de": 14.0,
    "sv": 14.0,
    "da": 14.0,
    "nb": 14.0,
    "pl": 13.5,
    "cs": 13.5,
    "ru": 13.5,
    "uk": 13.5,
    "tr": 14.0,
    "el": 14.0,
    "ar": 12.0,
    "he": 12.0,
    "hi": 13.0,
    "ja": 7.5,
    "ko": 7.0,
    "zh": 5.0,
}
DEFAULT_CHARACTERS_PER_SECOND = 14.0
# However short the slot, a line may always say this much.
MIN_BUDGET = 6
# The mixer speeds a clip up at most this much to fit its slot; past it, the line is
# shortened and spoken again.
STRETCH_CAP = 1.25
# A shortened line aims a little under the cap: speech length is not exactly linear.
_SHORTEN_MARGIN = 0.9


def speaking_rate(language: str) -> float:
    """Characters per second for `language` ("pt-BR" reads as "pt")."""
    primary = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return CHARACTERS_PER_SECOND.get(primary, DEFAULT_CHARACTERS_PER_SECOND)


def length_budget(slot_s: float, language: str) -> int:
    """Characters that fit a slot of `slot_s` seconds spoken in `language`."""
    return max(MIN_BUDGET, math.floor(max(0.0, slot_s) * speaking_rate(language)))


def overflows(clip_s: float, slot_s: float, cap: float = STRETCH_CAP) -> bool:
    """True when even sped up by `cap` the clip would not fit its slot."""
    return slot_s > 0 and clip_s > slot_s * cap


def shortened_budget(text: str, clip_s: float, slot_s: float, language: str) -> int:
    """The budget for shortening a line that spoke `clip_s` seconds: what the clip's own
    pace fits in the slot at the stretch cap, never above the language's budget."""
    if clip_s <= 0:
        return length_budget(slot_s, language)
    by_pace = math.floor(len(text) * slot_s * STRETCH_CAP * _SHORTEN_MARGIN / clip_s)
    return max(MIN_BUDGET, min(length_budget(slot_s * STRETCH_CAP, language), by_pace))
