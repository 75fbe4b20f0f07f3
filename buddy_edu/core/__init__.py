"""The allocator core: pure Python, standard library only."""

from .allocator import BuddyAllocator
from .errors import BuddyError, InvalidRequest, OutOfMemory
from .model import Block, Event, Operation, Stats, describe
from .units import format_size, parse_size

__all__ = [
    "Block", "BuddyAllocator", "BuddyError", "Event", "InvalidRequest", "Operation",
    "OutOfMemory", "Stats", "describe", "format_size", "parse_size",
]
