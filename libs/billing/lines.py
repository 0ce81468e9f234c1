"""Billing lines: one row per priced usage line of a stage event (pure)."""

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from libs.events.catalogue import SpeechReady, TranscriptReady, TranslationReady, Usage

# The event types that carry `usage`: a billing reader selects only these from the log.
BILLED_TYPES: tuple[str, ...] = (TranscriptReady.type, TranslationReady.type, SpeechReady.type)

# A time in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (six fraction digits, always).
TimeText = str


class BilledEvent(NamedTuple):
    """The envelope fields billing reads, around a payload already upcast to its current
    version (plain JSON values, see `libs.events.upcasting.upcast`).

    Ids and times are the text an export writes: an id's canonical text, and a time in UTC
    as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (`TimeText`), formatted by PostgreSQL as it reads them;
    no export parses them into objects only to write them back out.

    Named tuples, this and `BillingLine`: immutable, and built at the cost of a tuple (a
    frozen dataclass sets each field through `object.__setattr__`, and an export builds one
    per event and per line)."""

    position: int
    event_id: str
    job_id: str
    user_id: str | None
    type: str
    occurred_at: TimeText
    recorded_at: TimeText
    payload: Mapping[str, Any]


class BillingLine(NamedTuple):
    """One usage line of one event: a job, a language (None for transcription), a vendor.

    Its fields are the columns of an export, in order (`FIELDS`)."""

    position: int
    recorded_at: TimeText
    occurred_at: TimeText
    event_id: str
    line: int
    """The line's index within its event's `usage` (with `event_id`, the line's identity)."""
    job_id: str
    user_id: str | None
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


# The columns of an export, in order.
FIELDS: tuple[str, ...] = BillingLine._fields


def billing_lines(event: BilledEvent) -> Iterator[BillingLine]:
    """The event's usage lines in recorded order; nothing for an event without usage."""
    language = event.payload.get("language")
    for index, raw in enumerate(event.payload.get("usage") or ()):
        yield BillingLine(
            event.position,
            event.recorded_at,
            event.occurred_at,
            event.event_id,
            index,
            event.job_id,
            event.user_id,
            event.type,
            language,
            *usage_values(raw),
        )


UsageValues = tuple[str, str | None, str, Decimal, Decimal, Decimal, str, str | None]


def usage_values(raw: Mapping[str, Any]) -> UsageValues:
    """A stored usage line's values, in `BillingLine` order.

    The log only takes payloads its models validated, and writes them with every field,
    so a current-version line is read as it is (a million lines are not validated again);
    a line missing a field goes through the model, which knows the defaults.
    """
    try:
        return (
            raw["vendor"],
            raw["model"],
            raw["unit"],
            _decimal(raw["quantity"]),
            _decimal(raw["unit_price"]),
            _decimal(raw["amount"]),
            raw["currency"],
            raw["price_table"],
        )
    except KeyError:
        u = Usage.model_validate(raw)
        values = (u.vendor, u.model, u.unit, u.quantity, u.unit_price, u.amount)
        return (*values, u.currency, u.price_table)


def _decimal(value: str | int | float) -> Decimal:
    # JSON numbers (hand-written or old payloads) read as their shortest text, as pydantic does.
    return Decimal(value) if isinstance(value, str) else Decimal(str(value))
