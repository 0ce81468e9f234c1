"""Translation with OpenAI chat completions (or any OpenAI-compatible server) through
`openai`: whole-context batches, structured JSON keeping ids, a glossary, length budgets."""

import asyncio
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import httpx2
import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable, merge_usage
from libs.events.catalogue import Usage
from libs.translation.openai_request import (
    RESPONSE_FORMAT,
    UnreadableAnswer,
    plan_batches,
    read_answer,
    shorten_messages,
    translate_messages,
)
from libs.translation.provider import SourceLine, Translation
from libs.vendors.errors import VendorTransientError, from_status, malformed
from libs.vendors.result_cache import content_key, current_cache
from libs.vendors.retry import parse_retry_after
from libs.vendors.session import VendorSession

VENDOR = "openai"


class OpenAITranslator:
    """Each batch is one request, paid once: its answer is kept by content key in the
    cache of the work in hand, when the stage set one."""

    name = VENDOR

    def __init__(
        self,
        session: VendorSession,
        *,
        model: str = "gpt-4.1-mini",
        batch_lines: int = 40,
        context_lines: int = 15,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self.model: str | None = model
        self._model = model
        self._session = session
        self._batch_lines = batch_lines
        self._context_lines = context_lines
        self._prices = prices
        config = session.config
        http = httpx2.AsyncClient(
            timeout=httpx2.Timeout(config.timeout_s, connect=config.connect_timeout_s)
        )
        session.on_close(http.aclose)
        self._client = AsyncOpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            http_client=http,
            max_retries=0,  # ours apply, with the vendor's Retry-After
            timeout=config.timeout_s,
        )

    def pairs(self) -> Collection[tuple[str, str]] | None:
        return None

    async def translate(
        self,
        lines: Sequence[SourceLine],
        source: str,
        target: str,
        *,
        glossary: Mapping[str, str] | None = None,
    ) -> Translation:
        batches = plan_batches(
            lines, batch_lines=self._batch_lines, context_lines=self._context_lines
        )
        done = await asyncio.gather(
            *(
                self._request("translate", translate_messages(b, source, target, glossary), b.lines)
                for b in batches
            )
        )
        return Translation(
            texts=[text for texts, _ in done for text in texts],
            usage=merge_usage(line for _, usage in done for line in usage),
        )

    async def shorten(self, line: SourceLine, language: str) -> Translation:
        texts, usage = await self._request("shorten", shorten_messages(line, language), [line])
        return Translation(texts=texts, usage=usage)

    async def _request(
        self, kind: str, messages: list[dict[str, str]], lines: Sequence[SourceLine]
    ) -> tuple[list[str], list[Usage]]:
        ids = [line.id for line in lines]
        if not lines:
            return [], []
        cache = current_cache()
        key = content_key(kind, self.name, self._model, messages, RESPONSE_FORMAT)
        if cache is not None and (hit := await cache.load(kind, key)) is not None:
            return list(json.loads(hit)), []  # paid before: costs nothing now
        # Every answer received was paid, a malformed one retried included.
        paid: list[Usage] = []

        async def attempt() -> list[str]:
            completion = await self._complete(messages)
            if not isinstance(completion, ChatCompletion):
                raise malformed(VENDOR, "the body is not a chat completion")
            if completion.usage is not None:
                paid.append(self._price("input_tokens", completion.usage.prompt_tokens))
                paid.append(self._price("output_tokens", completion.usage.completion_tokens))
            choice = completion.choices[0] if completion.choices else None
            if choice is None:
                raise malformed(VENDOR, "no choices")
            if choice.finish_reason == "length":
                raise VendorTransientError(VENDOR, "the answer was cut off at the token limit")
            try:
                return read_answer(choice.message.content, ids)
            except UnreadableAnswer as exc:
                raise malformed(VENDOR, str(exc)) from exc

        texts = await self._session.call(attempt)
        usage = merge_usage(paid)
        if cache is not None:
            await cache.store(kind, key, json.dumps(texts, ensure_ascii=False).encode())
        return texts, usage

    def _price(self, unit: Literal["input_tokens", "output_tokens"], tokens: int) -> Usage:
        return self._prices.price(VENDOR, self._model, unit, tokens)

    async def _complete(self, messages: list[dict[str, str]]) -> Any:
        try:
            return await self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self._model,
                messages=messages,
                response_format=RESPONSE_FORMAT,
                temperature=0.2,
            )
        except openai.APIStatusError as exc:
            retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
            raise from_status(VENDOR, exc.status_code, exc.body, retry_after) from exc
        except openai.APITimeoutError as exc:
            raise VendorTransientError(VENDOR, "timed out") from exc
        except openai.APIConnectionError as exc:
            raise VendorTransientError(VENDOR, "unreachable") from exc
        except openai.APIResponseValidationError as exc:
            raise malformed(VENDOR, "the body is not a chat completion") from exc
        except (json.JSONDecodeError, ValueError) as exc:
            raise malformed(VENDOR, "the body is not JSON") from exc
