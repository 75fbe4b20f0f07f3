"""A timeline as JSON: its operations, events and position (schema ``buddy-edu-timeline``).

Loading replays the operations (rather than trusting the stored events), so a
hand-edited or corrupted file cannot produce a state that tiles memory wrongly;
it is refused with a message saying where it stopped making sense.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from .errors import InvalidRequest
from .model import Operation

SCHEMA = "buddy-edu-timeline"
SCHEMA_VERSION = 1
_FORMS = '{"op": "allocate", "name", "size"} or {"op": "free", "name"}'

Allocator = TypeVar("Allocator")


def dump(allocator: Any, indent: int | None = None) -> str:
    """The JSON text of a :class:`BuddyAllocator`'s whole timeline and position."""
    return json.dumps({
        "schema": SCHEMA, "version": SCHEMA_VERSION,
        "total": allocator.total, "min_block": allocator.min_block, "policy": allocator.policy,
        "position": allocator.position,
        "operations": [operation.to_dict() for operation in allocator.operations()],
        "events": [event.to_dict() for event in allocator.events],
    }, indent=indent)


def load(cls: type[Allocator], text: str) -> Allocator:
    """Build a ``cls`` (a BuddyAllocator) from :func:`dump` text."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise InvalidRequest(f"not a buddy-edu timeline: invalid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InvalidRequest(
            f"not a buddy-edu timeline: expected an object with \"schema\": \"{SCHEMA}\""
        )
    if data.get("version") != SCHEMA_VERSION:
        raise InvalidRequest(
            f"timeline schema version {data.get('version')!r} is not supported; "
            f"this buddy-edu reads version {SCHEMA_VERSION}"
        )
    for key in ("total", "min_block", "policy", "position", "operations"):
        if key not in data:
            raise InvalidRequest(f"timeline is missing the field {key!r}")
    allocator = cls(data["total"], data["min_block"], data["policy"])
    if not isinstance(data["operations"], list):
        raise InvalidRequest("timeline field 'operations' must be a list")
    operations = []
    for number, entry in enumerate(data["operations"]):
        try:
            operations.append(Operation.from_dict(entry))
        except InvalidRequest as error:
            raise InvalidRequest(f"operation {number} must be {_FORMS}: {error}") from None
    allocator.replay(operations)
    stored = data.get("events")
    if stored is not None:
        replayed = [event.to_dict() for event in allocator.events]
        if stored != replayed:
            pairs = zip(stored, replayed, strict=False)
            first = next((i for i, (s, r) in enumerate(pairs) if s != r),
                         min(len(stored), len(replayed)))
            raise InvalidRequest(
                f"the timeline's events differ from what its operations produce, from "
                f"event {first} on: the file was edited or is damaged"
            )
    allocator.seek(data["position"])
    return allocator
