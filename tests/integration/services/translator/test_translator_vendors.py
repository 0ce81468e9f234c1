"""The translator stage with OpenAI against the local fake: each line's budget from its slot,
the glossary sent, batches paid once across attempts."""

import json
from pathlib import Path
from uuid import uuid4

from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import TranscriptReady, TranslationReady
from libs.storage.keys import job_prefix
from libs.translation.length_budget import length_budget
from libs.translation.openai_translator import OpenAITranslator
from services.translator.handler import TranslatorStage
from tests.support.builders import recorded
from tests.support.fake_vendors import FakeVendors, fake_translation
from tests.support.stages import attempt, blob_store, only, stored
from tests.support.vendor_sessions import session


async def test_budgets_glossary_and_a_redelivery_that_pays_nothing(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    blobs, job_id = blob_store(tmp_path), uuid4()
    slots = [1.0, 2.5, 4.0, 0.3, 3.0]
    segments, at = [], 0.0
    for i, slot in enumerate(slots):
        segments.append(Segment(index=i, start=at, end=at + slot, text=f"Source line {i}."))
        at += slot + 0.2
    source = Transcript(language="en", duration_s=at, segments=segments)
    ref = await blobs.put_bytes(
        f"{job_prefix(job_id)}transcriber/x/transcript.json",
        source.to_json().encode(),
        "application/json",
    )
    ready = TranscriptReady(
        transcript=ref, segments=5, duration_s=at, target_languages=["de"], provider="deepgram"
    )
    translator = OpenAITranslator(session("openai", fake_vendors.url + "/v1"), batch_lines=2)
    stage = TranslatorStage(translator, blobs, glossary={"Redub": "Redub"})
    event = recorded(ready, job_id=job_id)

    out = only(await stage.handle(ready, attempt(event, "de")), TranslationReady)
    sent = fake_vendors.calls("chat")
    assert len(sent) == 3, "five lines in batches of two"
    users = [json.loads(r.json()["messages"][1]["content"]) for r in sent]  # type: ignore[index]
    budgets = {line["id"]: line["max_chars"] for u in users for line in u["lines"]}
    assert budgets == {i: length_budget(slot, "de") for i, slot in enumerate(slots)}
    assert all(u["glossary"] == {"Redub": "Redub"} and u["target_language"] == "de" for u in users)
    doc = Transcript.from_json(await stored(blobs, out.translation))
    assert [s.text for s in doc.segments] == [fake_translation(s.text) for s in segments]
    assert [(s.start, s.end) for s in doc.segments] == [(s.start, s.end) for s in segments]
    assert {u.unit for u in out.usage} == {"input_tokens", "output_tokens"}
    assert out.provider == "openai"

    # The same work again (a redelivery after a crash before the commit): nothing is paid.
    again = only(await stage.handle(ready, attempt(event, "de", number=2)), TranslationReady)
    assert len(fake_vendors.calls("chat")) == 3
    assert again.usage == []
    assert Transcript.from_json(await stored(blobs, again.translation)) == doc
