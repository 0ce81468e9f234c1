"""Maps what the providers can do to the `GET /v1/languages` body (pure)."""

from libs.languages.support import LanguageSupport
from services.gateway.schemas import (
    LanguagePairOut,
    LanguagesOut,
    SpeechToTextLanguagesOut,
    TextToSpeechLanguagesOut,
    TranslationLanguagesOut,
)


def languages_out(support: LanguageSupport) -> LanguagesOut:
    """The public view of `support`."""
    pairs = support.translation_pairs
    return LanguagesOut(
        source_languages=support.sources(),
        target_languages={source: support.targets(source) for source in support.sources()},
        speech_to_text=SpeechToTextLanguagesOut(
            provider=support.stt_provider,
            model=support.stt_model,
            languages=sorted(support.stt_languages) if support.stt_languages is not None else None,
        ),
        translation=TranslationLanguagesOut(
            provider=support.translator,
            model=support.translator_model,
            pairs=[LanguagePairOut(source=s, target=t) for s, t in sorted(pairs)]
            if pairs is not None
            else None,
        ),
        text_to_speech=TextToSpeechLanguagesOut(
            provider=support.tts_provider,
            model=support.tts_model,
            languages=sorted(support.tts_languages),
        ),
    )
