"""Coalescing: concurrent callers' requests share one piece of work (a transaction, a read)."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Q = TypeVar("Q")
R = TypeVar("R")
# One batch of requests -> one result (or the error of that request alone) per request.
BatchWork = Callable[[list[Q]], Awaitable[Sequence[R | BaseException]]]


class Coalescer(Generic[Q, R]):
    """While one batch is being worked on, the requests that arrive meanwhile wait and go
    in the next one: under load a batch carries many, at rest a request goes alone at once
    (no timer, no added latency)."""

    def __init__(self, work: BatchWork[Q, R], max_batch: int) -> None:
        self._work = work
        self.max_batch = max_batch
        self._queue: list[tuple[Q, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, request: Q) -> R:
        """The result of `request`, worked on with whatever else is waiting."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        # Shielded: a caller that gives up must not cancel the batch others wait on.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            try:
                results = await self._work([request for request, _ in batch])
            except BaseException as exc:  # the whole batch failed: each caller decides
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):  # cancelled at shutdown
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
