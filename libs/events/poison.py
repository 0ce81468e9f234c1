"""Messages that can never be handled (not ours, malformed): logged once, counted in
`redub_poison_messages_total`, and terminated so they are never redelivered."""

from typing import Any, Protocol

import structlog

from libs.observability.metrics import POISON_MESSAGES

log = structlog.get_logger()


class Terminable(Protocol):
    """A message the bus can be told never to redeliver."""

    async def term(self) -> None:
        """Settle it for good."""
        ...


async def settle_poison(
    msg: Terminable, consumer: str, kind: str, detail: str, **context: Any
) -> None:
    """Count, log and terminate `msg`; the bus being down only delays the settling."""
    POISON_MESSAGES.labels(consumer, kind).inc()
    log.error(
        "message can never be handled; settled",
        consumer=consumer,
        kind=kind,
        detail=detail,
        **context,
    )
    try:
        await msg.term()
    except Exception as exc:  # it comes back when the bus does, and is settled then
        log.warning("settling a poison message failed", error=repr(exc))
