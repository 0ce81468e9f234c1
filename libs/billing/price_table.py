"""The price table: (vendor, model, unit) -> list price, versioned, overridable (pure).

Defaults are the vendors' public pay-as-you-go list prices as of `DEFAULT_VERSION`; an
operator replaces or extends them with a JSON file (`REDUB_PRICE_TABLE_FILE`). A vendor the
table never prices (every offline provider) records its quantity at a zero price; a vendor
it does price but not for this model and unit is refused, so paid work is never billed at 0.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import cast, get_args

from libs.events.catalogue import Usage, UsageUnit

# Stamped on every usage line: which prices were in force when the work was done.
DEFAULT_VERSION = "list-2025-06"
# Per unit: a second of audio, a character, a token.
_PER_MINUTE = Decimal(60)
_PER_THOUSAND = Decimal(1_000)
_PER_MILLION = Decimal(1_000_000)
# The amount's precision: far below a cent, so sums over many lines stay exact enough.
_QUANTUM = Decimal("0.0000000001")
ANY_MODEL = "*"


class UnpricedWork(LookupError):
    """A paid vendor did work the price table has no price for (a configuration error)."""


@dataclass(frozen=True, slots=True)
class Price:
    """What one unit costs."""

    unit_price: Decimal
    currency: str = "USD"


PriceKey = tuple[str, str, UsageUnit]

DEFAULT_PRICES: Mapping[PriceKey, Price] = {
    # Deepgram pre-recorded speech-to-text, pay as you go (per minute of audio).
    ("deepgram", "nova-3", "audio_seconds"): Price(Decimal("0.0043") / _PER_MINUTE),
    ("deepgram", "nova-3-multilingual", "audio_seconds"): Price(Decimal("0.0052") / _PER_MINUTE),
    ("deepgram", "nova-2", "audio_seconds"): Price(Decimal("0.0043") / _PER_MINUTE),
    # Speaker diarization is an add-on billed per minute on top of the model.
    ("deepgram", "diarize", "audio_seconds"): Price(Decimal("0.0020") / _PER_MINUTE),
    # Deepgram Aura text-to-speech (per 1,000 characters).
    ("deepgram", "aura-2", "characters"): Price(Decimal("0.030") / _PER_THOUSAND),
    ("deepgram", "aura", "characters"): Price(Decimal("0.015") / _PER_THOUSAND),
    # OpenAI chat completions (per million tokens).
    ("openai", "gpt-4.1-mini", "input_tokens"): Price(Decimal("0.40") / _PER_MILLION),
    ("openai", "gpt-4.1-mini", "output_tokens"): Price(Decimal("1.60") / _PER_MILLION),
    ("openai", "gpt-4.1", "input_tokens"): Price(Decimal("2.00") / _PER_MILLION),
    ("openai", "gpt-4.1", "output_tokens"): Price(Decimal("8.00") / _PER_MILLION),
    ("openai", "gpt-4o-mini", "input_tokens"): Price(Decimal("0.15") / _PER_MILLION),
    ("openai", "gpt-4o-mini", "output_tokens"): Price(Decimal("0.60") / _PER_MILLION),
    ("openai", "gpt-4o", "input_tokens"): Price(Decimal("2.50") / _PER_MILLION),
    ("openai", "gpt-4o", "output_tokens"): Price(Decimal("10.00") / _PER_MILLION),
    # ElevenLabs API text-to-speech (per 1,000 characters).
    ("elevenlabs", "eleven_multilingual_v2", "characters"): Price(Decimal("0.10") / _PER_THOUSAND),
    ("elevenlabs", "eleven_flash_v2_5", "characters"): Price(Decimal("0.05") / _PER_THOUSAND),
    ("elevenlabs", "eleven_turbo_v2_5", "characters"): Price(Decimal("0.05") / _PER_THOUSAND),
}


@dataclass(frozen=True, slots=True)
class PriceTable:
    """List prices under one version stamp."""

    version: str
    prices: Mapping[PriceKey, Price]
    _paid: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_paid", frozenset(vendor for vendor, _, _ in self.prices))

    def lookup(self, vendor: str, model: str | None, unit: UsageUnit) -> Price:
        """The price of one unit; zero for a vendor the table never prices."""
        for key in ((vendor, model or ANY_MODEL, unit), (vendor, ANY_MODEL, unit)):
            found = self.prices.get(key)
            if found is not None:
                return found
        if vendor in self._paid:
            raise UnpricedWork(
                f"the price table {self.version!r} has no price for {vendor} "
                f"model {model or ANY_MODEL!r} per {unit}"
            )
        return Price(Decimal(0))

    def price(
        self, vendor: str, model: str | None, unit: UsageUnit, quantity: Decimal | float | int
    ) -> Usage:
        """One priced usage line: `quantity` units at the table's price."""
        amount = Decimal(str(quantity)) if isinstance(quantity, float) else Decimal(quantity)
        if amount < 0:
            raise ValueError("a usage quantity cannot be negative")
        found = self.lookup(vendor, model, unit)
        return Usage(
            vendor=vendor,
            model=model,
            unit=unit,
            quantity=amount,
            unit_price=found.unit_price,
            amount=(amount * found.unit_price).quantize(_QUANTUM),
            currency=found.currency,
            price_table=self.version,
        )

    def with_overrides(self, version: str, prices: Mapping[PriceKey, Price]) -> "PriceTable":
        """This table with `prices` replacing or adding entries, under a new version stamp."""
        return PriceTable(version=version, prices={**self.prices, **prices})


DEFAULT_PRICE_TABLE = PriceTable(version=DEFAULT_VERSION, prices=DEFAULT_PRICES)


def parse_overrides(document: Mapping[str, object]) -> tuple[str, dict[PriceKey, Price]]:
    """`{"version": "...", "prices": [{"vendor", "model", "unit", "unit_price", "currency"}]}`."""
    version = document.get("version")
    rows = document.get("prices")
    if not isinstance(version, str) or not version.strip():
        raise ValueError("a price table file needs a non-empty string 'version'")
    if not isinstance(rows, list):
        raise ValueError("a price table file needs a list 'prices'")
    units = set(get_args(UsageUnit))
    prices: dict[PriceKey, Price] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValueError(f"price {i} is not an object")
        vendor, model, unit = row.get("vendor"), row.get("model", ANY_MODEL), row.get("unit")
        if not isinstance(vendor, str) or not isinstance(model, str) or unit not in units:
            raise ValueError(f"price {i} needs a vendor, a model and a unit in {sorted(units)}")
        unit_price = Decimal(str(row.get("unit_price")))
        if not unit_price.is_finite() or unit_price < 0:
            raise ValueError(f"price {i} has no valid non-negative unit_price")
        currency = str(row.get("currency", "USD"))
        if len(currency) != 3 or not currency.isupper():
            raise ValueError(f"price {i} has no three-letter currency code")
        prices[(vendor, model, cast(UsageUnit, unit))] = Price(unit_price, currency)
    return version, prices


def load_price_table(path: Path | None) -> PriceTable:
    """The default table, overridden by the JSON file at `path` when one is given."""
    if path is None:
        return DEFAULT_PRICE_TABLE
    version, prices = parse_overrides(json.loads(path.read_text(encoding="utf-8")))
    return DEFAULT_PRICE_TABLE.with_overrides(version, prices)


def merge_usage(lines: Iterable[Usage]) -> list[Usage]:
    """Sum lines priced alike (same vendor, model, unit, price, currency, table), in order."""
    merged: dict[tuple[object, ...], Usage] = {}
    for line in lines:
        key = (line.vendor, line.model, line.unit, line.unit_price, line.currency, line.price_table)
        seen = merged.get(key)
        merged[key] = (
            line
            if seen is None
            else seen.model_copy(
                update={
                    "quantity": seen.quantity + line.quantity,
                    "amount": seen.amount + line.amount,
                }
            )
        )
    return list(merged.values())
