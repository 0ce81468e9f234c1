import json
from decimal import Decimal
from pathlib import Path

import pytest

from libs.billing.price_table import (
    DEFAULT_PRICE_TABLE,
    DEFAULT_VERSION,
    Price,
    PriceTable,
    UnpricedWork,
    load_price_table,
    merge_usage,
    parse_overrides,
)


def test_prices_a_paid_vendor_at_its_list_price() -> None:
    usage = DEFAULT_PRICE_TABLE.price("deepgram", "nova-3", "audio_seconds", 600)
    assert usage.vendor == "deepgram" and usage.model == "nova-3"
    assert usage.quantity == 600
    # $0.0043 a minute: ten minutes cost $0.043.
    assert usage.amount == Decimal("0.043")
    assert usage.currency == "USD"
    assert usage.price_table == DEFAULT_VERSION


def test_tokens_and_characters() -> None:
    tokens = DEFAULT_PRICE_TABLE.price("openai", "gpt-4.1-mini", "output_tokens", 1_000_000)
    assert tokens.amount == Decimal("1.60")
    chars = DEFAULT_PRICE_TABLE.price("deepgram", "aura-2", "characters", 2_000)
    assert chars.amount == Decimal("0.06")


def test_offline_vendors_record_quantity_at_zero() -> None:
    usage = DEFAULT_PRICE_TABLE.price("espeak", None, "characters", 42)
    assert (usage.quantity, usage.unit_price, usage.amount) == (42, 0, 0)
    assert usage.price_table == DEFAULT_VERSION


def test_a_paid_vendor_with_an_unknown_model_is_refused_not_billed_at_zero() -> None:
    with pytest.raises(UnpricedWork, match="nova-9"):
        DEFAULT_PRICE_TABLE.price("deepgram", "nova-9", "audio_seconds", 1)


def test_a_wildcard_model_prices_any_model() -> None:
    table = PriceTable("t1", {("acme", "*", "requests"): Price(Decimal("0.5"), "EUR")})
    usage = table.price("acme", "whatever", "requests", 3)
    assert (usage.amount, usage.currency) == (Decimal("1.5"), "EUR")


def test_float_quantities_are_priced_exactly_as_written() -> None:
    usage = DEFAULT_PRICE_TABLE.price("deepgram", "nova-3", "audio_seconds", 0.1)
    assert usage.quantity == Decimal("0.1")


def test_negative_quantity_is_refused() -> None:
    with pytest.raises(ValueError):
        DEFAULT_PRICE_TABLE.price("espeak", None, "characters", -1)


def test_file_overrides_keep_the_defaults_and_stamp_a_new_version(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "version": "negotiated-2026",
                "prices": [
                    {
                        "vendor": "deepgram",
                        "model": "nova-3",
                        "unit": "audio_seconds",
                        "unit_price": "0.00005",
                    }
                ],
            }
        )
    )
    table = load_price_table(path)
    assert table.version == "negotiated-2026"
    assert table.price("deepgram", "nova-3", "audio_seconds", 100).amount == Decimal("0.005")
    assert table.price("deepgram", "aura-2", "characters", 1000).amount == Decimal("0.03")
    assert load_price_table(None) is DEFAULT_PRICE_TABLE


@pytest.mark.parametrize(
    "document",
    [
        {"prices": []},
        {"version": "v", "prices": {}},
        {"version": "v", "prices": [{"vendor": "x", "unit": "parsecs", "unit_price": 1}]},
        {"version": "v", "prices": [{"vendor": "x", "unit": "requests", "unit_price": -1}]},
        {"version": "v", "prices": [{"vendor": "x", "unit": "requests", "unit_price": "NaN"}]},
        {
            "version": "v",
            "prices": [{"vendor": "x", "unit": "requests", "unit_price": 1, "currency": "usd"}],
        },
    ],
)
def test_malformed_override_files_are_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        parse_overrides(document)


def test_merge_sums_lines_priced_alike_in_order() -> None:
    table = DEFAULT_PRICE_TABLE
    lines = [
        table.price("deepgram", "aura-2", "characters", 100),
        table.price("espeak", None, "characters", 5),
        table.price("deepgram", "aura-2", "characters", 300),
    ]
    merged = merge_usage(lines)
    assert [(u.vendor, u.quantity) for u in merged] == [("deepgram", 400), ("espeak", 5)]
    assert merged[0].amount == Decimal("0.012")
