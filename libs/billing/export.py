"""A billing export: the period's events, as lines, through one format's writer."""

from typing import BinaryIO

import asyncpg

from libs.billing.formats import Format, writer
from libs.billing.lines import billing_lines
from libs.billing.reader import Period, billed_events
from libs.billing.totals import Totals
from libs.events.collector_pause import collector_paused


async def export_period(
    conn: asyncpg.Connection, period: Period, fmt: Format, out: BinaryIO
) -> Totals:
    """Write every billing line of `period` to `out` in `fmt`; returns what was written."""
    totals = Totals()
    w = writer(fmt, out)
    with collector_paused():
        async for events in billed_events(conn, period):
            lines = [line for e in events for line in billing_lines(e)]
            for line in lines:
                totals.add(line)
            w.write(lines)
    w.close()
    return totals
