"""Random but reproducible scenarios: memory sizes, requests and scripts.

Everything here only *chooses* inputs; what those inputs do is always found
out by running the core (``run_script``/``BuddyAllocator``).  A generator that
needs a scenario with some property (say, a free that merges twice) draws
candidates from its random stream until the core confirms one, so the same
seed always gives the same question.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ...core import BuddyAllocator, InvalidRequest, OutOfMemory, format_size, parse_size
from ...core.script import run_script

K = 1024
# (total, min_block): four or five levels of splitting, as textbook examples use.
MEMORIES = (
    (1024 * K, 64 * K), (512 * K, 32 * K), (256 * K, 16 * K), (2048 * K, 128 * K),
    (1024 * K, 32 * K), (128 * K, 8 * K),
)
NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TRIES = 400


def rng_of(seed: random.Random | int | str) -> random.Random:
    """A random stream from a seed, or the stream itself."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise InvalidRequest(f"a seed is an int, a str or a random.Random, got {seed!r}")
    return random.Random(seed)


def memory(rng: random.Random) -> tuple[int, int]:
    """A (total, min_block) pair."""
    return rng.choice(MEMORIES)


def request(rng: random.Random, min_block: int, block: int, exact: bool = False) -> int:
    """A request that rounds up to ``block``: in whole K, above half the block (or exactly it)."""
    if exact:
        return block
    low = block // 2 // K + 1 if block > min_block else 1
    high = block // K - 1 if block // K - 1 >= low else block // K
    return rng.randint(low, high) * K


def header(total: int, min_block: int, policy: str = "lowest") -> str:
    """The script's first line."""
    line = f"memory {format_size(total)} min {format_size(min_block)}"
    return line if policy == "lowest" else f"{line} policy {policy}"


def script(lines: list[str]) -> str:
    """Join script lines."""
    return "\n".join(lines) + "\n"


def random_lines(rng: random.Random, total: int, min_block: int, steps: int,
                 policy: str = "lowest", free_share: float = 0.4,
                 first_name: int = 0) -> list[str]:
    """A script body that never fails: allocations named A, B, ... and frees of live ones.

    The core is asked at each step whether a request fits, so no line of the
    result records a failure.
    """
    allocator = BuddyAllocator(total, min_block, policy)
    lines: list[str] = []
    live: list[str] = []
    names = list(NAMES[first_name:])
    top = max(0, (total // min_block).bit_length() - 3)  # blocks up to a quarter of memory
    for _ in range(steps):
        if live and (rng.random() < free_share or not allocator.free_blocks()):
            name = live.pop(rng.randrange(len(live)))
            allocator.free(name)
            lines.append(f"free {name}")
            continue
        block = min_block << rng.randint(0, top)
        size = request(rng, min_block, block, exact=rng.random() < 0.15)
        if not names:
            break
        name = names[0]
        try:
            allocator.allocate(size, name)
        except OutOfMemory:
            allocator.undo()  # keep the scratch state clean; the line is not used
            continue
        names.pop(0)
        live.append(name)
        lines.append(f"{name} = alloc {format_size(size)}")
    return lines


def setup_text(setup: str) -> str:
    """The part of a prompt that shows the setup script."""
    return f"This script has run (the picture shows the state it leaves):\n\n```text\n{setup}```"


def live_names(allocator: BuddyAllocator) -> list[str]:
    """Names allocated now, in address order."""
    return [block.name for block in allocator.allocations()]


def run(*parts: str, policy: str | None = None) -> BuddyAllocator:
    """Run script parts one after the other and return the allocator (the core does the work)."""
    return run_script("".join(parts), policy=policy)


def search(rng: random.Random, make: Callable[[random.Random], object | None],
           fallback: Callable[[], object], tries: int = TRIES) -> object:
    """The first candidate ``make`` accepts (it returns None to reject), else ``fallback()``."""
    for _ in range(tries):
        found = make(rng)
        if found is not None:
            return found
    return fallback()


def size_of(text: str | int) -> int:
    """A size parameter given as ``65536`` or ``"64K"``."""
    return parse_size(text)
