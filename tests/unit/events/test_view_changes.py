"""Which view rows a batch rewrites."""

from uuid import uuid4

from libs.events.catalogue import ArtifactsPurged, Payload
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.view_changes import changes_of
from tests.support.builders import USER, dub, submitted, translation


def ev(job: object, payload: Payload) -> RecordedEvent:
    now = utcnow()
    return RecordedEvent(1, uuid4(), job, 1, payload, job, None, USER, now, now)  # type: ignore[arg-type]


def test_only_touched_languages_and_new_artifacts() -> None:
    a, b = uuid4(), uuid4()
    changes = changes_of([ev(a, translation("fr")), ev(a, dub("de")), ev(b, submitted())])
    assert changes[a].languages == {"fr", "de"}
    assert changes[a].artifacts == {f"de/{k}" for k in ("mix", "voice", "srt", "vtt", "manifest")}
    assert changes[b].languages is None, "a new job writes every task row"
    purge = changes_of([ev(a, ArtifactsPurged(keys=[], bytes=0))])
    assert purge[a].artifacts is None and purge[a].languages == set()
