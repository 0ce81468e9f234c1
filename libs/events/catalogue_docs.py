"""docs/events.md, rendered from the catalogue itself so the document cannot drift.

Every field must carry a description and every schema version a note of what it changed
(`upcasting.CHANGES`); rendering fails otherwise, and a test compares the file with a
fresh rendering.
"""

import types
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from libs.events.catalogue import CATALOGUE, Payload
from libs.events.codec import ENVELOPE_FIELDS
from libs.events.upcasting import CHANGES

COMMAND = "redub docs events --out docs/events.md"

# The envelope: the `job_events` columns around every payload (migration 0001).
ENVELOPE: dict[str, tuple[str, str]] = {
    "position": ("bigint", "Place in the whole log, from 1, gap-free, in commit order."),
    "event_id": ("uuid", "The event's identity; unique in the log."),
    "job_id": ("uuid", "The job (stream) the event belongs to."),
    "seq": ("integer", "Place in the job's stream, from 1 (`job.submitted`)."),
    "type": ("text", "The event type, one of those below."),
    "schema_version": ("integer", "Version of the payload's schema when it was written."),
    "payload": ("jsonb", "The event's fields, as listed below for its type and version."),
    "causation_id": ("uuid, null", "The event this one reacted to; null for a submission."),
    "correlation_id": ("uuid", "The request the event descends from (the job's id)."),
    "user_id": ("uuid, null", "The job's user, copied onto every event of the job."),
    "occurred_at": ("timestamptz", "When the work happened, by the producing service's clock."),
    "recorded_at": (
        "timestamptz",
        "When the event was committed to the log; billing periods are bounded by it.",
    ),
}

_SCALARS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    UUID: "uuid",
    Decimal: "decimal (a JSON string, exact)",
    datetime: "time (ISO 8601)",
    type(None): "null",
}


class UndocumentedField(ValueError):
    """A catalogue field or version without the description the docs need."""


def type_name(annotation: Any) -> str:
    """An annotation as analysts read it: JSON types, links to value types."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        names = [type_name(a) for a in get_args(annotation)]
        return " or ".join(f"({n})" if " " in n and len(names) > 1 else n for n in names)
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(annotation))
    if origin is list:
        return f"list of {type_name(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"map of {type_name(key)} to {type_name(value)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise UndocumentedField(f"no documented name for the type {annotation!r}")


def _default(model: type[BaseModel], name: str) -> str:
    field = model.model_fields[name]
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return f"default `{field.default_factory()!r}`"  # type: ignore[call-arg]
    value = field.default
    if value is PydanticUndefined:
        return "required"
    return "default `null`" if value is None else f"default `{value}`"


def _fields(model: type[BaseModel]) -> Iterator[str]:
    yield "| field | type | presence | meaning |"
    yield "|---|---|---|---|"
    for name, field in model.model_fields.items():
        if not field.description:
            raise UndocumentedField(f"{model.__name__}.{name} has no description")
        kind = type_name(field.annotation)
        yield f"| `{name}` | {kind} | {_default(model, name)} | {field.description} |"


def _doc(model: type[BaseModel]) -> str:
    if not model.__doc__:
        raise UndocumentedField(f"{model.__name__} has no docstring")
    return " ".join(model.__doc__.split())


def _value_types() -> list[type[BaseModel]]:
    """The models payloads refer to, in order of first mention."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.append(annotation)
                for f in annotation.model_fields.values():
                    visit(f.annotation)
            return
        for arg in get_args(annotation):
            visit(arg)

    for model in CATALOGUE.values():
        for f in model.model_fields.values():
            visit(f.annotation)
    return found


def _versions(model: type[Payload]) -> Iterator[str]:
    for v in range(1, model.version):
        note = CHANGES.get((model.type, v))
        if note is None:
            raise UndocumentedField(f"{model.type} version {v + 1} has no note in CHANGES")
        yield f"- version {v + 1}: {note}"


def render() -> str:
    """The whole of docs/events.md."""
    missing = set(ENVELOPE_FIELDS) ^ set(ENVELOPE)
    if missing:
        raise UndocumentedField(f"envelope columns out of step: {sorted(missing)}")
    out = [
        "# Events",
        "",
        f"<!-- Generated from libs/events/catalogue.py by `{COMMAND}`; do not edit. -->",
        "",
        "`job_events` in PostgreSQL is the record of every job: one row per event, never "
        "updated or deleted. Each row is an envelope (the columns) around a payload (a JSON "
        "object whose fields depend on `type` and `schema_version`). Payloads name stored "
        "objects by key, size and hash, never their content, so purging a job's blobs leaves "
        "its events, and its bill, as they were.",
        "",
        "Rows written by older builds keep their `schema_version`; readers lift them to the "
        "current version step by step (the version notes below say what each step changed). "
        "`redub billing export` and `redub replay` read old and new rows alike.",
        "",
        "## Envelope",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        *(f"| `{c}` | {ENVELOPE[c][0]} | {ENVELOPE[c][1]} |" for c in ENVELOPE_FIELDS),
        "",
        "## Event types",
        "",
        "| type | current version | what happened |",
        "|---|---|---|",
        *(
            f"| [`{t}`](#{t.replace('.', '')}) | {m.version} | {_doc(m)} |"
            for t, m in CATALOGUE.items()
        ),
    ]
    for t, model in CATALOGUE.items():
        out += ["", f"### {t}", "", f"{_doc(model)} Current version: {model.version}.", ""]
        out += _fields(model)
        versions = list(_versions(model))
        if versions:
            out += ["", "Versions:", "", *versions]
    out += ["", "## Value types", "", "Objects the payloads hold."]
    for value in _value_types():
        out += ["", f"### {value.__name__}", "", _doc(value), ""]
        out += _fields(value)
    return "\n".join(out) + "\n"
