"""Projected payloads fold into the same views as whole ones."""

import json
from decimal import Decimal
from uuid import uuid4

import pytest

from libs.events.catalogue import (
    ArtifactsPurged,
    DeletionRequested,
    JobCompleted,
    LanguageFailed,
    Payload,
    StageFailed,
    TranslationReady,
    Usage,
)
from libs.events.envelope import RecordedEvent
from libs.events.job_view import FOLDED_FIELDS
from libs.events.projection import Projection
from libs.events.rebuild import FOLD, Replayed, fold
from tests.support.builders import dub, recorded, speech, submitted, transcript, translation


def stream() -> list[RecordedEvent]:
    """One job through every event type the fold knows."""
    job = uuid4()
    usage = [Usage(vendor="openai", unit="input_tokens", quantity=10)]
    payloads: list[Payload] = [
        submitted(("fr", "de")),
        transcript(("fr", "de")),
        translation("fr").model_copy(update={"usage": usage}),
        StageFailed(stage="translator", language="de", reason="quota", attempts=3),
        LanguageFailed(language="de", stage="translator", reason="quota"),
        speech("fr"),
        dub("fr"),
        JobCompleted(languages=["fr"], failed_languages=["de"]),
        DeletionRequested(reason="user", requested_by=uuid4(), known={"a": 1}),
        ArtifactsPurged(keys=["fr/mix"], bytes=100),
    ]
    return [recorded(p, job, position=i + 10, seq=i + 1) for i, p in enumerate(payloads)]


def as_postgres_sends(projection: Projection, e: RecordedEvent) -> str:
    """The payload text `Projection.sql()` selects, computed here for a current version."""
    whole = json.loads(e.payload.model_dump_json())
    names = projection.fields.get(e.type)
    return json.dumps(whole if names is None else {n: whole[n] for n in names})


def test_a_projected_replay_folds_into_the_same_views() -> None:
    events = stream()
    whole = fold(events)
    projected = fold(
        Replayed(
            e.position,
            e.job_id,
            e.seq,
            e.occurred_at,
            FOLD.payload(e.type, e.payload.version, as_postgres_sends(FOLD, e)),
        )
        for e in events
    )
    assert {j: v.model_dump_json() for j, v in projected.items()} == {
        j: v.model_dump_json() for j, v in whole.items()
    }
    assert all(t in {e.type for e in events} for t in FOLDED_FIELDS), "every projection folded"


def test_a_projection_is_its_type_with_other_fields_empty() -> None:
    p = FOLD.payload("translation.ready", 3, '{"language": "fr"}')
    assert isinstance(p, TranslationReady)
    assert (p.language, p.translation, p.provider) == ("fr", None, None)
    with pytest.raises(ValueError, match="language"):
        FOLD.payload("translation.ready", 3, '{"language": 7}')


def test_older_versions_come_whole_and_are_upcast() -> None:
    v2 = json.loads(translation("fr").model_dump_json())
    v2["usage"] = {"vendor": "openai", "unit": "characters", "quantity": 5, "cost_usd": "0.1"}
    p = FOLD.payload("translation.ready", 2, json.dumps(v2))
    assert isinstance(p, TranslationReady) and p.translation is not None
    assert [(u.quantity, u.amount) for u in p.usage] == [(5, Decimal("0.1"))]


def test_the_sql_projects_current_versions_only() -> None:
    sql = Projection({"translation.ready": ("language",), "job.completed": ()}).sql()
    assert (
        "WHEN 'translation.ready' THEN CASE schema_version WHEN 3 THEN"
        " jsonb_build_object('language', payload->'language')::text ELSE payload::text END" in sql
    )
    assert "WHEN 'job.completed' THEN CASE schema_version WHEN 1 THEN jsonb_build_object()" in sql
    assert sql.endswith("ELSE payload::text END")


def test_a_type_named_with_all_its_fields_is_sent_whole() -> None:
    assert "dub.ready" not in Projection({"dub.ready": ("language", "artifacts")}).sql()
    assert Projection({"dub.ready": ("language", "artifacts")}).sql() == "payload::text"
    assert "'dub.ready'" in Projection({"dub.ready": ("language",)}).sql()
