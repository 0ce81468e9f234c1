"""Scale-out on a real three-server NATS cluster: the stream and consumers at R3 outlive a
SIGKILLed server mid-run; every job completes and every step happens once."""

import asyncio
from pathlib import Path
from typing import Any

import nats

from libs.servers.nats_cluster import NatsCluster, NatsClusterNode
from redub.runtime.dev_stack import DevStack
from tests.support.api import (
    INSTANT,
    client,
    event_counts,
    expected_counts,
    submit,
    upload,
    wait_finished,
)
from tests.support.media import silent_voice_and_bed

LANGUAGES = ["fr", "de"]
STAGES = ("transcriber", "translator", "synthesizer", "mixer", "janitor")


async def _replication(cluster: NatsCluster, stream: str) -> tuple[int, str, list[int]]:
    """The stream's replica count and leader, and every consumer's replica count."""
    nc = await nats.connect(servers=cluster.urls)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        assert info.cluster is not None and info.cluster.leader is not None
        for _ in range(100):  # every stage has bound its consumer
            if len(consumers := await js.consumers_info(stream)) >= len(STAGES):
                break
            await asyncio.sleep(0.2)
        return (
            info.config.num_replicas or 1,
            info.cluster.leader,
            [c.config.num_replicas or 0 for c in consumers],
        )
    finally:
        await nc.close()


def test_pipeline_survives_a_killed_cluster_server(
    nats_cluster: NatsCluster,
    database_url: str,
    stream_prefix: str,
    tmp_path: Path,
    make_stack: Any,  # last: its services stop before the servers they use
) -> None:
    stack: DevStack = make_stack(
        nats_cluster.url, database_url, stream_prefix, REDUB_STREAM_REPLICAS="3", **INSTANT
    )
    voice, bed = silent_voice_and_bed(tmp_path, 2.0)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        v, b = upload(c, voice), upload(c, bed)
        jobs = [submit(c, v, b, LANGUAGES)["job_id"] for _ in range(3)]
        replicas, leader, consumer_replicas = asyncio.run(
            _replication(nats_cluster, stream_prefix.upper())
        )
        assert replicas == 3
        assert len(consumer_replicas) == len(STAGES) and set(consumer_replicas) == {3}
        # The stream's leader dies while jobs are in flight, more arrive during the election.
        victim: NatsClusterNode = next(n for n in nats_cluster.nodes if n.name == leader)
        victim.kill()
        jobs += [submit(c, v, b, LANGUAGES)["job_id"] for _ in range(3)]
        done = [wait_finished(c, job, timeout=60) for job in jobs]
    assert [d["status"] for d in done] == ["completed"] * len(jobs)
    for job in jobs:
        assert event_counts(database_url, job) == expected_counts(LANGUAGES), job
