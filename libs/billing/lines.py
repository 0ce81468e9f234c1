"""Billing lines: one row per priced usage line of a stage event (pure)."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from libs.events.catalogue import SpeechReady, TranscriptReady, TranslationReady, Usage

# The event types that carry `usage`: a billing reader selects only these from the log.
BILLED_TYPES: tuple[str, ...] = (TranscriptReady.type, TranslationReady.type, SpeechReady.type)

# The columns of an export, in order.
FIELDS: tuple[str, ...] = (
    "position",
    "recorded_at",
    "occurred_at",
    "event_id",
    "line",
    "job_id",
    "user_id",
    "event_type",
    "language",
    "vendor",
    "model",
    "unit",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "price_table",
)


@dataclass(frozen=True, slots=True)
class BilledEvent:
    """The envelope fields billing reads, around a payload already upcast to its current
    version (plain JSON values, see `libs.events.upcasting.upcast`)."""

    position: int
    event_id: UUID
    job_id: UUID
    user_id: UUID | None
    type: str
    occurred_at: datetime
    recorded_at: datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BillingLine:
    """One usage line of one event: a job, a language (None for transcription), a vendor."""

    position: int
    recorded_at: datetime
    occurred_at: datetime
    event_id: UUID
    line: int
    """The line's index within its event's `usage` (with `event_id`, the line's identity)."""
    job_id: UUID
    user_id: UUID | None
    event_type: str
    language: str | None
    vendor: str
    model: str | None
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    currency: str
    price_table: str | None


def billing_lines(event: BilledEvent) -> Iterator[BillingLine]:
    """The event's usage lines in recorded order; nothing for an event without usage.

    Each line is validated as a `Usage` (lines are few; defaults such as the currency come
    from the catalogue, never from here).
    """
    for index, raw in enumerate(event.payload.get("usage") or ()):
        u = Usage.model_validate(raw)
        yield BillingLine(
            position=event.position,
            recorded_at=event.recorded_at,
            occurred_at=event.occurred_at,
            event_id=event.event_id,
            line=index,
            job_id=event.job_id,
            user_id=event.user_id,
            event_type=event.type,
            language=event.payload.get("language"),
            vendor=u.vendor,
            model=u.model,
            unit=u.unit,
            quantity=u.quantity,
            unit_price=u.unit_price,
            amount=u.amount,
            currency=u.currency,
            price_table=u.price_table,
        )
