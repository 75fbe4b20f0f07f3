"""The values the allocator hands out: blocks, events, operations and statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import InvalidRequest
from .units import format_size

KINDS = ("split", "allocate", "free", "merge", "fail")


@dataclass(frozen=True, slots=True)
class Block:
    """A block of memory: free blocks have ``name=None`` and ``requested=0``."""

    name: str | None
    address: int
    size: int
    requested: int

    @property
    def end(self) -> int:
        """One past the last address of the block."""
        return self.address + self.size

    @property
    def waste(self) -> int:
        """Internal fragmentation: the part of the block the request did not ask for."""
        return self.size - self.requested if self.name is not None else 0


@dataclass(frozen=True, slots=True)
class Event:
    """One step of the timeline.

    ``address``/``size`` name the block the event is about: the parent for a
    ``split``, the block the buddies became for a ``merge``, the block handed
    out or returned for ``allocate``/``free``.  A ``fail`` has ``address=None``
    and the rounded size that could not be found.  ``op`` is the index of the
    operation (one allocate or free call) the event belongs to.
    """

    kind: str
    address: int | None
    size: int
    name: str | None
    requested: int
    op: int

    def describe(self) -> str:
        """One sentence for students, e.g. "Split the 256K block at 256K into ..."."""
        return describe(self)

    def to_dict(self) -> dict:
        """Plain data, as stored in the timeline JSON."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Operation:
    """One call recorded in a timeline: ``allocate`` of ``size`` units under ``name``, or
    ``free`` of ``name`` (``size`` is None).

    A run is its list of operations: the core is deterministic, so recording them
    again on an allocator of the same size and policy gives the same events (a
    request that failed fails again).  See :meth:`BuddyAllocator.operations` and
    :meth:`BuddyAllocator.replay`.
    """

    kind: str
    name: str
    size: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("allocate", "free"):
            raise InvalidRequest(
                f"an operation's kind must be 'allocate' or 'free', got {self.kind!r}"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidRequest(
                f"an operation's name must be a non-empty string such as 'A', got {self.name!r}"
            )
        if self.kind == "free":
            if self.size is not None:
                raise InvalidRequest(f"a free takes no size, got {self.size!r}")
        elif isinstance(self.size, bool) or not isinstance(self.size, int) or self.size <= 0:
            raise InvalidRequest(
                f"an allocation's size must be a positive integer, got {self.size!r}"
            )

    def to_dict(self) -> dict:
        """Plain data, as stored in the timeline JSON."""
        if self.kind == "free":
            return {"op": "free", "name": self.name}
        return {"op": "allocate", "name": self.name, "size": self.size}

    @classmethod
    def from_dict(cls, data: object) -> Operation:
        """The operation :meth:`to_dict` wrote; :class:`InvalidRequest` says what is wrong."""
        if not isinstance(data, dict):
            raise InvalidRequest(
                f"an operation must be a JSON object, got {type(data).__name__} {data!r}"
            )
        kind = data.get("op")
        if kind not in ("allocate", "free"):
            raise InvalidRequest(f'"op" must be "allocate" or "free", got {kind!r}')
        return cls(kind, data.get("name"), data.get("size") if kind == "allocate" else None)


def describe(event: Event) -> str:
    """Narrate an event in one sentence."""
    size, at = format_size(event.size), _where(event.address)
    who = f" for {event.name}" if event.name else ""
    if event.kind == "split":
        half = event.size // 2
        return (
            f"Split the {size} block at {at} into buddies at {at} and "
            f"{format_size(event.address + half)}{who}."
        )
    if event.kind == "allocate":
        waste = event.size - event.requested
        tail = f", wasting {format_size(waste)} inside the block" if waste else ""
        return (
            f"Allocate the {size} block at {at} to {event.name} "
            f"(requested {format_size(event.requested)}{tail})."
        )
    if event.kind == "free":
        return f"Free {event.name}: the {size} block at {at} is free again."
    if event.kind == "merge":
        half = event.size // 2
        return (
            f"Merge the buddies at {at} and {format_size(event.address + half)} "
            f"into one free {size} block at {at}."
        )
    return (
        f"Cannot allocate {format_size(event.requested)}{who}: no free block of "
        f"{size} or larger."
    )


def _where(address: int | None) -> str:
    return "nowhere" if address is None else format_size(address)


@dataclass(frozen=True, slots=True)
class Stats:
    """How well memory is used at one moment.

    ``external_fragmentation`` is ``1 - largest_free / free``: 0 when all free
    memory is one block, close to 1 when it is scattered in small pieces.
    """

    total: int
    allocated: int
    requested: int
    internal_fragmentation: int
    free: int
    largest_free: int
    external_fragmentation: float

    def to_dict(self) -> dict:
        """Plain data for tables and JSON."""
        return asdict(self)
