"""A voice map is checked at submission against the voices the synthesizer will cast from."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from libs.synthesis.provider import Speech, Voice
from libs.synthesis.provider_table import SpeechProviders
from services.gateway.errors import ApiError
from services.gateway.voice_map import check_voice_map


class Table:
    """A provider with fixed voices per language; it never speaks."""

    model: str | None = None

    def __init__(self, name: str, voices: dict[str, list[str]]) -> None:
        self.name = name
        self._voices = voices

    def voices(self, language: str) -> Sequence[Voice]:
        return [Voice(v, language, v) for v in self._voices.get(language, [])]

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        raise AssertionError("not called at submission")


BASIC = Table("basic", {"es": ["es-low", "es-high"], "fr": ["fr-low"]})
PREMIUM = Table("premium", {"es": ["rachel", "adam"]})
SPEECH = SpeechProviders(order=[BASIC], premium=PREMIUM)


def refusal(voice_map: dict[str, str], targets: list[str], premium: bool = False) -> ApiError:
    with pytest.raises(ApiError) as refused:
        check_voice_map(voice_map, targets, SPEECH, premium=premium)
    return refused.value


def entries(error: ApiError) -> list[dict[str, object]]:
    assert isinstance(error.details, list)
    return error.details


def test_voices_the_providers_have_are_accepted() -> None:
    check_voice_map({"A": "es-low", "B": "es-high"}, ["es"], SPEECH, premium=False)
    check_voice_map({"A": "rachel"}, ["es"], SPEECH, premium=True)
    check_voice_map({}, ["es", "fr", "de"], SPEECH, premium=False)


def test_an_unknown_voice_is_refused_naming_the_entry_and_the_voices_it_may_use() -> None:
    error = refusal({"A": "es-low", "B": "nobody"}, ["es"])
    assert (error.status, error.code) == (422, "unknown_voice")
    assert "speaker 'B'" in error.message and "'nobody'" in error.message
    assert "basic" in error.message and "es-low, es-high" in error.message
    assert error.details == [
        {
            "field": "options.voice_map.B",
            "speaker": "B",
            "voice": "nobody",
            "language": "es",
            "provider": "basic",
            "available_voices": ["es-low", "es-high"],
        }
    ]


def test_every_target_language_must_have_the_voice() -> None:
    # One map serves every language: a Spanish voice cannot speak the French dub.
    error = refusal({"A": "es-low"}, ["es", "fr"])
    assert [(d["language"], d["voice"]) for d in entries(error)] == [("fr", "es-low")]
    assert "for fr" in error.message and "fr-low" in error.message


def test_the_premium_provider_is_checked_only_when_the_job_asks_for_it() -> None:
    assert entries(refusal({"A": "rachel"}, ["es"]))[0]["provider"] == "basic"
    error = refusal({"A": "es-low"}, ["es"], premium=True)
    assert entries(error)[0]["available_voices"] == ["rachel", "adam"]
    # French has no premium voice: the synthesizer falls back to the basic provider, and so
    # does the check.
    check_voice_map({"A": "fr-low"}, ["fr"], SPEECH, premium=True)


def test_a_language_nobody_speaks_is_left_to_the_language_check() -> None:
    check_voice_map({"A": "anyone"}, ["de"], SPEECH, premium=False)


def test_several_bad_entries_are_all_in_details() -> None:
    error = refusal({"A": "x", "B": "y"}, ["es"])
    assert "1 more in details" in error.message
    assert [d["speaker"] for d in entries(error)] == ["A", "B"]
