"""A job's voice map checked at submission against the voices the synthesizer will cast
from, so a voice id it would refuse fails the request, not the job later (pure)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from libs.synthesis.provider_table import SpeechProviders
from services.gateway.errors import ApiError


@dataclass(frozen=True, slots=True)
class UnknownVoice:
    """One voice map entry naming a voice the provider of `language` does not have."""

    speaker: str
    voice: str
    language: str
    provider: str
    available: list[str]

    def detail(self) -> dict[str, object]:
        """The entry as the error's `details` name it."""
        return {
            "field": f"options.voice_map.{self.speaker}",
            "speaker": self.speaker,
            "voice": self.voice,
            "language": self.language,
            "provider": self.provider,
            "available_voices": self.available,
        }


def unknown_voices(
    voice_map: Mapping[str, str], targets: Sequence[str], speech: SpeechProviders, *, premium: bool
) -> list[UnknownVoice]:
    """Every entry whose voice the provider speaking a target language lacks for it."""
    found: list[UnknownVoice] = []
    for language in targets:
        # The synthesizer's own choice of provider (`Synthesizer.handle`), premium included.
        tts = speech.for_language(language, premium=premium)
        if tts is None:
            continue  # nobody speaks it: the language check refuses that, not this one
        ids = [v.id for v in tts.voices(language)]
        found += [
            UnknownVoice(speaker, voice, language, tts.name, ids)
            for speaker, voice in voice_map.items()
            if voice not in ids
        ]
    return found


def check_voice_map(
    voice_map: Mapping[str, str], targets: Sequence[str], speech: SpeechProviders, *, premium: bool
) -> None:
    """Refuse (422 `unknown_voice`) a voice map naming a voice the synthesizer would refuse;
    `details` lists every such entry with the voices it could use instead."""
    if not voice_map:
        return
    bad = unknown_voices(voice_map, targets, speech, premium=premium)
    if not bad:
        return
    first = bad[0]
    others = f" ({len(bad) - 1} more in details)" if len(bad) > 1 else ""
    raise ApiError(
        422,
        "unknown_voice",
        f"options.voice_map gives speaker {first.speaker!r} the voice {first.voice!r}, which "
        f"the {first.provider} speech synthesizer does not have for {first.language}; use one "
        f"of {', '.join(first.available)}, or leave the speaker out to have a voice cast "
        f"automatically{others}.",
        [b.detail() for b in bad],
    )
