"""The application's append: claim keys, plan with the job's rules, write, in one batch.

The rules (the fold `evolve` and the policy `react`, applied by `plan_commits`) run here,
inside the adapter's batch, so they see locked views: two stages finishing a job's last
two languages at once still produce exactly one `job.completed`. Adapters only store.
"""

import itertools
from collections.abc import Sequence

from libs.events.commit import Commit, duplicates, plan_commits
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.event_log import EventLog
from libs.observability.metrics import EVENTS_APPENDED


class JobLog:
    """Appends commits to job streams through any `EventLog` adapter."""

    def __init__(self, log: EventLog) -> None:
        self.log = log

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        """Append all commits atomically; a commit whose handled key was taken yields None.

        Raises `ConcurrencyError` on a stale expected version and `StreamError` on an
        event its stream cannot take; then nothing of the batch is kept.
        """
        if not commits:
            return []
        keys = {c.handled for c in commits if c.handled is not None}
        async with self.log.batch({c.job_id for c in commits}, keys) as batch:
            plan = plan_commits(
                commits,
                batch.views,
                duplicates(commits, batch.claimed),
                itertools.count(batch.last_position + 1),
                utcnow(),
            )
            changed = dict.fromkeys(e.job_id for e in plan.records)
            await batch.write(plan.records, [plan.views[j] for j in changed])
        for e in plan.records:
            EVENTS_APPENDED.labels(e.type).inc()
        return plan.per_commit
