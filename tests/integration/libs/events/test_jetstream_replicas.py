"""Stream and consumers at the replica count of the settings, on a real NATS cluster."""

from libs.events.bus import ConsumerSpec
from libs.events.jetstream_bus import JetStreamBus
from libs.servers.nats_cluster import NatsCluster

SPEC = ConsumerSpec(
    name="transcriber", event_types=("job.submitted",), max_deliver=5, ack_wait_s=30
)


async def _replicas(bus: JetStreamBus) -> tuple[int | None, int | None, int | None]:
    stream = await bus.js.stream_info(bus.stream)
    advisories = await bus.js.stream_info(f"{bus.stream}_ADVISORIES")
    consumer = await bus.js.consumer_info(bus.stream, SPEC.name)
    return stream.config.num_replicas, advisories.config.num_replicas, consumer.config.num_replicas


async def test_replicas_are_provisioned_and_raised_on_a_running_cluster(
    nats_cluster: NatsCluster,
) -> None:
    one = await JetStreamBus.connect(nats_cluster.url, "REP", "rep", replicas=1)
    await one.provision()
    await (await one.subscribe(SPEC)).close()
    assert await _replicas(one) == (1, 1, 1)
    await one.close()
    # A rolling deploy with REDUB_STREAM_REPLICAS=3: the next process to start raises both.
    three = await JetStreamBus.connect(nats_cluster.urls, "REP", "rep", replicas=3)
    await three.provision()
    await (await three.subscribe(SPEC)).close()
    assert await _replicas(three) == (3, 3, 3)
    await three.close()
