"""The fold over plain values is `evolve`: random streams folded both ways give the same
views (their JSON) and the same `jobs` rows."""

import functools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.events.catalogue import (
    ArtifactsPurged,
    DeletionRequested,
    JobCancelled,
    JobCompleted,
    JobFailed,
    LanguageFailed,
    Payload,
    StageFailed,
    Usage,
)
from libs.events.envelope import RecordedEvent
from libs.events.job_view import FOLDED_FIELDS, JobView, StreamError, evolve
from libs.events.view_fold import Row, fold_rows, view_json, view_record
from libs.events.view_rows import COLUMNS, job_row
from tests.support.builders import dub, recorded, speech, submitted, transcript, translation

LANGS = ("fr", "de", "es")
T0 = datetime(2025, 3, 1, tzinfo=UTC)

usages = st.lists(
    st.builds(
        Usage,
        vendor=st.sampled_from(["openai", "deepgram", "local"]),
        unit=st.sampled_from(["input_tokens", "characters", "audio_seconds"]),
        quantity=st.decimals(0, 10_000, places=3),
        unit_price=st.sampled_from([Decimal(0), Decimal("0.00000015"), Decimal("0.0043")]),
        amount=st.decimals(0, 100, places=10),
    ),
    max_size=2,
)


@functools.cache
def steps(langs: tuple[str, ...]) -> st.SearchStrategy[Payload]:
    """Any event the fold knows, for a job in `langs`. Built once per tuple: Hypothesis
    validates every strategy it is handed, and rebuilding these per draw took most of the run."""
    lang = st.sampled_from(langs)
    return st.one_of(
        st.builds(lambda u: transcript(langs).model_copy(update={"usage": u}), usages),
        st.builds(lambda la, u: translation(la).model_copy(update={"usage": u}), lang, usages),
        st.builds(lambda la, u: speech(la).model_copy(update={"usage": u}), lang, usages),
        st.builds(dub, lang),
        st.builds(
            StageFailed,
            stage=st.sampled_from(["translator", "mixer"]),
            language=st.none() | lang,
            reason=st.text(max_size=20),
            attempts=st.integers(1, 5),
        ),
        st.builds(LanguageFailed, language=lang, stage=st.just("synthesizer"), reason=st.text()),
        st.builds(JobCompleted, languages=st.just(list(langs))),
        st.builds(JobFailed, stage=st.just("transcriber"), reason=st.text(max_size=20)),
        st.builds(JobCancelled, requested_by=st.none() | st.just(uuid4())),
        st.builds(DeletionRequested, reason=st.sampled_from(["retention", "user"])),
        st.builds(ArtifactsPurged, keys=st.just(["k"]), bytes=st.integers(0, 10)),
    )


@st.composite
def job_stream(draw: st.DrawFn) -> list[Payload]:
    """One job: submitted, then any of the events the fold knows, in any order."""
    langs = draw(st.lists(st.sampled_from(LANGS), min_size=1, max_size=3, unique=True))
    retention = draw(st.sampled_from([48, 0.5, 720.25]))
    step = steps(tuple(langs))
    return [submitted(langs, retention_hours=retention), *draw(st.lists(step, max_size=14))]


@st.composite
def log(draw: st.DrawFn) -> list[RecordedEvent]:
    """A few jobs' streams interleaved at random, positioned and timed in log order."""
    streams = [(uuid4(), s) for s in draw(st.lists(job_stream(), min_size=1, max_size=4))]
    cursors = [0] * len(streams)
    out: list[RecordedEvent] = []
    while any(c < len(s) for c, (_, s) in zip(cursors, streams, strict=True)):
        live = [i for i, (_, s) in enumerate(streams) if cursors[i] < len(s)]
        i = draw(st.sampled_from(live))
        job, payloads = streams[i]
        e = recorded(payloads[cursors[i]], job, position=len(out) + 1, seq=cursors[i] + 1)
        gap = draw(st.integers(0, 10**9))  # microseconds: some times whole seconds, most not
        out.append(replace(e, occurred_at=T0 + timedelta(microseconds=gap)))
        cursors[i] += 1
    return out


def as_selected(e: RecordedEvent, projected: bool) -> Row:
    """The row the replay query selects: payload text cut to `FOLDED_FIELDS` when asked."""
    whole = json.loads(e.payload.model_dump_json())
    names = FOLDED_FIELDS.get(e.type) if projected else None
    text = json.dumps(whole if names is None else {n: whole[n] for n in names})
    return (e.position, e.job_id, e.seq, e.type, e.payload.version, text, e.occurred_at)


def folded(events: list[RecordedEvent]) -> dict[UUID, JobView]:
    views: dict[UUID, JobView] = {}
    for e in events:
        views[e.job_id] = evolve(views.get(e.job_id), e)
    return views


def row_of(view: JobView) -> tuple[Any, ...]:
    row = job_row(view)
    return tuple(row[c] for c in COLUMNS[:-1])


@settings(max_examples=300, deadline=None)
@given(log(), st.booleans())
def test_the_plain_fold_is_evolve(events: list[RecordedEvent], projected: bool) -> None:
    expected = folded(events)
    views: dict[UUID, Any] = {}
    fold_rows((as_selected(e, projected) for e in events), views)
    assert views.keys() == expected.keys()
    for job, view in views.items():
        want = expected[job]
        # Byte for byte the JSON pydantic writes, and the same row around it.
        assert view_json(view) == want.model_dump_json()
        record = view_record(view)
        assert record[:-1] == row_of(want)
        assert JobView.model_validate_json(record[-1]) == want


def test_older_versions_are_upcast_as_evolve_reads_them() -> None:
    job = uuid4()
    first = recorded(submitted(("fr",)), job, position=1, seq=1)
    v2 = json.loads(translation("fr").model_dump_json())
    v2["usage"] = {"vendor": "openai", "unit": "characters", "quantity": 5, "cost_usd": "0.1"}
    rows: list[Row] = [
        as_selected(first, projected=False),
        (2, job, 2, "translation.ready", 2, json.dumps(v2), first.occurred_at),
    ]
    views: dict[UUID, Any] = {}
    fold_rows(rows, views)
    usage = views[job]["usage"]
    assert [(u["language"], u["usage"]["quantity"], u["usage"]["amount"]) for u in usage] == [
        ("fr", "5", "0.1")
    ]


def test_a_stream_must_start_with_its_submission() -> None:
    e = recorded(translation("fr"), position=1, seq=1)
    with pytest.raises(StreamError, match=r"not job\.submitted"):
        fold_rows([as_selected(e, projected=True)], {})
