"""The local NATS cluster: three routed servers holding an R3 stream that outlives one."""

import asyncio

import nats
from nats.js.api import StreamConfig

from libs.servers.nats_cluster import NatsCluster


async def _roundtrip(cluster: NatsCluster) -> None:
    nc = await nats.connect(
        servers=cluster.urls, reconnect_time_wait=0.2, max_reconnect_attempts=-1
    )
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="R3T", subjects=["r3t.>"], num_replicas=3))
        info = await js.stream_info("R3T")
        assert info.config.num_replicas == 3
        assert info.cluster is not None and info.cluster.leader is not None
        assert len(info.cluster.replicas or []) == 2
        await js.publish("r3t.a", b"1")
        leader = next(n for n in cluster.nodes if n.name == info.cluster.leader)
        leader.kill()
        # The two left elect a new leader and keep the message; publishing goes on.
        for _ in range(100):
            try:
                await js.publish("r3t.a", b"2", timeout=1)
                break
            except Exception:
                await asyncio.sleep(0.1)
        info = await js.stream_info("R3T")
        assert info.state.messages == 2
        assert info.cluster is not None and info.cluster.leader != leader.name
    finally:
        await nc.close()


def test_three_servers_keep_an_r3_stream_when_its_leader_dies(nats_cluster: NatsCluster) -> None:
    assert len(nats_cluster.urls) == 3
    asyncio.run(_roundtrip(nats_cluster))
