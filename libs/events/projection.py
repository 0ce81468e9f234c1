"""Projections of stored payloads: only the fields a reader needs, for replays of the log.

PostgreSQL cuts each current-version payload down to the named fields (less to send and
to parse), and they are validated into a subclass of the payload's model whose other
fields are left None. Older versions, and types not named, come whole and are upcast and
validated as any reader would, so a projection never changes what is read, only how much.
"""

from collections.abc import Collection, Mapping
from typing import Any

import orjson
from pydantic import create_model

from libs.events.catalogue import CATALOGUE, Payload
from libs.events.codec import payload_from_json
from libs.events.upcasting import upcast


class Projection:
    """The named fields of each named event type, read from `job_events.payload`."""

    def __init__(self, fields: Mapping[str, Collection[str]]) -> None:
        self.fields = {t: tuple(names) for t, names in fields.items()}
        self._models = {t: _projected(CATALOGUE[t], names) for t, names in self.fields.items()}
        # Types named with every field they have: nothing to cut, so PostgreSQL sends them
        # as they are rather than building a copy of each.
        self._whole = {
            t for t, names in self.fields.items() if CATALOGUE[t].model_fields.keys() <= set(names)
        }

    def sql(self) -> str:
        """A SQL expression of a `job_events` row's payload as text, projected if current."""
        cases = " ".join(
            f"WHEN '{t}' THEN CASE schema_version WHEN {CATALOGUE[t].version} THEN "
            + "jsonb_build_object("
            + ", ".join(f"'{name}', payload->'{name}'" for name in names)
            + ")::text ELSE payload::text END"
            for t, names in self.fields.items()
            if t not in self._whole
        )
        # Branching on the type, then the version (no string built per row to compare).
        return f"CASE type {cases} ELSE payload::text END" if cases else "payload::text"

    def payload(self, event_type: str, version: int, raw: str | bytes) -> Payload:
        """The payload of a row selected with `sql()`; when it was projected, an instance of
        its type with every other field None."""
        projected = self._models.get(event_type)
        if projected is not None and version == projected.version:
            return projected.model_validate_json(raw)
        return payload_from_json(event_type, version, raw)

    def values(self, event_type: str, version: int, raw: str | bytes) -> dict[str, Any]:
        """The payload of a row selected with `sql()` as plain JSON values, upcast to the
        current version (projected fields only when it was projected)."""
        return upcast(event_type, version, orjson.loads(raw))


def _projected(model: type[Payload], names: Collection[str]) -> type[Payload]:
    """`model` with every field but `names` optional and None (an `isinstance` of it)."""
    others: dict[str, Any] = {n: (Any, None) for n in model.model_fields if n not in names}
    projected: type[Payload] = create_model(f"{model.__name__}Projected", __base__=model, **others)
    return projected
