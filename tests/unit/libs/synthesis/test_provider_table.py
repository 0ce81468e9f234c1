from collections.abc import Sequence
from pathlib import Path

from libs.synthesis.provider import Speech, Voice
from libs.synthesis.provider_table import SpeechProviders


class Speaks:
    model = None

    def __init__(self, name: str, languages: set[str]) -> None:
        self.name = name
        self.languages = languages

    def voices(self, language: str) -> Sequence[Voice]:
        return (
            (Voice(f"{self.name}-{language}", language, self.name),)
            if language in self.languages
            else ()
        )

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        raise AssertionError("not called")


AURA = Speaks("deepgram", {"en", "fr", "es"})
ESPEAK = Speaks("espeak", {"en", "fr", "es", "ca", "gl"})
ELEVEN = Speaks("elevenlabs", {"en", "fr"})


def test_a_language_goes_to_the_first_provider_that_speaks_it() -> None:
    table = SpeechProviders([AURA, ESPEAK])
    assert table.for_language("fr") is AURA
    assert table.for_language("ca") is ESPEAK, "a language Aura lacks falls to the next"
    assert table.for_language("tlh") is None


def test_premium_jobs_try_the_premium_provider_first_where_it_speaks() -> None:
    table = SpeechProviders([AURA, ESPEAK], premium=ELEVEN)
    assert table.for_language("fr", premium=True) is ELEVEN
    assert table.for_language("fr") is AURA, "other jobs are not premium"
    assert table.for_language("es", premium=True) is AURA, "premium lacks it: the table decides"
    assert SpeechProviders([AURA]).for_language("fr", premium=True) is AURA, "premium off"
    assert table.names() == ["elevenlabs", "deepgram", "espeak"]
