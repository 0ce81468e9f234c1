"""Running totals of an export: rows, amount per currency and per currency and vendor."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from libs.billing.lines import BillingLine


@dataclass(slots=True)
class Totals:
    """What an export holds, summed exactly (Decimal) as its rows go by."""

    rows: int = 0
    events: int = 0
    by_currency: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    by_vendor: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    quantity: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    _last_event: object = None

    def add(self, line: BillingLine) -> None:
        """Count one row."""
        self.rows += 1
        if line.event_id != self._last_event:
            self.events += 1
            self._last_event = line.event_id
        self.by_currency[line.currency] += line.amount
        self.by_vendor[(line.currency, line.vendor)] += line.amount
        self.quantity[(line.vendor, line.unit)] += line.quantity

    def summary(self) -> str:
        """Lines for a person: rows, then amounts per currency and vendor, then quantities."""
        out = [f"{self.rows} rows from {self.events} events"]
        for currency, amount in sorted(self.by_currency.items()):
            out.append(f"total {currency} {amount:f}")
        for (currency, vendor), amount in sorted(self.by_vendor.items()):
            out.append(f"  {vendor}: {currency} {amount:f}")
        for (vendor, unit), quantity in sorted(self.quantity.items()):
            out.append(f"  {vendor}: {quantity:f} {unit}")
        return "\n".join(out)
