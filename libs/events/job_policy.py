"""What the log itself decides after an event: failures propagate, finished jobs complete.

Run inside the append transaction, under the append lock, so two stages finishing the
last two languages at once still produce exactly one `job.completed`.
"""

from libs.events.catalogue import (
    DubReady,
    JobCompleted,
    JobFailed,
    LanguageFailed,
    Payload,
    StageFailed,
)
from libs.events.envelope import RecordedEvent
from libs.events.job_view import TERMINAL_TASK, JobView


def react(view: JobView, event: RecordedEvent) -> list[Payload]:
    """Follow-up payloads owed after `event` was applied to `view`."""
    if view.terminal:
        return []
    p = event.payload
    if isinstance(p, StageFailed):
        if p.language is None:
            return [JobFailed(stage=p.stage, reason=p.reason)]
        task = view.tasks.get(p.language)
        if task is not None and task.status not in TERMINAL_TASK:
            return [LanguageFailed(language=p.language, stage=p.stage, reason=p.reason)]
        return []
    if isinstance(p, DubReady | LanguageFailed):
        tasks = view.tasks.values()
        if all(t.status in TERMINAL_TASK for t in tasks):
            done = [t.language for t in tasks if t.status == "dubbed"]
            failed = [t.language for t in tasks if t.status == "failed"]
            if done:
                return [JobCompleted(languages=done, failed_languages=failed)]
            return [JobFailed(stage="all languages", reason="every target language failed")]
    return []
