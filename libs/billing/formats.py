"""Export formats of billing lines, each byte-for-byte reproducible from the same lines.

Decimals are written as recorded, in fixed-point notation (never an exponent); times in
UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; absent values as empty (CSV) or null.
"""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, BinaryIO, Literal, Protocol

import orjson

from libs.billing.lines import FIELDS, BillingLine

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet")


class LineWriter(Protocol):
    """Writes lines to a binary stream in one format."""

    def write(self, lines: Iterable[BillingLine]) -> None: ...

    def close(self) -> None: ...


def text_row(x: BillingLine) -> tuple[int | str | None, ...]:
    """A line's values in `FIELDS` order: integers as they are, None for absent values,
    everything else in its text form (ids and times are text already; decimals in
    fixed-point notation)."""
    (
        position, recorded_at, occurred_at, event_id, line, job_id, user_id, event_type,
        language, vendor, model, unit, quantity, unit_price, amount, currency, price_table,
    ) = x  # fmt: skip
    return (
        position,
        recorded_at,
        occurred_at,
        event_id,
        line,
        job_id,
        user_id,
        event_type,
        language,
        vendor,
        model,
        unit,
        f"{quantity:f}",
        f"{unit_price:f}",
        f"{amount:f}",
        currency,
        price_table,
    )


# A row the csv module would write with no quotes: its fields joined by commas, and no
# field holding a comma (one fewer than the fields), a quote or a line break.
_SEPARATORS = len(FIELDS) - 1


def _plain(row: str) -> bool:
    # `row` ends in its own "\r\n" and holds no other. (`in` and `count` scan a string
    # several times faster than a regular expression's character class.)
    return (
        row.count(",") == _SEPARATORS
        and '"' not in row
        and row.count("\r") == 1
        and row.count("\n") == 1
    )


class CsvWriter:
    """RFC 4180 CSV with a header row, `\\r\\n` line ends, UTF-8."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._csv.writerow(FIELDS)

    def write(self, lines: Iterable[BillingLine]) -> None:
        # A row that needs no quoting (nearly every one) is formatted here in one f-string,
        # several times faster than by the csv module's writer, which writes the others
        # (None as an empty field). The f-string is `text_row` joined by commas.
        for x in lines:
            (
                position, recorded_at, occurred_at, event_id, line, job_id, user_id,
                event_type, language, vendor, model, unit, quantity, unit_price, amount,
                currency, price_table,
            ) = x  # fmt: skip
            text = (
                f"{position},{recorded_at},{occurred_at},{event_id},{line},{job_id},"
                f"{'' if user_id is None else user_id},{event_type},"
                f"{'' if language is None else language},{vendor},"
                f"{'' if model is None else model},{unit},{quantity:f},{unit_price:f},"
                f"{amount:f},{currency},{'' if price_table is None else price_table}\r\n"
            )
            if _plain(text):
                self._text.write(text)
            else:
                self._csv.writerow(text_row(x))
        self._flush()

    def _flush(self) -> None:
        self._out.write(self._text.getvalue().encode())
        self._text.seek(0)
        self._text.truncate()

    def close(self) -> None:
        self._flush()


class JsonLinesWriter:
    """One JSON object per line, keys in `FIELDS` order; decimals as strings (exact)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def write(self, lines: Iterable[BillingLine]) -> None:
        chunk = bytearray()
        for line in lines:
            chunk += orjson.dumps(dict(zip(FIELDS, text_row(line), strict=True)))
            chunk += b"\n"
        self._out.write(bytes(chunk))

    def close(self) -> None:
        pass


# Decimal columns: 38 digits, 18 after the point (a unit price per token needs many).
DECIMAL_SCALE = 18
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)


class ParquetWriter:
    """Parquet with a fixed schema, zstd at a fixed level, no writer-dependent metadata
    beyond the library's own `created_by`, so the same lines give the same bytes."""

    ROW_GROUP = 100_000

    def __init__(self, out: BinaryIO) -> None:
        import pyarrow as pa  # imported here: CSV and JSON lines do not need it
        import pyarrow.parquet as pq

        self._pa = pa
        money = pa.decimal128(38, DECIMAL_SCALE)
        when = pa.timestamp("us", tz="UTC")
        types = {
            "position": pa.int64(),
            "recorded_at": when,
            "occurred_at": when,
            "line": pa.int32(),
            "quantity": money,
            "unit_price": money,
            "amount": money,
        }
        self._schema = pa.schema([(name, types.get(name, pa.string())) for name in FIELDS])
        self._writer = pq.ParquetWriter(
            out,
            self._schema,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
        )
        self._pending: list[BillingLine] = []

    def write(self, lines: Iterable[BillingLine]) -> None:
        self._pending.extend(lines)
        while len(self._pending) >= self.ROW_GROUP:
            self._flush(self._pending[: self.ROW_GROUP])
            del self._pending[: self.ROW_GROUP]

    def _flush(self, lines: list[BillingLine]) -> None:
        # Row groups of a fixed size: the file's layout depends on the lines alone.
        # Column by column, each converted as its type needs (this runs once a value).
        pa = self._pa
        columns: list[Any] = []
        for field, values in zip(self._schema, zip(*lines, strict=True), strict=True):
            if field.name in _DECIMALS:
                columns.append([_exact(v) for v in values])
            elif field.name in _TIMES:
                # Arrow reads the times' text (UTC, ISO 8601) into microseconds itself.
                columns.append(pa.array(values, pa.string()).cast(field.type))
            else:
                columns.append(values)
        self._writer.write_table(
            pa.Table.from_arrays(columns, schema=self._schema), row_group_size=len(lines)
        )

    def close(self) -> None:
        if self._pending:
            self._flush(self._pending)
            self._pending = []
        self._writer.close()


_DECIMALS = frozenset({"quantity", "unit_price", "amount"})
_TIMES = frozenset({"recorded_at", "occurred_at"})


def _exact(v: Decimal) -> Decimal:
    exact = v.quantize(_QUANTUM)
    if exact != v:
        raise ValueError(f"{v} has more than {DECIMAL_SCALE} decimal places")
    return exact


def writer(fmt: Format, out: BinaryIO) -> LineWriter:
    """The writer of one format."""
    if fmt == "csv":
        return CsvWriter(out)
    if fmt == "jsonl":
        return JsonLinesWriter(out)
    return ParquetWriter(out)
