"""One codec for the wire and the rows: same envelope, same upcasting."""

import json
from typing import Any, ClassVar

from libs.events.catalogue import CATALOGUE, Payload
from libs.events.codec import (
    ENVELOPE_FIELDS,
    Envelope,
    decode,
    encode,
    event_from_row,
    events_document,
    to_envelope,
)
from libs.events.upcasting import UPCASTERS
from tests.support.builders import dub, recorded


def _row(fields: dict[str, Any], payload_json: str) -> dict[str, Any]:
    # As asyncpg returns a `job_events` row: typed columns, jsonb as text.
    return fields | {"payload": payload_json}


def test_wire_and_rows_carry_the_same_fields_in_column_order() -> None:
    event = recorded(dub("fr"), position=4, seq=2)
    assert tuple(to_envelope(event)) == ENVELOPE_FIELDS
    assert tuple(Envelope.model_fields) == ENVELOPE_FIELDS
    assert list(json.loads(events_document([event]))[0]) == list(ENVELOPE_FIELDS)


def test_a_row_decodes_to_what_the_wire_decodes_to() -> None:
    event = recorded(dub("de"), position=9, seq=5)
    row = _row(to_envelope(event), event.payload.model_dump_json())
    assert event_from_row(row) == decode(encode(event)) == event


def test_an_older_version_in_a_row_is_upcast() -> None:
    class Relabelled(Payload):
        type: ClassVar[str] = "test.row-relabelled"
        version: ClassVar[int] = 2
        language: str

    event = recorded(Relabelled(language="fr"))
    row = _row(to_envelope(event) | {"schema_version": 1}, '{"lang": "fr"}')
    CATALOGUE[Relabelled.type] = Relabelled
    UPCASTERS[(Relabelled.type, 1)] = lambda p: {"language": p.pop("lang")}
    try:
        assert event_from_row(row) == event
    finally:
        del CATALOGUE[Relabelled.type], UPCASTERS[(Relabelled.type, 1)]
