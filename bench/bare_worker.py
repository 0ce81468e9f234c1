"""One bare-bus worker process: pull-consume, publish the next message(s), ack.

No event store and no handler: the same hops and fan-out as the pipeline, nothing else.
Run as `python -m bench.bare_worker ROLE NATS_URL STREAM PREFIX BATCH`.
"""

import asyncio
import json
import signal
import sys
from typing import Any
from uuid import uuid4

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

# role -> (subject it consumes, what it publishes)
ROLES = {
    "transcriber": "job",
    "translator": "transcript",
    "synthesizer": "translation",
    "mixer": "speech",
}


def next_messages(
    role: str, msg: dict[str, Any], dubbed: dict[str, int]
) -> list[tuple[str, dict[str, Any]]]:
    """The (subject suffix, body) pairs a role publishes for one incoming message."""
    job, langs, pad = msg["job_id"], msg["langs"], msg["pad"]

    def body(lang: str | None) -> dict[str, Any]:
        return {"id": str(uuid4()), "job_id": job, "langs": langs, "lang": lang, "pad": pad}

    if role == "transcriber":
        return [("transcript", body(None))]
    if role == "translator":
        return [("translation", body(lang)) for lang in langs]
    if role == "synthesizer":
        return [("speech", body(msg["lang"]))]
    # mixer: one dub per language, and the job completes with its last language
    out = [("dub", body(msg["lang"]))]
    dubbed[job] = dubbed.get(job, 0) + 1
    if dubbed[job] == len(langs):
        del dubbed[job]
        out.append(("completed", body(None)))
    return out


async def work(role: str, url: str, stream: str, prefix: str, batch: int) -> None:
    """Consume until SIGTERM, with the stage runner's consumer settings and fetch size."""
    nc = await nats.connect(url, connect_timeout=5)
    js = nc.jetstream(publish_async_max_pending=4000)
    config = ConsumerConfig(
        durable_name=role,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=30.0,
        max_deliver=5,
        max_ack_pending=10_000,
        filter_subject=f"{prefix}.{ROLES[role]}",
    )
    await js.add_consumer(stream, config)
    sub = await js.pull_subscribe_bind(durable=role, stream=stream)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    dubbed: dict[str, int] = {}
    while not stop.is_set():
        try:
            msgs = await sub.fetch(batch, timeout=1.0)
        except (NatsTimeout, TimeoutError):
            continue
        out = [o for m in msgs for o in next_messages(role, json.loads(m.data), dubbed)]
        futures = [
            await js.publish_async(
                f"{prefix}.{suffix}",
                json.dumps(b, separators=(",", ":")).encode(),
                headers={"Nats-Msg-Id": b["id"]},
            )
            for suffix, b in out
        ]
        await asyncio.wait_for(asyncio.gather(*futures), timeout=10)
        for m in msgs:
            await m.ack()
    await sub.unsubscribe()
    await nc.drain()


if __name__ == "__main__":
    role, url, stream, prefix, batch = sys.argv[1:6]
    asyncio.run(work(role, url, stream, prefix, int(batch)))
