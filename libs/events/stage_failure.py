"""What a stage's failure event says: the stage, the item's language and a bounded reason."""

from libs.events.catalogue import StageFailed
from libs.events.handler_tries import HandlerTimedOut
from libs.events.stage import P, Stage


def failure_reason(exc: BaseException) -> str:
    """What went wrong, for a failure event: the error's type and message, bounded."""
    text = str(exc) if isinstance(exc, HandlerTimedOut) else f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 500 else text[:497] + "..."


def stage_failure(
    stage: Stage[P], payload: P, item: str, reason: str, attempts: int
) -> StageFailed:
    """The failure event of one item of `payload` after `attempts` deliveries."""
    return StageFailed(
        stage=stage.name,
        language=stage.language_of(payload, item),
        reason=reason,
        attempts=attempts,
    )


def item_language(stage: Stage[P], payload: P, item: str) -> str | None:
    """The item's language for the logs; a stage that cannot tell is not an error here."""
    try:
        return stage.language_of(payload, item)
    except Exception:
        return None
