import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.billing.formats import FORMATS, Format, text_row, writer
from libs.billing.lines import FIELDS, BillingLine
from libs.billing.totals import Totals

AT = datetime(2026, 11, 1, 12, 0, 0, 5, tzinfo=UTC)
AT_TEXT = "2026-11-01T12:00:00.000005Z"


def line(n: int, **changes: object) -> BillingLine:
    values: dict[str, object] = {
        "position": n,
        "recorded_at": AT_TEXT,
        "occurred_at": "2026-11-01T11:59:59.000005Z",
        "event_id": str(UUID(int=n)),
        "line": 0,
        "job_id": str(UUID(int=1000 + n)),
        "user_id": None,
        "event_type": "speech.ready",
        "language": "fr",
        "vendor": "elevenlabs",
        "model": None,
        "unit": "characters",
        "quantity": Decimal("530"),
        "unit_price": Decimal("0.00003"),
        "amount": Decimal("0.0159"),
        "currency": "USD",
        "price_table": "2026-10",
    }
    return BillingLine(**(values | changes))  # type: ignore[arg-type]


LINES = [line(1), line(2, amount=Decimal("1E+1"), user_id=str(UUID(int=9))), line(3, language=None)]


def export(fmt: Format, lines: list[BillingLine]) -> bytes:
    out = io.BytesIO()
    w = writer(fmt, out)
    w.write(lines[:2])
    w.write(lines[2:])
    w.close()
    return out.getvalue()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_lines_give_the_same_bytes(fmt: Format) -> None:
    assert export(fmt, LINES) == export(fmt, list(LINES))
    assert export(fmt, LINES) != export(fmt, LINES[:2])


def test_csv_has_a_header_and_empty_cells_for_absent_values() -> None:
    rows = list(csv.DictReader(io.StringIO(export("csv", LINES).decode())))
    assert list(rows[0]) == list(FIELDS)
    assert rows[0]["user_id"] == "" and rows[1]["user_id"] == str(UUID(int=9))
    assert rows[1]["amount"] == "10" and rows[2]["language"] == ""
    assert sum(Decimal(r["amount"]) for r in rows) == sum(x.amount for x in LINES)


def test_json_lines_keep_decimals_exact_as_strings() -> None:
    rows = [json.loads(x) for x in export("jsonl", LINES).splitlines()]
    assert list(rows[0]) == list(FIELDS)
    assert rows[0]["amount"] == "0.0159" and rows[0]["position"] == 1
    assert rows[0]["user_id"] is None


def test_parquet_reads_back_as_decimals_and_times() -> None:
    table = pq.read_table(io.BytesIO(export("parquet", LINES)))
    assert table.column_names == list(FIELDS)
    assert table.column("amount").to_pylist() == [x.amount for x in LINES]
    assert table.column("recorded_at").to_pylist()[0] == AT
    with pytest.raises(ValueError, match="decimal places"):
        export("parquet", [line(1, unit_price=Decimal("1E-19"))])


def test_totals_sum_exactly_per_currency_and_vendor() -> None:
    t = Totals()
    for x in [*LINES, line(4, vendor="openai", currency="EUR", amount=Decimal("0.1"))]:
        t.add(x)
    assert t.rows == 4 and t.events == 4
    assert t.by_currency == {"USD": Decimal("10.0318"), "EUR": Decimal("0.1")}
    assert t.by_vendor[("EUR", "openai")] == Decimal("0.1")
    assert "total USD 10.0318" in t.summary()


def test_text_rows_write_decimals_in_fixed_point_and_the_rest_as_read() -> None:
    x = line(2, amount=Decimal("1E+1"), unit_price=Decimal("0.00000015"))
    row = text_row(x)
    assert dict(zip(FIELDS, row, strict=True)) == x._asdict() | {
        "quantity": "530",
        "unit_price": "0.00000015",
        "amount": "10",
    }


texts = st.text(alphabet=st.sampled_from(list('ab ,"\r\n\té;')), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "event_type": texts,
                "language": st.none() | texts,
                "vendor": texts,
                "model": st.none() | texts,
                "currency": texts,
                "price_table": st.none() | texts,
            }
        ),
        max_size=5,
    )
)
def test_csv_is_what_the_csv_module_writes(changes: list[dict[str, object]]) -> None:
    lines = [line(n, **c) for n, c in enumerate(changes)]
    expected = io.StringIO()
    reference = csv.writer(expected, lineterminator="\r\n")
    reference.writerow(FIELDS)
    reference.writerows(text_row(x) for x in lines)
    assert export("csv", lines) == expected.getvalue().encode()
