"""Deepgram speech-to-text against the local fake speaking `/v1/listen`."""

import time
from decimal import Decimal
from pathlib import Path

import pytest

from libs.transcription.deepgram_stt import DeepgramSpeechToText
from libs.vendors.errors import VendorPermanentError, VendorTransientError
from tests.support.fake_vendors import FakeVendors, Reply
from tests.support.vendor_sessions import session


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    path = tmp_path / "voice.wav"
    path.write_bytes(b"RIFF" + bytes(3000))
    return path


async def test_sends_the_documented_request_and_maps_utterances(
    fake_vendors: FakeVendors, audio: Path
) -> None:
    s = session("deepgram", fake_vendors.url)
    try:
        result = await DeepgramSpeechToText(s).transcribe(audio, "en")
    finally:
        await s.aclose()
    [sent] = fake_vendors.calls("listen")
    assert sent.method == "POST" and sent.path == "/v1/listen"
    assert sent.headers["authorization"] == "Token test-deepgram-key"
    assert sent.body == audio.read_bytes(), "the file is sent as the body, whole"
    for flag in ("punctuate", "smart_format", "utterances", "diarize"):
        assert sent.query[flag] == "true"
    assert sent.query["model"] == "nova-3" and sent.query["language"] == "en"

    transcript = result.transcript
    assert transcript.language == "en" and transcript.duration_s == 4.0
    first, second = transcript.segments
    assert (first.index, first.start, first.end, first.text) == (0, 0.1, 1.0, "Hello, world.")
    assert (first.speaker, second.speaker) == ("speaker_0", "speaker_1")
    assert [w.text for w in first.words] == ["Hello,", "world."]
    assert first.words[0].confidence == pytest.approx(0.99)
    assert second.confidence == pytest.approx(0.94)
    model, diarize = result.usage
    assert (model.vendor, model.model, model.unit, model.quantity) == (
        "deepgram",
        "nova-3",
        "audio_seconds",
        Decimal("4.0"),
    )
    assert model.amount == (Decimal("0.0043") / 60 * 4).quantize(Decimal("1e-10"))
    assert diarize.model == "diarize" and diarize.amount > 0


async def test_rate_limit_waits_retry_after_then_succeeds(
    fake_vendors: FakeVendors, audio: Path
) -> None:
    fake_vendors.script(
        "listen", Reply(429, {"err_code": "TOO_MANY_REQUESTS"}, headers={"Retry-After": "0.3"})
    )
    s = session("deepgram", fake_vendors.url)
    started = time.monotonic()
    try:
        result = await DeepgramSpeechToText(s).transcribe(audio, "en")
    finally:
        await s.aclose()
    assert time.monotonic() - started >= 0.3, "Retry-After is honoured"
    assert len(fake_vendors.calls("listen")) == 2
    assert len(result.transcript.segments) == 2


async def test_server_errors_past_the_retries_are_transient(
    fake_vendors: FakeVendors, audio: Path
) -> None:
    fake_vendors.script("listen", *[Reply(503, {"err_msg": "overloaded"})] * 3)
    s = session("deepgram", fake_vendors.url)
    try:
        with pytest.raises(VendorTransientError, match="HTTP 503: overloaded"):
            await DeepgramSpeechToText(s).transcribe(audio, "en")
    finally:
        await s.aclose()
    assert len(fake_vendors.calls("listen")) == 3


async def test_a_refusal_is_permanent_with_deepgrams_reason_and_not_retried(
    fake_vendors: FakeVendors, audio: Path
) -> None:
    body = {
        "err_code": "Bad Request",
        "err_msg": "Bad Request: failed to process audio: corrupt or unsupported data",
        "request_id": "r",
    }
    fake_vendors.script("listen", Reply(400, body))
    s = session("deepgram", fake_vendors.url)
    try:
        with pytest.raises(VendorPermanentError, match="corrupt or unsupported data"):
            await DeepgramSpeechToText(s).transcribe(audio, "en")
    finally:
        await s.aclose()
    assert len(fake_vendors.calls("listen")) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>bad gateway</html>", b'{"metadata": {"duration": 1.0}, "results": {}}'],
    ids=["not-json", "no-utterances"],
)
async def test_malformed_answers_are_retried_then_transient(
    fake_vendors: FakeVendors, audio: Path, body: bytes
) -> None:
    fake_vendors.script("listen", *[Reply(200, body, {"content-type": "application/json"})] * 3)
    s = session("deepgram", fake_vendors.url)
    try:
        with pytest.raises(VendorTransientError, match="malformed"):
            await DeepgramSpeechToText(s).transcribe(audio, "en")
    finally:
        await s.aclose()


async def test_a_vendor_that_does_not_answer_in_time_is_transient(
    fake_vendors: FakeVendors, audio: Path
) -> None:
    fake_vendors.script("listen", *[Reply(200, b"{}", delay_s=1.0)] * 3)
    s = session("deepgram", fake_vendors.url, timeout_s=0.2)
    try:
        with pytest.raises(VendorTransientError, match="timed out"):
            await DeepgramSpeechToText(s).transcribe(audio, "en")
    finally:
        await s.aclose()
