"""The job view fold over plain JSON values: `evolve` for a replay of the whole log.

A view here is a dict holding exactly what `JobView.model_dump(mode="json")` would hold
(key for key, in field order; times stay datetimes until `view_json`), built from payloads
as plain JSON values, so a million events build no pydantic object. A current-version
payload in the log is one its model validated and wrote with every field, so its values
are taken as they are; anything else is decoded, upcast and validated as any reader would
(`json_payload`). Equivalence with `evolve` is a property test.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from libs.events.catalogue import CATALOGUE
from libs.events.codec import payload_from_json
from libs.events.job_view import TERMINAL_TASK, StreamError
from libs.events.retention import due_at

JsonView = dict[str, Any]
# (position, job_id, seq, type, schema_version, payload text, occurred_at), as selected.
Row = tuple[int, UUID, int, str, int, str, datetime]

CURRENT: dict[str, int] = {t: m.version for t, m in CATALOGUE.items()}
_DUMP = orjson.OPT_UTC_Z  # pydantic writes UTC as "Z", like this


def json_payload(event_type: str, version: int, raw: str | bytes) -> dict[str, Any]:
    """A stored payload as plain JSON values of its current version."""
    if CURRENT.get(event_type) == version:
        values: dict[str, Any] = orjson.loads(raw)
        return values
    # Older versions (and unknown types, which raise) go through the models.
    return payload_from_json(event_type, version, raw).model_dump(mode="json")


def _task(language: str) -> dict[str, Any]:
    return {
        "language": language,
        "status": "pending",
        "translated_at": None,
        "synthesized_at": None,
        "mixed_at": None,
        "failed_at": None,
        "failure_stage": None,
        "failure_reason": None,
    }


def _started(job_id: UUID, seq: int, position: int, at: datetime, p: dict[str, Any]) -> JsonView:
    languages = p["target_languages"]
    return {
        "job_id": job_id,
        "user_id": p["user_id"],
        "status": "submitted",
        "source_language": p["source_language"],
        "target_languages": list(languages),
        "voice": p["voice"],
        "background": p["background"],
        "retention_hours": float(p["retention_hours"]),
        "created_at": at,
        "updated_at": at,
        "transcribed_at": None,
        "completed_at": None,
        "failed_at": None,
        "cancelled_at": None,
        "deletion_requested_at": None,
        "deletion_requests": 0,
        "purged_at": None,
        "failure": None,
        "failures": [],
        "tasks": {lang: _task(lang) for lang in languages},
        "artifacts": [],
        "options": p["options"],
        "usage": [],
        "version": seq,
        "position": position,
    }


def _advance(view: JsonView, language: str, status: str) -> dict[str, Any]:
    task: dict[str, Any] | None = view["tasks"].get(language)
    if task is None:
        raise StreamError(f"job {view['job_id']} has no target language {language!r}")
    if task["status"] != "failed":
        task["status"] = status
    return task


def evolve_json(
    view: JsonView | None,
    job_id: UUID,
    seq: int,
    position: int,
    at: datetime,
    event_type: str,
    p: dict[str, Any],
) -> JsonView:
    """`evolve` over plain values: changes `view` in place (or starts it) and returns it."""
    if view is None:
        if event_type != "job.submitted":
            raise StreamError(f"stream {job_id} starts with {event_type}, not job.submitted")
        return _started(job_id, seq, position, at, p)
    if event_type == "transcript.ready":
        if view["status"] == "submitted":
            view["status"] = "transcribed"
        view["transcribed_at"] = at
        view["usage"].extend(
            {"step": "transcription", "language": None, "usage": u} for u in p["usage"]
        )
    elif event_type == "translation.ready":
        lang = p["language"]
        _advance(view, lang, "translated")["translated_at"] = at
        view["usage"].extend(
            {"step": "translation", "language": lang, "usage": u} for u in p["usage"]
        )
    elif event_type == "speech.ready":
        lang = p["language"]
        _advance(view, lang, "synthesized")["synthesized_at"] = at
        view["usage"].extend({"step": "speech", "language": lang, "usage": u} for u in p["usage"])
    elif event_type == "dub.ready":
        lang = p["language"]
        _advance(view, lang, "dubbed")["mixed_at"] = at
        view["artifacts"].extend(
            {
                "key": (b := a["blob"])["key"],
                "language": lang,
                "kind": a["kind"],
                "size": b["size"],
                "sha256": b["sha256"],
                "content_type": b["content_type"],
                "created_at": at,
                "purged_at": None,
            }
            for a in p["artifacts"]
        )
    elif event_type == "stage.failed":
        view["failures"].append(
            {
                "stage": p["stage"],
                "language": p["language"],
                "reason": p["reason"],
                "attempts": p["attempts"],
                "at": at,
            }
        )
    elif event_type == "language.failed":
        task = view["tasks"][p["language"]]
        task["status"] = "failed"
        task["failed_at"] = at
        task["failure_stage"] = p["stage"]
        task["failure_reason"] = p["reason"]
    elif event_type == "job.completed":
        view["status"] = "completed"
        view["completed_at"] = at
    elif event_type == "job.failed":
        view["status"] = "failed"
        view["failed_at"] = at
        view["failure"] = {
            "stage": p["stage"],
            "language": None,
            "reason": p["reason"],
            "attempts": None,
            "at": at,
        }
    elif event_type == "job.cancelled":
        view["status"] = "cancelled"
        view["cancelled_at"] = at
        for task in view["tasks"].values():
            if task["status"] not in TERMINAL_TASK:
                task["status"] = "cancelled"
    elif event_type == "deletion.requested":
        view["deletion_requested_at"] = at
        view["deletion_requests"] += 1
    elif event_type == "artifacts.purged":
        view["purged_at"] = at
        for artifact in view["artifacts"]:
            artifact["purged_at"] = artifact["purged_at"] or at
    view["updated_at"] = at
    view["version"] = seq
    view["position"] = position
    return view


def fold_rows(rows: Iterable[Row], views: dict[UUID, JsonView]) -> None:
    """Fold rows selected as `Row` (payload text projected or whole) into `views`."""
    current = CURRENT
    loads = orjson.loads
    get = views.get
    for position, job_id, seq, event_type, version, raw, at in rows:
        p = (
            loads(raw)
            if current.get(event_type) == version
            else json_payload(event_type, version, raw)
        )
        views[job_id] = evolve_json(get(job_id), job_id, seq, position, at, event_type, p)


def view_json(view: JsonView) -> str:
    """The view as `JobView.model_dump_json()` writes it."""
    return orjson.dumps(view, default=str, option=_DUMP).decode()  # asyncpg UUIDs


def view_record(view: JsonView) -> tuple[Any, ...]:
    """The view's `jobs` row, in `view_rows.COLUMNS` order."""
    user = view["user_id"]
    completed = view["completed_at"] or view["failed_at"]
    finished = completed or view["cancelled_at"]
    return (
        view["job_id"],
        None if user is None else UUID(user),
        view["status"],
        view["version"],
        view["position"],
        view["created_at"],
        view["updated_at"],
        completed,
        due_at(finished, view["purged_at"], view["retention_hours"], view["deletion_requested_at"]),
        view["voice"]["blob"]["key"],
        view["background"]["blob"]["key"],
        view["purged_at"],
        view_json(view),
    )
