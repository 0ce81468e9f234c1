"""`redub republish --from POSITION`: rebuild the JetStream stream from job_events."""

from libs.config.settings import Settings
from libs.events.republish import republish
from redub.runtime.connections import connect


async def run_republish(settings: Settings, from_position: int) -> None:
    """Recreate the stream if missing, publish the log from `from_position`, print figures."""
    conns = await connect(settings, pool_size=2, provision=False)  # republish provisions
    try:
        existed = await conns.bus.stream_exists()
        print(
            f"stream {settings.stream_name}: "
            + ("present" if existed else "missing, created")
            + f" ({settings.stream_replicas} replica(s)); republishing from {from_position}"
        )

        reported = [0]

        def progress(sent: int, last: int) -> None:
            if sent - reported[0] >= 100_000:  # a line per 100,000 events on long runs
                reported[0] = sent
                print(f"  {sent:,} events, up to position {last}", flush=True)

        result = await republish(conns.store.log, conns.bus, from_position, progress=progress)
    finally:
        await conns.close()
    span = f"positions {result.first}-{result.last}" if result.events else "nothing to publish"
    print(
        f"republished {result.events:,} events ({span}) in {result.seconds:.2f} s "
        f"({result.events_per_s:,.0f} events/s)"
    )
