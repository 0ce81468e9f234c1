"""The event catalogue, upcasting and the wire format."""

from decimal import Decimal
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from libs.events.catalogue import CATALOGUE, BlobRef, Payload
from libs.events.upcasting import UPCASTERS, NewerSchemaVersion, UnknownEventType, decode_payload
from libs.events.wire import decode, encode, subject_for
from tests.support.builders import dub, recorded, submitted


def test_every_type_is_registered_once_with_a_version() -> None:
    assert len(CATALOGUE) == 11
    assert {"job.submitted", "dub.ready", "artifacts.purged", "stage.failed"} <= set(CATALOGUE)
    assert all(cls.version >= 1 for cls in CATALOGUE.values())


def test_payloads_carry_hashes_not_content() -> None:
    with pytest.raises(ValidationError):
        BlobRef(key="k", size=1, sha256="not-a-hash", content_type="audio/wav")
    with pytest.raises(ValidationError):
        submitted().model_validate({**submitted().model_dump(), "transcript_text": "hi"})


def test_wire_round_trip_keeps_everything() -> None:
    event = recorded(dub("fr"), position=7, seq=3)
    assert decode(encode(event)) == event
    assert subject_for("redub", event.type) == "redub.dub.ready"


def test_old_versions_are_upcast_on_read() -> None:
    class Renamed(Payload):
        type: ClassVar[str] = "test.renamed"
        version: ClassVar[int] = 2
        language: str

    CATALOGUE["test.renamed"] = Renamed
    try:
        upcasters: dict[tuple[str, int], Any] = {
            ("test.renamed", 1): lambda p: {"language": p.pop("lang")}
        }
        lifted = decode_payload("test.renamed", 1, {"lang": "fr"}, upcasters)
        assert lifted == Renamed(language="fr")
        assert decode_payload("test.renamed", 2, {"language": "de"}, upcasters).language == "de"  # type: ignore[attr-defined]
    finally:
        del CATALOGUE["test.renamed"]


def test_an_older_version_on_the_wire_is_upcast() -> None:
    class Relabelled(Payload):
        type: ClassVar[str] = "test.relabelled"
        version: ClassVar[int] = 2
        language: str

    old = recorded(Relabelled(language="fr"))
    body = encode(old).replace(b'"schema_version":2', b'"schema_version":1')
    body = body.replace(b'"language"', b'"lang"')
    CATALOGUE["test.relabelled"] = Relabelled
    UPCASTERS[("test.relabelled", 1)] = lambda p: {"language": p.pop("lang")}
    try:
        assert decode(body) == old
    finally:
        del CATALOGUE["test.relabelled"], UPCASTERS[("test.relabelled", 1)]


def test_unknown_type_is_an_error() -> None:
    with pytest.raises(UnknownEventType):
        decode_payload("job.exploded", 1, {})


def test_a_newer_version_than_this_build_reads_is_named_as_such() -> None:
    # Not "malformed": a rolling deploy's newer writer; the bus leaves it for later.
    with pytest.raises(NewerSchemaVersion, match="version 9"):
        decode_payload("dub.ready", 9, {"language": "fr", "artifacts": []})


def test_version_one_stage_events_read_with_no_brief() -> None:
    payload = decode_payload(
        "speech.ready",
        1,
        {
            "language": "fr",
            "speech": {"key": "k", "size": 1, "sha256": "0" * 64, "content_type": "x"},
            "clips": 1,
            "duration_s": 1.0,
            "provider": "espeak",
        },
    )
    assert getattr(payload, "brief", "missing") is None


def test_version_two_usage_becomes_one_priced_line() -> None:
    old = {
        "language": "fr",
        "translation": {"key": "k", "size": 1, "sha256": "0" * 64, "content_type": "x"},
        "segments": 3,
        "provider": "pseudo",
        "usage": {"vendor": "pseudo", "unit": "characters", "quantity": 42, "cost_usd": "0.5"},
        "brief": None,
    }
    payload = decode_payload("translation.ready", 2, old)
    [line] = payload.usage
    assert (line.vendor, line.quantity, line.amount, line.currency) == (
        "pseudo",
        Decimal(42),
        Decimal("0.5"),
        "USD",
    )
    assert decode_payload("translation.ready", 2, {**old, "usage": None}).usage == []


def test_version_one_submissions_read_as_asking_for_no_premium_voice() -> None:
    old = submitted().model_dump(mode="json")
    del old["premium_voice"]
    lifted = decode_payload("job.submitted", 1, old)
    assert lifted.premium_voice is False  # type: ignore[attr-defined]
