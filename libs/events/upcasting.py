"""Reads stored payloads of any schema version as the current payload models.

History is never edited: a new schema version adds an upcaster from the version before it,
and old rows are lifted on read.
"""

from collections.abc import Callable, Mapping
from typing import Any

from libs.events.catalogue import CATALOGUE, Payload

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _no_brief(payload: dict[str, Any]) -> dict[str, Any]:
    # Version 1 of the stage events did not carry the submission's facts; they stay unknown.
    return {**payload, "brief": None}


def _usage_lines(payload: dict[str, Any]) -> dict[str, Any]:
    # Version 2 held one unpriced usage (or none) with `cost_usd`; version 3 holds priced lines.
    old = payload.get("usage")
    if old is None:
        return {**payload, "usage": []}
    cost = old.get("cost_usd", "0")
    line = {k: v for k, v in old.items() if k != "cost_usd"}
    return {**payload, "usage": [{**line, "amount": cost}]}


# (event type, from version) -> function lifting a payload to version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("transcript.ready", 1): _no_brief,
    ("translation.ready", 1): _no_brief,
    ("speech.ready", 1): _no_brief,
    ("transcript.ready", 2): _usage_lines,
    ("translation.ready", 2): _usage_lines,
    ("speech.ready", 2): _usage_lines,
    # Version 2 only added artifact kinds.
    ("dub.ready", 1): dict,
    # Version 1 submissions could not ask for a premium voice.
    ("job.submitted", 1): lambda payload: {**payload, "premium_voice": False},
    # Version 1 requests did not list the job's objects; the janitor purges its prefix.
    ("deletion.requested", 1): lambda payload: {**payload, "known": None},
}


class UnknownEventType(LookupError):
    """A stored event whose type this build does not know."""


class NewerSchemaVersion(LookupError):
    """A payload written by a newer build (a rolling deploy): not malformed, not for us yet."""


def decode_payload(
    event_type: str,
    version: int,
    data: Mapping[str, Any],
    upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS,
) -> Payload:
    """Validate a stored payload, upcasting it step by step to the current version."""
    model = CATALOGUE.get(event_type)
    if model is None:
        raise UnknownEventType(event_type)
    if version > model.version:
        raise NewerSchemaVersion(
            f"{event_type} version {version} (this build reads {model.version})"
        )
    payload = dict(data)
    while version < model.version:
        payload = upcasters[(event_type, version)](payload)
        version += 1
    return model.model_validate(payload)
