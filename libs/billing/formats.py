"""Export formats of billing lines, each byte-for-byte reproducible from the same lines.

Decimals are written as recorded, in fixed-point notation (never an exponent); times in
UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; absent values as empty (CSV) or null.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
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


def text_time(value: datetime) -> str:
    """A time in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (the log's times are already UTC)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # orjson writes ISO 8601 several times faster than `isoformat` (this runs twice a row),
    # but leaves out a zero fraction.
    text = orjson.dumps(value, option=orjson.OPT_UTC_Z)
    if value.microsecond == 0:
        return text[1:-2].decode() + ".000000Z"
    return text[1:-1].decode()


def text_value(value: object) -> str | None:
    """A field's text form in CSV and JSON lines (None stays None)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return text_time(value)
    return str(value)


def text_row(x: BillingLine) -> tuple[int | str | None, ...]:
    """A line's values in `FIELDS` order: integers as they are, None for absent values,
    everything else in its text form (spelled out per field: this runs once a row)."""
    (
        position, recorded_at, occurred_at, event_id, line, job_id, user_id, event_type,
        language, vendor, model, unit, quantity, unit_price, amount, currency, price_table,
    ) = x  # fmt: skip
    return (
        position,
        text_time(recorded_at),
        text_time(occurred_at),
        str(event_id),
        line,
        str(job_id),
        None if user_id is None else str(user_id),
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
_QUOTED = re.compile('["\r\n]')


class CsvWriter:
    """RFC 4180 CSV with a header row, `\\r\\n` line ends, UTF-8."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._csv.writerow(FIELDS)

    def write(self, lines: Iterable[BillingLine]) -> None:
        # A row that needs no quoting (nearly every one) is joined here, several times faster
        # than by the csv module's writer, which writes the others (None as an empty field).
        for line in lines:
            row = text_row(line)
            text = ",".join(["" if v is None else str(v) for v in row])
            if text.count(",") == _SEPARATORS and not _QUOTED.search(text):
                self._text.write(text)
                self._text.write("\r\n")
            else:
                self._csv.writerow(row)
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
        columns: list[Sequence[Any]] = []
        for name, values in zip(FIELDS, zip(*lines, strict=True), strict=True):
            if name in _DECIMALS:
                columns.append([_exact(v) for v in values])
            elif name in _UUIDS:
                columns.append([None if v is None else str(v) for v in values])
            else:
                columns.append(values)
        self._writer.write_table(
            self._pa.Table.from_arrays(columns, schema=self._schema), row_group_size=len(lines)
        )

    def close(self) -> None:
        if self._pending:
            self._flush(self._pending)
            self._pending = []
        self._writer.close()


_DECIMALS = frozenset({"quantity", "unit_price", "amount"})
_UUIDS = frozenset({"event_id", "job_id", "user_id"})


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
