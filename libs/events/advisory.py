"""JetStream's max-deliveries advisory: what the stage runner needs of it, parsed strictly."""

import json
from dataclasses import dataclass
from typing import TypeGuard


@dataclass(frozen=True, slots=True)
class MaxDeliveries:
    """A message of `stream` that `consumer` delivered `deliveries` times without an ack."""

    stream: str
    consumer: str
    stream_seq: int
    deliveries: int


def parse_advisory(data: bytes) -> MaxDeliveries | None:
    """The advisory in `data`, or None when it is not a well-formed one."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None
    if not isinstance(doc, dict):
        return None
    stream, consumer = doc.get("stream"), doc.get("consumer")
    seq, deliveries = doc.get("stream_seq"), doc.get("deliveries")
    if not (isinstance(stream, str) and isinstance(consumer, str)):
        return None
    if not (_count(seq) and _count(deliveries)):
        return None
    return MaxDeliveries(stream, consumer, seq, deliveries)


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
