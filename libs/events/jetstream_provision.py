"""Provisioning on NATS JetStream: the events' stream, the stream keeping MAX_DELIVERIES
advisories, and the durable consumers on them, created or brought up to date."""

import asyncio
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from libs.events.bus import ConsumerSpec
from libs.events.wire import subject_for

ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
# "Consumer replica count exceeds parent stream": the stream's scale-up is still under way.
REPLICAS_EXCEED_STREAM = 10126
SCALE_UP_WAIT_S = 30.0


def advisories_stream(stream: str) -> str:
    """The stream keeping `stream`'s MAX_DELIVERIES advisories."""
    return f"{stream}_ADVISORIES"


def events_stream_config(
    stream: str, prefix: str, duplicate_window_s: float, replicas: int
) -> StreamConfig:
    """The events' stream: every subject under `prefix`, on file, deduplicated by message id."""
    return StreamConfig(
        name=stream,
        subjects=[f"{prefix}.>"],
        storage=StorageType.FILE,
        duplicate_window=duplicate_window_s,
        num_replicas=replicas,
    )


def advisories_stream_config(stream: str, replicas: int) -> StreamConfig:
    """Advisories are fire-and-forget core messages; keeping them in a stream means a stage
    that was down when one was sent still turns it into a failure event."""
    return StreamConfig(
        name=advisories_stream(stream),
        subjects=[f"{ADVISORY}.{stream}.*"],
        storage=StorageType.FILE,
        max_age=7 * 24 * 3600,
        num_replicas=replicas,
    )


def consumer_config(spec: ConsumerSpec, prefix: str, replicas: int) -> ConsumerConfig:
    """The durable consumer a stage reads its event types through."""
    subjects = [subject_for(prefix, t) for t in spec.event_types]
    return ConsumerConfig(
        durable_name=spec.name,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=spec.ack_wait_s,
        max_deliver=spec.max_deliver,
        max_ack_pending=10_000,
        num_replicas=replicas,
        **_filter(subjects),
    )


def exhausted_config(spec: ConsumerSpec, stream: str, replicas: int) -> ConsumerConfig:
    """The durable consumer of the advisories naming `spec`'s consumer on `stream`."""
    return ConsumerConfig(
        durable_name=f"{spec.name}_exhausted",
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=spec.ack_wait_s,
        # A failure event that cannot be written after this many tries is logged, not
        # retried forever.
        max_deliver=20,
        filter_subject=f"{ADVISORY}.{stream}.{spec.name}",
        num_replicas=replicas,
    )


def _filter(subjects: list[str]) -> dict[str, Any]:
    # One subject works on every server; several need NATS 2.10+.
    if len(subjects) == 1:
        return {"filter_subject": subjects[0]}
    return {"filter_subjects": subjects}


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


async def ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    # Creating a durable that exists is idempotent, so every replica may call this; the
    # server brings an existing durable's editable settings (ack wait, max deliver,
    # replicas) to these.
    deadline = asyncio.get_running_loop().time() + SCALE_UP_WAIT_S
    while True:
        try:
            await js.add_consumer(stream, config)
            return
        except BadRequestError as exc:
            # Replicas raised (e.g. 1 -> 3): the stream's update was accepted, but the
            # server takes a moment to apply it before consumers may follow.
            if exc.err_code != REPLICAS_EXCEED_STREAM:
                raise
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
