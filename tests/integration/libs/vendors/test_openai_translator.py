"""The OpenAI translator against the local fake speaking chat completions."""

import json

import pytest

from libs.translation.openai_request import RESPONSE_FORMAT
from libs.translation.openai_translator import OpenAITranslator
from libs.translation.provider import SourceLine
from libs.vendors.errors import VendorPermanentError, VendorTransientError
from libs.vendors.result_cache import caching_results
from tests.support.fake_vendors import FakeVendors, Reply, chat_completion, fake_translation
from tests.support.vendor_sessions import session

LINES = [SourceLine(i, f"Line number {i}.", max_chars=20 + i) for i in range(7)]


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], bytes] = {}

    async def load(self, kind: str, key: str) -> bytes | None:
        return self.entries.get((kind, key))

    async def store(self, kind: str, key: str, data: bytes) -> None:
        assert (kind, key) not in self.entries, "an entry is written once"
        self.entries[(kind, key)] = data


def translator(url: str, **kwargs: object) -> OpenAITranslator:
    return OpenAITranslator(session("openai", url + "/v1"), **kwargs)  # type: ignore[arg-type]


async def test_batches_keep_ids_send_context_glossary_and_budgets(
    fake_vendors: FakeVendors,
) -> None:
    t = translator(fake_vendors.url, batch_lines=3, context_lines=2)
    result = await t.translate(LINES, "en", "fr", glossary={"Redub": "Redub", "line": "réplique"})
    assert result.texts == [fake_translation(line.text) for line in LINES]

    sent = fake_vendors.calls("chat")
    assert len(sent) == 3, "7 lines in batches of 3"
    first = sent[0]
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer test-openai-key"
    body = first.json()
    assert isinstance(body, dict)
    assert body["model"] == "gpt-4.1-mini"
    assert body["response_format"] == RESPONSE_FORMAT
    assert body["response_format"]["json_schema"]["strict"] is True
    system, _ = body["messages"]
    assert system["role"] == "system" and "from en to fr" in system["content"]
    # The batches go out at once, so in any order.
    users = [json.loads(r.json()["messages"][1]["content"]) for r in sent]  # type: ignore[index]
    [middle] = [u for u in users if u["lines"][0]["id"] == 3]
    assert [line["id"] for line in middle["lines"]] == [3, 4, 5]
    assert [line["max_chars"] for line in middle["lines"]] == [23, 24, 25]
    assert middle["context_before"] == ["Line number 1.", "Line number 2."]
    assert middle["context_after"] == ["Line number 6."]
    assert middle["glossary"] == {"Redub": "Redub", "line": "réplique"}

    inputs = [u for u in result.usage if u.unit == "input_tokens"]
    outputs = [u for u in result.usage if u.unit == "output_tokens"]
    assert len(inputs) == len(outputs) == 1, "one priced line per unit, summed over batches"
    assert inputs[0].quantity > 0 and inputs[0].amount > 0


async def test_a_cached_batch_is_not_requested_or_paid_again(fake_vendors: FakeVendors) -> None:
    t = translator(fake_vendors.url, batch_lines=4)
    cache = MemoryCache()
    with caching_results(cache):
        first = await t.translate(LINES, "en", "de")
        again = await t.translate(LINES, "en", "de")
    assert len(fake_vendors.calls("chat")) == 2
    assert again.texts == first.texts
    assert again.usage == [] and first.usage
    # A different target is different work.
    with caching_results(cache):
        await t.translate(LINES, "en", "es")
    assert len(fake_vendors.calls("chat")) == 4


async def test_shorten_sends_one_line_with_its_budget(fake_vendors: FakeVendors) -> None:
    t = translator(fake_vendors.url)
    result = await t.shorten(SourceLine(9, "Une réplique beaucoup trop longue", max_chars=12), "fr")
    assert result.texts == ["Une réplique"]
    [sent] = fake_vendors.calls("chat")
    user = json.loads(sent.json()["messages"][1]["content"])  # type: ignore[index]
    assert user["task"] == "shorten" and user["lines"] == [
        {"id": 9, "text": "Une réplique beaucoup trop longue", "max_chars": 12}
    ]


async def test_rate_limit_honours_retry_after(fake_vendors: FakeVendors) -> None:
    fake_vendors.script(
        "chat",
        Reply(
            429,
            {"error": {"message": "Rate limit reached", "type": "requests"}},
            {"retry-after": "0.2"},
        ),
    )
    result = await translator(fake_vendors.url).translate(LINES[:2], "en", "fr")
    assert len(result.texts) == 2
    assert len(fake_vendors.calls("chat")) == 2


async def test_server_errors_past_the_retries_are_transient(fake_vendors: FakeVendors) -> None:
    fake_vendors.script(
        "chat", *[Reply(500, {"error": {"message": "The server had an error"}})] * 3
    )
    with pytest.raises(VendorTransientError, match="The server had an error"):
        await translator(fake_vendors.url).translate(LINES[:2], "en", "fr")


async def test_a_bad_key_is_permanent_with_openais_reason(fake_vendors: FakeVendors) -> None:
    fake_vendors.script(
        "chat",
        Reply(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}),
    )
    with pytest.raises(VendorPermanentError, match="Incorrect API key provided"):
        await translator(fake_vendors.url).translate(LINES[:2], "en", "fr")
    assert len(fake_vendors.calls("chat")) == 1


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        json.dumps({"translations": [{"id": 0, "text": "only one"}]}),
        json.dumps({"translations": [{"id": 0, "text": "a"}, {"id": 7, "text": "b"}]}),
    ],
    ids=["not-json", "missing-line", "unknown-id"],
)
async def test_answers_that_do_not_cover_the_lines_are_malformed(
    fake_vendors: FakeVendors, content: str
) -> None:
    reply = Reply(200, chat_completion(content, "gpt-4.1-mini", 10, 10))
    fake_vendors.script("chat", reply, reply, reply)
    with pytest.raises(VendorTransientError, match="malformed"):
        await translator(fake_vendors.url).translate(LINES[:2], "en", "fr")
    assert len(fake_vendors.calls("chat")) == 3


async def test_a_body_that_is_not_a_completion_is_malformed(fake_vendors: FakeVendors) -> None:
    fake_vendors.script(
        "chat", *[Reply(200, b"<html>gateway</html>", {"content-type": "text/html"})] * 3
    )
    with pytest.raises(VendorTransientError):
        await translator(fake_vendors.url).translate(LINES[:2], "en", "fr")
