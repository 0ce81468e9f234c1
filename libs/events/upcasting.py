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
    # Version 2 held one unpriced usage (or none) with `cost_usd`; version 3 holds priced
    # lines. The line is written out whole, as a version-3 writer would have: no price
    # table, no unit price, its cost in US dollars.
    old = payload.get("usage")
    if old is None:
        return {**payload, "usage": []}
    line = {
        "vendor": old["vendor"],
        "model": old.get("model"),
        "unit": old["unit"],
        "quantity": old["quantity"],
        "unit_price": "0",
        "amount": old.get("cost_usd", "0"),
        "currency": "USD",
        "price_table": None,
    }
    return {**payload, "usage": [line]}


# (event type, from version) -> function lifting a payload to version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("transcript.ready", 1): _no_brief,
    ("translation.ready", 1): _no_brief,
    ("speech.ready", 1): _no_brief,
    ("transcript.ready", 2): _usage_lines,
    ("translation.ready", 2): _usage_lines,
    ("speech.ready", 2): _usage_lines,
    ("job.submitted", 1): lambda payload: {**payload, "options": {}},
    # Version 2 only added artifact kinds.
    ("dub.ready", 1): dict,
    # Version 1 requests did not list the job's objects; the janitor purges its prefix.
    ("deletion.requested", 1): lambda payload: {**payload, "known": None},
}


# (event type, from version) -> what version + 1 changed, for readers of the log
# (docs/events.md is generated from it; every upcaster has its note).
CHANGES: dict[tuple[str, int], str] = {
    ("transcript.ready", 1): "Adds `brief`, the submission's facts (null when upcast).",
    ("translation.ready", 1): "Adds `brief`, the submission's facts (null when upcast).",
    ("speech.ready", 1): "Adds `brief`, the submission's facts (null when upcast).",
    ("transcript.ready", 2): "`usage` becomes a list of priced lines; version 2 held one "
    "unpriced usage (or none) with `cost_usd`, upcast to one line with `amount` = `cost_usd`.",
    ("translation.ready", 2): "`usage` becomes a list of priced lines; version 2 held one "
    "unpriced usage (or none) with `cost_usd`, upcast to one line with `amount` = `cost_usd`.",
    ("speech.ready", 2): "`usage` becomes a list of priced lines; version 2 held one "
    "unpriced usage (or none) with `cost_usd`, upcast to one line with `amount` = `cost_usd`.",
    ("job.submitted", 1): "Adds `options`, the client's choices (loudness target, captions, "
    "glossary, voice map, premium voice); the defaults when upcast.",
    ("dub.ready", 1): "More artifact kinds (AAC, timeline, the transcript and translation); "
    "a version-1 reader refuses them.",
    ("deletion.requested", 1): "Adds `known`, the job's stored objects key -> bytes (null "
    "when upcast: the janitor purges the job's prefix).",
}


class UnknownEventType(LookupError):
    """A stored event whose type this build does not know."""


class NewerSchemaVersion(LookupError):
    """A payload written by a newer build (a rolling deploy): not malformed, not for us yet."""


def upcast(
    event_type: str,
    version: int,
    data: Mapping[str, Any],
    upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS,
) -> dict[str, Any]:
    """A stored payload lifted step by step to the current version, as plain JSON values.

    For readers that take a few fields of many events (billing, replay) and need no model;
    `decode_payload` validates the result into one.
    """
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
    return payload


def decode_payload(
    event_type: str,
    version: int,
    data: Mapping[str, Any],
    upcasters: Mapping[tuple[str, int], Upcaster] = UPCASTERS,
) -> Payload:
    """Validate a stored payload, upcasting it step by step to the current version."""
    payload = upcast(event_type, version, data, upcasters)  # raises on an unknown type
    return CATALOGUE[event_type].model_validate(payload)
