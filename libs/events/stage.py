"""What a stage service is: `handle(payload) -> new payloads`, and nothing about the plumbing."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from libs.events.catalogue import Payload
from libs.events.runner_config import RunnerConfig
from libs.events.work import WorkItem

P = TypeVar("P", bound=Payload)


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad input, unsupported language): fail at once."""


class TransientError(Exception):
    """A failure that is nobody's fault and passes (a vendor's rate limit or bad minute,
    its own retries spent): the runner tries the work again in place, holding the message,
    so a vendor's bad minute does not use up the job's deliveries."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        # How long the vendor asked us to wait, when it said.
        self.retry_after_s = retry_after_s


class Stage(ABC, Generic[P]):
    """One step of the pipeline: consumes one payload type through one durable consumer."""

    name: ClassVar[str]
    consumes: type[P]
    # Limits that fit this stage's work; `REDUB_<STAGE>_*` variables override them.
    runner_defaults: ClassVar[RunnerConfig] = RunnerConfig()

    def work_items(self, payload: P) -> Sequence[str]:
        """Independent pieces of work in one event (e.g. its languages); each is retried,
        committed and failed on its own. One item, "", by default."""
        return ("",)

    def language_of(self, payload: P, item: str) -> str | None:
        """The language a failure of this item is about, if any."""
        return item or getattr(payload, "language", None)

    @abstractmethod
    async def handle(self, payload: P, work: WorkItem) -> Sequence[Payload]:
        """Do the work for one item of one event; return the payloads to append."""

    async def discard(self, work: WorkItem) -> None:
        """Remove what an attempt wrote that no committed event will name (it failed, or
        another worker's output was committed first)."""
