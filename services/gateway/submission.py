"""Validates a job request against its uploads and turns it into `job.submitted` (pure)."""

from uuid import UUID

from libs.config.settings import Settings
from libs.events.catalogue import JobOptions, JobSubmitted, Stem
from libs.events.job_view import JobView
from libs.languages.support import LanguageSupport
from libs.synthesis.provider_table import SpeechProviders
from services.gateway.errors import ApiError
from services.gateway.schemas import JobRequest
from services.gateway.uploads import UploadRecord
from services.gateway.voice_map import check_voice_map

# Stems of one programme share its timeline; a little slack absorbs encoder padding.
DURATION_TOLERANCE_S = 1.0


def build_submission(
    body: JobRequest,
    voice: UploadRecord,
    background: UploadRecord,
    user_id: UUID,
    settings: Settings,
    support: LanguageSupport | None = None,
    speech: SpeechProviders | None = None,
) -> JobSubmitted:
    """The submitted event, or an `ApiError` saying what to fix."""
    supported = settings.supported_languages
    languages = [lang.strip().lower() for lang in body.target_languages]
    unknown = sorted({lang for lang in languages if lang not in supported})
    if unknown:
        raise ApiError(
            422,
            "unsupported_language",
            f"Unsupported target language(s) "
            f"{', '.join(unknown)}; supported: {', '.join(supported)}.",
        )
    if len(set(languages)) != len(languages):
        raise ApiError(422, "duplicate_language", "Each target language may appear only once.")
    source = body.source_language.strip().lower()
    if source not in supported:
        raise ApiError(
            422,
            "unsupported_source_language",
            f"Unsupported source language {source}; supported: {', '.join(supported)}.",
        )
    if source in languages:
        raise ApiError(422, "target_is_source", "A target language equals the source language.")
    if support is not None:
        check_source(support, source)
        check_providers(support, source, languages)
    if body.options.premium_voice and not (settings.premium_voices and settings.elevenlabs_api_key):
        raise ApiError(
            422,
            "premium_voice_unavailable",
            "Premium voices are not enabled on this server; submit without premium_voice.",
        )
    if speech is not None:
        check_voice_map(
            body.options.voice_map, languages, speech, premium=body.options.premium_voice
        )
    if voice.upload_id == background.upload_id:
        raise ApiError(422, "same_upload", "The voice and background stems must be two uploads.")
    if abs(voice.duration_s - background.duration_s) > DURATION_TOLERANCE_S:
        raise ApiError(
            422,
            "stem_duration_mismatch",
            f"The voice stem lasts {voice.duration_s:.2f} s but the background "
            f"{background.duration_s:.2f} s; upload two stems of the same programme.",
        )
    return JobSubmitted(
        user_id=user_id,
        retention_hours=retention_of(body, settings),
        source_language=source,
        target_languages=languages,
        voice=Stem(upload_id=voice.upload_id, blob=voice.blob, duration_s=voice.duration_s),
        background=Stem(
            upload_id=background.upload_id, blob=background.blob, duration_s=background.duration_s
        ),
        options=JobOptions.model_validate(body.options.model_dump()),
    )


def retention_of(body: JobRequest, settings: Settings) -> float:
    """The job's retention: what it asks for, within the operator's limits, or the default."""
    if body.retention_hours is None:
        return settings.retention_hours  # the operator's own choice, whatever the limits
    low, high = settings.retention_min_hours, settings.retention_max_hours
    if not low <= body.retention_hours <= high:
        raise ApiError(
            422,
            "retention_out_of_range",
            f"retention_hours must be between {low:g} and {high:g} hours "
            f"(asked {body.retention_hours:g}); omit it for the default of "
            f"{settings.retention_hours:g}.",
        )
    return body.retention_hours


def check_source(support: LanguageSupport, source: str) -> None:
    """Refuse a source language the configured speech-to-text provider does not hear."""
    if support.can_transcribe(source):
        return
    heard = support.sources()
    raise ApiError(
        422,
        "unsupported_source_language",
        f"The speech-to-text provider ({support.stt_provider}) cannot transcribe {source}; "
        f"it hears: {', '.join(heard) or 'no allowed language'} (GET /v1/languages lists "
        "them, and the targets from each).",
        {"source_language": source, "available_source_languages": heard},
    )


def check_providers(support: LanguageSupport, source: str, targets: list[str]) -> None:
    """Refuse targets the configured translator or speech synthesizer cannot do."""
    available = support.targets(source)
    details = {"source_language": source, "available_target_languages": available}
    can = ", ".join(available) or "no language"
    untranslatable = [t for t in targets if not support.can_translate(source, t)]
    if untranslatable:
        raise ApiError(
            422,
            "untranslatable_language",
            f"The translator ({support.translator}) cannot translate {source} into "
            f"{', '.join(untranslatable)}; from {source} jobs can target: {can} "
            "(GET /v1/languages lists them).",
            details,
        )
    unspoken = [t for t in targets if not support.can_speak(t)]
    if unspoken:
        raise ApiError(
            422,
            "no_voice_for_language",
            f"The speech synthesizer ({support.tts_provider}) has no voice for "
            f"{', '.join(unspoken)}; from {source} jobs can target: {can} "
            "(GET /v1/languages lists them).",
            details,
        )


def same_submission(view: JobView, payload: JobSubmitted) -> bool:
    """Whether a job already started asked for what `payload` asks for (pure)."""
    return (
        view.voice.upload_id == payload.voice.upload_id
        and view.background.upload_id == payload.background.upload_id
        and view.target_languages == payload.target_languages
        and view.source_language == payload.source_language
        and view.options == payload.options
    )
