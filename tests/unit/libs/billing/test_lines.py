from decimal import Decimal
from uuid import uuid4

from libs.billing.lines import BilledEvent, billing_lines, usage_values
from libs.events.catalogue import TranscriptReady, TranslationReady, Usage
from libs.events.upcasting import upcast
from tests.support.builders import blob

AT = "2026-11-01T12:00:00.000000Z"


def billed(payload: dict[str, object], type_: str, version: int = 3) -> BilledEvent:
    return BilledEvent(
        position=7,
        event_id=str(uuid4()),
        job_id=str(uuid4()),
        user_id=str(uuid4()),
        type=type_,
        occurred_at=AT,
        recorded_at=AT,
        payload=upcast(type_, version, payload),
    )


def translation(*usage: Usage) -> dict[str, object]:
    p = TranslationReady(
        language="fr", translation=blob("fr/t.json"), segments=2, provider="openai", usage=usage
    )
    return p.model_dump(mode="json")


def test_one_row_per_usage_line_in_recorded_order_with_the_language() -> None:
    tokens_in = Usage(
        vendor="openai",
        model="gpt-4o-mini",
        unit="input_tokens",
        quantity=Decimal(1200),
        unit_price=Decimal("0.00000015"),
        amount=Decimal("0.00018"),
        price_table="2026-10",
    )
    tokens_out = tokens_in.model_copy(
        update={"unit": "output_tokens", "quantity": Decimal(900), "amount": Decimal("0.00054")}
    )
    event = billed(translation(tokens_in, tokens_out), "translation.ready")
    lines = list(billing_lines(event))
    assert [(x.line, x.unit, x.quantity, x.amount) for x in lines] == [
        (0, "input_tokens", Decimal(1200), Decimal("0.00018")),
        (1, "output_tokens", Decimal(900), Decimal("0.00054")),
    ]
    assert {x.language for x in lines} == {"fr"}
    assert {(x.event_id, x.job_id, x.user_id) for x in lines} == {
        (event.event_id, event.job_id, event.user_id)
    }
    assert lines[0].unit_price == Decimal("0.00000015")
    assert lines[0].price_table == "2026-10" and lines[0].currency == "USD"


def test_transcription_has_no_language_and_no_usage_gives_no_rows() -> None:
    p = TranscriptReady(
        transcript=blob("t.json"),
        segments=1,
        duration_s=3.0,
        target_languages=["fr"],
        provider="deepgram",
        usage=[Usage(vendor="deepgram", unit="audio_seconds", quantity=Decimal("3.5"))],
    ).model_dump(mode="json")
    [line] = billing_lines(billed(p, "transcript.ready"))
    assert line.language is None and line.event_type == "transcript.ready"
    assert list(billing_lines(billed(translation(), "translation.ready"))) == []


def test_version_2_usage_is_upcast_into_one_line_with_its_cost_as_amount() -> None:
    v2 = {
        "language": "de",
        "translation": blob("de/t.json").model_dump(mode="json"),
        "segments": 2,
        "provider": "openai",
        "usage": {"vendor": "openai", "unit": "characters", "quantity": "512", "cost_usd": "0.25"},
        "brief": None,
    }
    [line] = billing_lines(billed(v2, "translation.ready", version=2))
    assert (line.vendor, line.unit, line.quantity, line.amount, line.currency) == (
        "openai",
        "characters",
        Decimal(512),
        Decimal("0.25"),
        "USD",
    )
    assert line.unit_price == 0 and line.price_table is None
    assert list(billing_lines(billed({**v2, "usage": None}, "translation.ready", 2))) == []


def test_stored_lines_read_as_the_model_would_read_them() -> None:
    whole = Usage(
        vendor="openai",
        model="gpt-4o-mini",
        unit="input_tokens",
        quantity=Decimal("0.1"),
        unit_price=Decimal("0.3"),
        amount=Decimal("0.03"),
        price_table="t1",
    ).model_dump(mode="json")
    short = {"vendor": "espeak", "unit": "characters", "quantity": 0.1}  # defaults left out
    for raw in (whole, short):
        u = Usage.model_validate(raw)
        assert usage_values(raw) == (
            u.vendor,
            u.model,
            u.unit,
            u.quantity,
            u.unit_price,
            u.amount,
            u.currency,
            u.price_table,
        )
    assert usage_values(short)[3] == Decimal("0.1")
