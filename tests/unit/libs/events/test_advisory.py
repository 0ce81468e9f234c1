"""Max-deliveries advisories are parsed strictly: anything malformed is None, never an error."""

import json

import pytest

from libs.events.advisory import MaxDeliveries, parse_advisory

GOOD = {
    "type": "io.nats.jetstream.advisory.v1.max_deliver",
    "stream": "REDUB",
    "consumer": "mixer",
    "stream_seq": 42,
    "deliveries": 5,
}


def test_a_well_formed_advisory() -> None:
    assert parse_advisory(json.dumps(GOOD).encode()) == MaxDeliveries("REDUB", "mixer", 42, 5)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe garbage",
        b"[1, 2]",
        b"null",
        json.dumps({**GOOD, "stream_seq": "42"}).encode(),
        json.dumps({**GOOD, "stream_seq": 0}).encode(),
        json.dumps({**GOOD, "deliveries": True}).encode(),
        json.dumps({**GOOD, "consumer": None}).encode(),
        json.dumps({k: v for k, v in GOOD.items() if k != "stream"}).encode(),
    ],
)
def test_malformed_advisories_are_none(data: bytes) -> None:
    assert parse_advisory(data) is None


def test_json_nested_past_the_parser_is_none_not_an_error() -> None:
    assert parse_advisory(b"[" * 100_000) is None
