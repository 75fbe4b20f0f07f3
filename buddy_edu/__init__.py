"""buddy-edu: a teaching kit for the buddy-system memory allocator.

Importing the package loads only the pure-Python core; the pictures
(graphviz) and the Stepper (ipywidgets) load the first time they are used, so
``import buddy_edu`` stays fast and works without those packages.
"""

from __future__ import annotations

from importlib import import_module

from .core import (
    Block,
    BuddyAllocator,
    BuddyError,
    Event,
    InvalidRequest,
    Operation,
    OutOfMemory,
    Stats,
    describe,
    format_size,
    parse_size,
)
from .core.script import ScriptError, run_script
from .core.tree import Node, format_tree, tree_nodes

__version__ = "0.1.0"

_LAZY = {"Stepper": "buddy_edu.widget", "render": "buddy_edu.render",
         "exercises": "buddy_edu.exercises"}

__all__ = [
    "Block", "BuddyAllocator", "BuddyError", "Event", "InvalidRequest", "Node",
    "Operation", "OutOfMemory", "ScriptError", "Stats", "Stepper", "describe", "exercises",
    "format_size", "format_tree", "parse_size", "render", "run_script", "tree_nodes",
]


def __getattr__(name: str):
    if name in _LAZY:
        module = import_module(_LAZY[name])
        return module if module.__name__.endswith(name) else getattr(module, name)
    raise AttributeError(f"module 'buddy_edu' has no attribute {name!r}")
