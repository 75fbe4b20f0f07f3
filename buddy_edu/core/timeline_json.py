"""Loading a saved timeline: replay its operations and check they give its events.

Replaying (rather than trusting the stored events) means a hand-edited or
corrupted file cannot produce a state that tiles memory wrongly; it is refused
with a message saying where it stopped making sense.
"""

from __future__ import annotations

import json

from .errors import InvalidRequest, OutOfMemory


def load(cls, text: str):
    """Build a ``cls`` (a BuddyAllocator) from :meth:`BuddyAllocator.to_json` text."""
    from .allocator import SCHEMA, SCHEMA_VERSION

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
    operations = data["operations"]
    if not isinstance(operations, list):
        raise InvalidRequest("timeline field 'operations' must be a list")
    for number, op in enumerate(operations):
        if not isinstance(op, dict) or op.get("op") not in ("allocate", "free"):
            raise InvalidRequest(
                f"operation {number} must be {{\"op\": \"allocate\", \"name\", \"size\"}} "
                f"or {{\"op\": \"free\", \"name\"}}, got {op!r}"
            )
        try:
            if op["op"] == "allocate":
                allocator.allocate(op.get("size"), op.get("name"))
            else:
                allocator.free(op.get("name"))
        except OutOfMemory:
            pass
        except InvalidRequest as error:
            raise InvalidRequest(f"operation {number} cannot be replayed: {error}") from None
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
