"""The public shape of a job, mapped from its read model: what shows, what stays inside."""

import json
from datetime import timedelta
from uuid import uuid4

from libs.events.catalogue import (
    Artifact,
    ArtifactsPurged,
    DubReady,
    JobCompleted,
    JobFailed,
    LanguageFailed,
    Payload,
    StageFailed,
)
from libs.events.job_view import JobView, evolve
from libs.storage.keys import language_key
from services.gateway.job_out import job_out
from tests.support.builders import blob, dub, recorded, speech, submitted, transcript, translation

INTERNAL = {"version", "position", "user_id", "key", "blob", "deletion_requests"}


def fold(*payloads: Payload) -> JobView:
    job = uuid4()
    view: JobView | None = None
    for seq, p in enumerate(payloads, start=1):
        event = recorded(p, job_id=job, position=100 + seq, seq=seq)
        view = evolve(view, event)
    assert view is not None
    return view


def keys(value: object) -> set[str]:
    """Every object key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_a_finished_job_shows_status_languages_timestamps_and_artifacts() -> None:
    view = fold(
        submitted(["fr", "de"]),
        transcript(["fr", "de"]),
        *(p for lang in ("fr", "de") for p in (translation(lang), speech(lang), dub(lang))),
        JobCompleted(languages=["fr", "de"]),
    )
    out = job_out(view)
    assert (out.job_id, out.status) == (view.job_id, "completed")
    assert (out.source_language, out.target_languages) == ("en", ["fr", "de"])
    assert (out.created_at, out.completed_at, out.failed_at) == (
        view.created_at,
        view.completed_at,
        None,
    )
    assert out.expires_at == view.completed_at + timedelta(hours=48)  # type: ignore[operator]
    fr = out.tasks["fr"]
    assert fr.status == "dubbed" and fr.translated_at and fr.synthesized_at and fr.mixed_at
    assert [(a.language, a.kind) for a in out.artifacts[:5]] == [
        ("fr", k) for k in ("mix", "voice", "srt", "vtt", "manifest")
    ]
    mix = out.artifacts[0]
    stored = view.artifacts[0]
    assert (mix.size, mix.sha256, mix.content_type, mix.created_at) == (
        stored.size,
        stored.sha256,
        stored.content_type,
        stored.created_at,
    )
    assert mix.file == "mix" and mix.purged_at is None
    # The download link is the route the gateway serves artifacts from.
    assert mix.download_url == f"/v1/jobs/{view.job_id}/artifacts/fr/mix"
    assert out.voice.upload_id == view.voice.upload_id
    assert out.voice.duration_s == view.voice.duration_s


def test_per_language_failures_keep_their_stage_reason_and_attempts() -> None:
    view = fold(
        submitted(["fr"]),
        transcript(["fr"]),
        StageFailed(stage="synthesizer", language="fr", reason="espeak is missing", attempts=3),
        LanguageFailed(stage="synthesizer", language="fr", reason="espeak is missing"),
        JobFailed(stage="synthesizer", reason="every target language failed"),
    )
    out = job_out(view)
    assert out.status == "failed" and out.failed_at == view.failed_at
    task = out.tasks["fr"]
    assert (task.status, task.failure_stage, task.failure_reason) == (
        "failed",
        "synthesizer",
        "espeak is missing",
    )
    assert task.failed_at is not None
    assert [(f.stage, f.language, f.attempts) for f in out.failures] == [("synthesizer", "fr", 3)]
    assert out.failure is not None and out.failure.reason == "every target language failed"
    assert out.expires_at == view.failed_at + timedelta(hours=48)  # type: ignore[operator]


def test_a_running_job_has_no_expiry_and_pending_languages() -> None:
    out = job_out(fold(submitted(["de"])))
    assert out.status == "submitted" and out.expires_at is None
    assert out.tasks["de"].status == "pending" and out.artifacts == []


def test_purged_artifacts_have_no_download_link() -> None:
    view = fold(
        submitted(["fr"]),
        transcript(["fr"]),
        translation("fr"),
        speech("fr"),
        dub("fr"),
        JobCompleted(languages=["fr"]),
        ArtifactsPurged(keys=["jobs/"], bytes=500),
    )
    out = job_out(view)
    assert out.purged_at == view.purged_at is not None
    assert all(a.purged_at and a.download_url is None for a in out.artifacts)


def test_internal_fields_and_blob_keys_stay_out_of_the_response() -> None:
    view = fold(submitted(["fr"]), transcript(["fr"]), translation("fr"), speech("fr"))
    names = {"mix": "mix.wav", "srt": "captions.srt", "manifest": "manifest.json"}
    published = [
        Artifact(kind=k, blob=blob(language_key(view.job_id, "fr", n))) for k, n in names.items()
    ]
    view = evolve(view, recorded(DubReady(language="fr", artifacts=published), view.job_id))
    body = job_out(view).model_dump(mode="json")
    assert keys(body).isdisjoint(INTERNAL), keys(body) & INTERNAL
    assert [a["file"] for a in body["artifacts"]] == list(names.values())
    text = json.dumps(body)
    blob_keys = [a.key for a in view.artifacts] + [view.voice.blob.key, view.background.blob.key]
    assert len(blob_keys) == 5 and not [k for k in blob_keys if k in text]
    assert str(view.user_id) not in text
    assert "deletion" not in text
