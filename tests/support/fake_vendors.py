"""A local HTTP fake of Deepgram, OpenAI and ElevenLabs speaking their documented wire
formats, on 127.0.0.1 in a thread of its own (so separate stage processes can call it too).

Every request is recorded; a test scripts answers (rate limits, server errors, malformed
bodies) per route, or lets the default answer: a plausible success.
"""

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SAMPLE_RATE = 24_000
SECONDS_PER_CHARACTER = 0.06


@dataclass(frozen=True)
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Reply:
    """A scripted answer."""

    status: int = 200
    body: bytes | str | dict[str, object] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Route_ = str  # "listen", "speak", "chat", "elevenlabs"


def _silence(characters: int, rate: int) -> bytes:
    """PCM whose length grows with the text, like speech would."""
    seconds = max(0.2, characters * SECONDS_PER_CHARACTER)
    return bytes(2 * round(seconds * rate))


def listen_body(duration: float = 4.0) -> dict[str, object]:
    """A documented `/v1/listen` answer with utterances, words and two speakers."""
    words_a = [
        {
            "word": "hello",
            "start": 0.1,
            "end": 0.5,
            "confidence": 0.99,
            "speaker": 0,
            "speaker_confidence": 0.8,
            "punctuated_word": "Hello,",
        },
        {
            "word": "world",
            "start": 0.55,
            "end": 1.0,
            "confidence": 0.97,
            "speaker": 0,
            "speaker_confidence": 0.8,
            "punctuated_word": "world.",
        },
    ]
    words_b = [
        {
            "word": "good",
            "start": 1.6,
            "end": 1.9,
            "confidence": 0.95,
            "speaker": 1,
            "speaker_confidence": 0.7,
            "punctuated_word": "Good",
        },
        {
            "word": "morning",
            "start": 1.95,
            "end": 2.5,
            "confidence": 0.93,
            "speaker": 1,
            "speaker_confidence": 0.7,
            "punctuated_word": "morning!",
        },
    ]
    return {
        "metadata": {
            "transaction_key": "deprecated",
            "request_id": "a1b2c3",
            "sha256": "0" * 64,
            "created": "2025-01-01T00:00:00.000Z",
            "duration": duration,
            "channels": 1,
            "models": ["model-uuid"],
            "model_info": {
                "model-uuid": {"name": "general-nova-3", "version": "x", "arch": "nova-3"}
            },
        },
        "results": {
            "channels": [
                {
                    "alternatives": [
                        {
                            "transcript": "Hello, world. Good morning!",
                            "confidence": 0.97,
                            "words": words_a + words_b,
                        }
                    ]
                }
            ],
            "utterances": [
                {
                    "start": 0.1,
                    "end": 1.0,
                    "confidence": 0.98,
                    "channel": 0,
                    "transcript": "Hello, world.",
                    "words": words_a,
                    "speaker": 0,
                    "id": "u1",
                },
                {
                    "start": 1.6,
                    "end": 2.5,
                    "confidence": 0.94,
                    "channel": 0,
                    "transcript": "Good morning!",
                    "words": words_b,
                    "speaker": 1,
                    "id": "u2",
                },
            ],
        },
    }


def numbered_listen_body(lines: int, slot_s: float = 3.0) -> dict[str, object]:
    """A `/v1/listen` answer with `lines` distinct utterances, `slot_s` apart, two speakers."""
    body = listen_body(duration=lines * slot_s)
    utterances = []
    for i in range(lines):
        start, end = i * slot_s + 0.1, i * slot_s + slot_s - 0.5
        text = f"This is line number {i}."
        words = [
            {"word": w.strip(".").lower(), "start": start + k * 0.3, "end": start + k * 0.3 + 0.25,
             "confidence": 0.9, "speaker": i % 2, "punctuated_word": w}
            for k, w in enumerate(text.split())
        ]  # fmt: skip
        utterances.append(
            {"start": start, "end": end, "confidence": 0.9, "channel": 0, "transcript": text,
             "words": words, "speaker": i % 2, "id": f"u{i}"}
        )  # fmt: skip
    results = body["results"]
    assert isinstance(results, dict)
    results["utterances"] = utterances
    return body


def fake_translation(text: str) -> str:
    """What the fake model answers for a line: marked, so tests can tell it apart."""
    return f"«{text}»"


def chat_completion(
    content: str, model: str, prompt_tokens: int, completion_tokens: int
) -> dict[str, object]:
    """A documented chat completion object."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _answer_chat(request_body: dict[str, object]) -> dict[str, object]:
    """Translate (mark) every line of the last user message's JSON, keeping ids; a line
    asked to be shortened comes back cut to its budget."""
    messages = request_body["messages"]
    assert isinstance(messages, list)
    user = json.loads(messages[-1]["content"])
    out = []
    for line in user["lines"]:
        text = fake_translation(line["text"])
        budget = line.get("max_chars")
        if user.get("task") == "shorten" and budget:
            text = line["text"][: max(1, budget)]
        out.append({"id": line["id"], "text": text})
    content = json.dumps({"translations": out})
    model = str(request_body.get("model"))
    return chat_completion(content, model, len(messages[-1]["content"]) // 4, len(content) // 4)


class FakeVendors:
    """The fake server; `url` is its base URL once started."""

    def __init__(self, *, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        # When set, `/v1/listen` answers this many distinct utterances.
        self.listen_lines: int | None = None
        self.requests: list[Recorded] = []
        self.scripts: dict[Route_, deque[Reply]] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- scripting -------------------------------------------------------------------------

    def script(self, route: Route_, *replies: Reply) -> None:
        """Answer the next requests on `route` with `replies`, then the default again."""
        self.scripts.setdefault(route, deque()).extend(replies)

    def calls(self, route: Route_) -> list[Recorded]:
        return [r for r in self.requests if _route_of(r.path) == route]

    # -- serving ---------------------------------------------------------------------------

    def stats(self) -> dict[str, object]:
        """Calls per route and the most in flight at once."""
        routes: dict[str, int] = {}
        for r in self.requests:
            routes[_route_of(r.path)] = routes.get(_route_of(r.path), 0) + 1
        return {"calls": routes, "max_in_flight": self.max_in_flight}

    async def _handle(self, request: Request) -> Response:
        if request.url.path == "/_fake/stats":
            return JSONResponse(self.stats())
        body = await request.body()
        recorded = Recorded(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        route = _route_of(recorded.path)
        with self._lock:
            self.requests.append(recorded)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            scripted = self.scripts.get(route)
            reply = scripted.popleft() if scripted else None
        try:
            await asyncio.sleep(self.latency_s + (reply.delay_s if reply else 0.0))
            if reply is not None:
                return _response(reply)
            return self._default(route, recorded)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _default(self, route: Route_, recorded: Recorded) -> Response:
        if route == "listen":
            if self.listen_lines is not None:
                return JSONResponse(numbered_listen_body(self.listen_lines))
            return JSONResponse(listen_body())
        if route == "speak":
            text = json.loads(recorded.body)["text"]
            rate = int(float(recorded.query.get("sample_rate", SAMPLE_RATE)))
            return Response(_silence(len(text), rate), media_type="audio/l16")
        if route == "chat":
            return JSONResponse(_answer_chat(json.loads(recorded.body)))
        if route == "elevenlabs":
            text = json.loads(recorded.body)["text"]
            fmt = recorded.query.get("output_format", "pcm_24000")
            rate = int(fmt.split("_")[1]) if fmt.startswith("pcm_") else SAMPLE_RATE
            return Response(_silence(len(text), rate), media_type="application/octet-stream")
        return JSONResponse({"err_msg": "no such route"}, status_code=404)

    def start(self) -> "FakeVendors":
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="fake-vendors")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake vendor server did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


def _route_of(path: str) -> Route_:
    if path == "/v1/listen":
        return "listen"
    if path == "/v1/speak":
        return "speak"
    if path.endswith("/chat/completions"):
        return "chat"
    if re.fullmatch(r"/v1/text-to-speech/[^/]+", path):
        return "elevenlabs"
    return "other"


def _response(reply: Reply) -> Response:
    if isinstance(reply.body, dict):
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)
    return Response(reply.body, status_code=reply.status, headers=reply.headers)


Factory = Callable[..., FakeVendors]


def main() -> None:
    """`python -m tests.support.fake_vendors --latency-ms N`: serve until killed, printing the
    URL first (so a benchmark can run the vendor in a process of its own, as it would be)."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeVendors(latency_s=args.latency_ms / 1000).start()
    sys.stdout.write(fake.url + "\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    fake.stop()


if __name__ == "__main__":
    main()
