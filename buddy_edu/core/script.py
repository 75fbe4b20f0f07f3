"""Scenario scripts: the small text format lessons, exercises and the CLI share.

    memory 1M min 64K policy lowest     # optional; these are the defaults
    A = alloc 34K                       # allocate and name the block A
    alloc 10K                           # allocate with an automatic name (P1, P2, ...)
    free A

A request that does not fit is recorded as a ``fail`` event and the script
goes on, so lessons can show the failure; anything malformed stops with a
:class:`ScriptError` naming the line and column.
"""

from __future__ import annotations

import re

from .allocator import BuddyAllocator
from .errors import InvalidRequest, OutOfMemory
from .freelists import POLICIES
from .units import parse_size

DEFAULTS = {"memory": 1024**2, "min": 64 * 1024, "policy": "lowest"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ScriptError(InvalidRequest):
    """A script line that cannot be run; ``line`` and ``column`` are 1-based."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line, self.column = line, column


def run_script(text: str, policy: str | None = None) -> BuddyAllocator:
    """Run a script and return the allocator holding its whole timeline.

    ``policy`` overrides the script's own ``policy`` setting.
    """
    if not isinstance(text, str):
        raise InvalidRequest(f"a script is text, got {type(text).__name__}")
    allocator = None
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = _tokens(raw)
        if not tokens:
            continue
        if tokens[0][1].lower() == "memory":
            if allocator is not None:
                raise ScriptError(
                    number, tokens[0][0],
                    "'memory' must come before the first alloc or free",
                )
            allocator = _memory(number, tokens, policy)
            continue
        if allocator is None:
            allocator = _make(number, 1, dict(DEFAULTS), policy)
        _operation(allocator, number, tokens)
    return allocator if allocator is not None else _make(0, 1, dict(DEFAULTS), policy)


def _tokens(line: str) -> list[tuple[int, str]]:
    """Words with their 1-based columns; ``#`` starts a comment, ``=`` is its own word."""
    line = line.split("#", 1)[0]
    return [(m.start() + 1, m.group()) for m in re.finditer(r"=|[^\s=]+", line)]


def _memory(number: int, tokens, policy: str | None) -> BuddyAllocator:
    settings = dict(DEFAULTS)
    settings["memory"] = _size(number, tokens, 1)
    rest = tokens[2:]
    if len(rest) % 2:
        raise ScriptError(number, rest[-1][0], f"{rest[-1][1]!r} needs a value after it")
    for (column, key), (vcolumn, value) in zip(rest[::2], rest[1::2], strict=True):
        key = key.lower()
        if key == "min":
            settings["min"] = _size(number, [(column, key), (vcolumn, value)], 1)
        elif key == "policy":
            settings["policy"] = value.lower()
        else:
            raise ScriptError(
                number, column, f"unknown setting {key!r}: use 'min SIZE' or 'policy NAME'"
            )
    return _make(number, tokens[0][0], settings, policy)


def _make(number: int, column: int, settings: dict, policy: str | None) -> BuddyAllocator:
    chosen = policy or settings["policy"]
    if chosen not in POLICIES:
        raise ScriptError(number, column, f"unknown policy {chosen!r}: use {', '.join(POLICIES)}")
    try:
        return BuddyAllocator(settings["memory"], settings["min"], chosen)
    except InvalidRequest as error:
        raise ScriptError(number, column, str(error)) from None


def _operation(allocator: BuddyAllocator, number: int, tokens) -> None:
    name = None
    if len(tokens) >= 2 and tokens[1][1] == "=":
        column, name = tokens[0]
        if not _NAME.match(name):
            raise ScriptError(number, column, f"{name!r} is not a name: use letters, digits and _")
        tokens = tokens[2:]
        if not tokens:
            raise ScriptError(number, column, "expected 'alloc SIZE' after '='")
    column, verb = tokens[0]
    verb = verb.lower()
    try:
        if verb in ("alloc", "allocate"):
            if len(tokens) != 2:
                raise ScriptError(number, column, "expected 'alloc SIZE', e.g. 'A = alloc 34K'")
            try:
                allocator.allocate(_size(number, tokens, 1), name)
            except OutOfMemory:
                pass  # recorded as a fail event: the lesson shows it
        elif verb == "free":
            if name is not None or len(tokens) != 2:
                raise ScriptError(number, column, "expected 'free NAME', e.g. 'free A'")
            allocator.free(tokens[1][1])
        else:
            raise ScriptError(
                number, column, f"unknown command {verb!r}: use memory, alloc or free"
            )
    except ScriptError:
        raise
    except InvalidRequest as error:
        raise ScriptError(number, column, str(error)) from None


def _size(number: int, tokens, at: int) -> int:
    if len(tokens) <= at:
        raise ScriptError(number, tokens[-1][0], "expected a size like 64, 64K, 1M or 2G")
    column, text = tokens[at]
    try:
        return parse_size(text)
    except InvalidRequest as error:
        raise ScriptError(number, column, str(error)) from None
