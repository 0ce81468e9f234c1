"""How long "(consumer, causing event) handled" keys are kept: past any redelivery."""

from datetime import datetime, timedelta

from libs.events.event_log import EventLog


async def forget_old_handled(log: EventLog, now: datetime, horizon: timedelta) -> int:
    """Drop handled keys older than `horizon`; returns how many went.

    A key only has to outlive the redeliveries of its message, which end within
    max_deliver x (ack wait + backoff) - minutes - and a relay's late republish, bounded
    by the outbox grace and the relay interval; the horizon is days, far beyond both.
    """
    return await log.forget_handled(now - horizon)
