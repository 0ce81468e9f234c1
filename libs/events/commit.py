"""What one append asks for, and the pure planning that turns it into log records."""

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from libs.events.envelope import NewEvent, RecordedEvent
from libs.events.job_policy import react
from libs.events.job_view import JobView, evolve


@dataclass(frozen=True, slots=True)
class HandledKey:
    """Marks "this consumer handled this causing event (and work item)"."""

    consumer: str
    key: str


@dataclass(frozen=True, slots=True)
class Commit:
    """Events for one job, appended atomically with their idempotency marker."""

    job_id: UUID
    events: Sequence[NewEvent]
    expected_version: int | None = None
    handled: HandledKey | None = None


@dataclass(slots=True)
class Plan:
    """Records to insert and the views they produce; one list of records per commit."""

    records: list[RecordedEvent] = field(default_factory=list)
    per_commit: list[list[RecordedEvent] | None] = field(default_factory=list)
    views: dict[UUID, JobView] = field(default_factory=dict)


class ConcurrencyError(RuntimeError):
    """An append expected a stream version the stream no longer has."""


def duplicates(commits: Sequence[Commit], claimed: Collection[HandledKey]) -> list[bool]:
    """Per commit, whether its handled key was taken: before (not claimed) or by an
    earlier commit of the same batch (a claimed key covers one commit)."""
    fresh = set(claimed)
    out: list[bool] = []
    for c in commits:
        out.append(c.handled is not None and c.handled not in fresh)
        if c.handled is not None:
            fresh.discard(c.handled)
    return out


def plan_commits(
    commits: Sequence[Commit],
    views: Mapping[UUID, JobView],
    duplicate: Sequence[bool],
    positions: Iterator[int],
    recorded_at: datetime,
) -> Plan:
    """Assign seq and positions, fold views, and add the policy's follow-up events."""
    plan = Plan(views=dict(views))
    for commit, is_duplicate in zip(commits, duplicate, strict=True):
        if is_duplicate:
            plan.per_commit.append(None)
            continue
        view = plan.views.get(commit.job_id)
        version = view.version if view else 0
        if commit.expected_version is not None and commit.expected_version != version:
            raise ConcurrencyError(
                f"job {commit.job_id} is at version {version}, "
                f"not the expected {commit.expected_version}"
            )
        recorded: list[RecordedEvent] = []
        queue = list(commit.events)
        while queue:
            new = queue.pop(0)
            version += 1
            event = RecordedEvent(
                position=next(positions),
                event_id=new.event_id,
                job_id=commit.job_id,
                seq=version,
                payload=new.payload,
                correlation_id=new.correlation_id,
                causation_id=new.causation_id,
                user_id=new.user_id,
                occurred_at=new.occurred_at,
                recorded_at=recorded_at,
            )
            view = evolve(view, event)
            recorded.append(event)
            queue.extend(new.caused(follow_up) for follow_up in react(view, event))
        if view is not None:
            plan.views[commit.job_id] = view
        plan.records.extend(recorded)
        plan.per_commit.append(recorded)
    return plan
