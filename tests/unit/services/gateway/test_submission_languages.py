"""A job is refused at submission when the configured providers cannot dub its languages."""

from dataclasses import replace
from uuid import uuid4

import pytest

from libs.config.settings import Settings
from libs.events.catalogue import JobSubmitted
from libs.languages.support import LanguageSupport
from services.gateway.errors import ApiError
from services.gateway.schemas import JobRequest
from services.gateway.submission import build_submission
from services.gateway.uploads import UploadRecord
from tests.support.builders import USER, blob

SUPPORT = LanguageSupport(
    allowed=("ca", "de", "en", "es", "fr", "gl"),
    stt_provider="faster-whisper",
    stt_model="whisper-tiny.en",
    stt_languages=("en",),
    translator="apertium",
    translator_model="rule-based",
    translation_pairs=frozenset({("en", "es"), ("en", "ca"), ("en", "gl")}),
    tts_provider="espeak",
    tts_model=None,
    tts_languages=("ca", "de", "en", "es", "fr"),
)


def upload(name: str) -> UploadRecord:
    return UploadRecord(upload_id=uuid4(), blob=blob(name), duration_s=10.0)


def submit(
    languages: list[str], source: str = "en", support: LanguageSupport = SUPPORT
) -> JobSubmitted:
    body = JobRequest(
        voice_upload_id=uuid4(),
        background_upload_id=uuid4(),
        target_languages=languages,
        source_language=source,
    )
    settings = Settings(supported_languages=list(support.allowed))
    return build_submission(body, upload("v"), upload("b"), USER, settings, support)


def test_a_language_the_translator_cannot_do_is_refused_naming_those_it_can() -> None:
    with pytest.raises(ApiError) as refused:
        submit(["es", "fr", "de"])
    error = refused.value
    assert (error.status, error.code) == (422, "untranslatable_language")
    assert "apertium" in error.message and "fr, de" in error.message
    assert "ca, es" in error.message
    assert error.details == {"source_language": "en", "available_target_languages": ["ca", "es"]}


def test_a_language_without_a_voice_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        submit(["gl"])
    assert refused.value.code == "no_voice_for_language"
    assert "espeak" in refused.value.message


def test_languages_the_providers_do_are_accepted() -> None:
    submit(["es", "ca"])


def test_a_source_the_speech_to_text_provider_cannot_hear_is_refused_naming_those_it_can() -> None:
    with pytest.raises(ApiError) as refused:
        submit(["es"], source="fr")
    error = refused.value
    assert (error.status, error.code) == (422, "unsupported_source_language")
    assert "faster-whisper" in error.message and "fr" in error.message
    assert error.details == {"source_language": "fr", "available_source_languages": ["en"]}


def test_a_source_outside_the_servers_languages_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        submit(["es"], source="ja")
    assert refused.value.code == "unsupported_source_language"
    assert "supported: ca, de, en, es, fr, gl" in refused.value.message


def test_any_source_the_providers_hear_and_translate_from_is_dubbed() -> None:
    multilingual = replace(
        SUPPORT,
        stt_provider="deepgram",
        stt_languages=("de", "en", "es", "fr"),
        translator="openai",
        translation_pairs=None,
    )
    event = submit(["es", "en"], source="fr", support=multilingual)
    assert (event.source_language, event.target_languages) == ("fr", ["es", "en"])
    with pytest.raises(ApiError) as refused:  # a pair the translator lacks, from that source
        submit(["ca"], source="fr", support=replace(multilingual, translation_pairs=frozenset()))
    assert refused.value.code == "untranslatable_language"
