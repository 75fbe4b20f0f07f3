"""The classic four-option menu, kept for students who know the original program.

It asks for the memory and minimum block, then loops over: allocate, remove
(by name, or by size as the original did), show the tree, exit.  Every bad
answer re-prompts with the reason; end of input exits cleanly.

Blocks are placed as the original program places them, by default: it walks
the tree leftmost first, which is the kit's ``leftmost`` policy (checked on 600
traces against the original: identical).  ``--policy`` picks another one.
"""

from __future__ import annotations

from typing import TextIO

from ..core import BuddyAllocator, InvalidRequest, OutOfMemory, format_size, parse_size
from ..core.tree import format_tree

#: The original program's placement: the first free place in a left-to-right tree walk.
CLASSIC_POLICY = "leftmost"

MENU = """
1. Allocate process into memory
2. Remove process from memory
3. Tree structure of memory allocation map
4. Exit"""


class _EndOfInput(Exception):
    pass


class _Console:
    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin, self.stdout = stdin, stdout

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def ask(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise _EndOfInput
        return line.strip()


def run_menu(stdin: TextIO, stdout: TextIO, policy: str = CLASSIC_POLICY) -> int:
    """Run the menu until option 4 or end of input; returns the exit status (0)."""
    console = _Console(stdin, stdout)
    try:
        allocator = _setup(console, policy)
        while True:
            console.say(MENU)
            choice = console.ask("Enter your choice (1-4): ")
            if choice == "1":
                _allocate(console, allocator)
            elif choice == "2":
                _remove(console, allocator)
            elif choice == "3":
                console.say(format_tree(allocator))
            elif choice == "4":
                break
            else:
                console.say(f"{choice!r} is not a choice: type 1, 2, 3 or 4.")
    except (_EndOfInput, KeyboardInterrupt):
        console.say()
    console.say("Bye.")
    return 0


def _ask_size(console: _Console, prompt: str, default: str | None = None) -> int:
    while True:
        answer = console.ask(prompt) or (default or "")
        try:
            size = parse_size(answer)
        except InvalidRequest as error:
            console.say(f"  {error}")
            continue
        if size <= 0:
            console.say("  a size must be at least 1")
            continue
        return size


def _setup(console: _Console, policy: str) -> BuddyAllocator:
    console.say("Buddy system memory allocator (sizes like 64, 64K, 1M; K = 1024)")
    if policy == CLASSIC_POLICY:
        console.say("Placement: leftmost, the tree walk of the classic program "
                    "(buddy-edu menu --policy lowest|lifo for another).")
    else:
        console.say(f"Placement: {policy} (the classic program places blocks leftmost).")
    while True:
        total = _ask_size(console, "Total memory size [1M]: ", "1M")
        min_block = _ask_size(console, "Minimum block size [64K]: ", "64K")
        if total < min_block:
            console.say(f"  a memory of {format_size(total)} is smaller than its minimum block "
                        f"({format_size(min_block)}), so it holds no block at all; please "
                        "enter both again.")
            continue
        try:
            return BuddyAllocator(total, min_block, policy)
        except InvalidRequest as error:
            console.say(f"  {error}; please enter both again.")


def _allocate(console: _Console, allocator: BuddyAllocator) -> None:
    name = console.ask("Process name (Enter for an automatic one): ") or None
    size = _ask_size(console, "Process size: ")
    try:
        block = allocator.allocate(size, name)
    except (InvalidRequest, OutOfMemory) as error:
        console.say(f"  Not allocated: {error}")
        return
    console.say(
        f"  {block.name} got the {format_size(block.size)} block at "
        f"{format_size(block.address)} (requested {format_size(block.requested)})."
    )


def _remove(console: _Console, allocator: BuddyAllocator) -> None:
    live = allocator.allocations()
    if not live:
        console.say("  Nothing is allocated.")
        return
    target = console.ask("Process name or size to remove: ")
    names = {block.name for block in live}
    if target not in names:
        try:
            size = parse_size(target)
        except InvalidRequest:
            console.say(f"  No process is named {target!r}. Allocated: {_listing(live)}")
            return
        matches = [b for b in live if b.requested == size] or [b for b in live if b.size == size]
        if not matches:
            console.say(
                f"  No process has size {format_size(size)}. Allocated: {_listing(live)}"
            )
            return
        target = matches[0].name
        if len(matches) > 1:
            console.say(f"  Several processes have size {format_size(size)}: {_listing(matches)}")
            choices = {b.name for b in matches}
            target = console.ask("Which one (name)? ")
            while target not in choices:
                target = console.ask(f"  Type one of {', '.join(sorted(choices))}: ")
    block = allocator.free(target)
    console.say(
        f"  Removed {block.name}: freed the {format_size(block.size)} block at "
        f"{format_size(block.address)}."
    )


def _listing(blocks) -> str:
    return ", ".join(f"{b.name} ({format_size(b.requested)})" for b in blocks)
