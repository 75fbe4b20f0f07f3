"""Student implementations of the build-your-own functions, as notebook source text.

``CORRECT`` does what the contract asks; each entry of ``BUGGY`` changes one
function the way students get it wrong, so tests can check that exactly the
functions that are wrong lose their points.
"""

from __future__ import annotations

CORRECT = {
    "block_size": '''\
def block_size(request, min_block, total):
    size = min_block
    while size < request:
        size *= 2
    return size
''',
    "find_block": '''\
def find_block(free, size):
    for have in sorted(free):
        if have >= size and free[have]:
            return (min(free[have]), have)
    return None
''',
    "split": '''\
def split(free, address, size, wanted):
    free[size].remove(address)
    while size > wanted:
        size //= 2
        free.setdefault(size, []).append(address + size)
''',
    "buddy": '''\
def buddy(address, size):
    return address ^ size
''',
    "free_block": '''\
def free_block(free, address, size, total):
    while size < total:
        mate = buddy(address, size)
        if mate not in free.get(size, []):
            break
        free[size].remove(mate)
        address, size = min(address, mate), size * 2
    free.setdefault(size, []).append(address)
    return (address, size)
''',
}

BUGGY = {
    # Merges with the buddy once, then stops: the merged block never tries again.
    "one-level-merge": {"free_block": '''\
def free_block(free, address, size, total):
    mate = buddy(address, size)
    if size < total and mate in free.get(size, []):
        free[size].remove(mate)
        address, size = min(address, mate), size * 2
    free.setdefault(size, []).append(address)
    return (address, size)
'''},
    # The right neighbour is taken for the buddy, also for upper halves.
    "address-plus-size": {"buddy": '''\
def buddy(address, size):
    return address + size
'''},
    "loops": {"split": '''\
def split(free, address, size, wanted):
    while True:
        pass
'''},
    "raises": {"find_block": '''\
def find_block(free, size):
    raise ValueError("not written yet")
'''},
}


def source(bug: str | None = None, extra: dict | None = None) -> str:
    """All five functions, with ``bug``'s and then ``extra``'s replacements, as one block."""
    functions = dict(CORRECT)
    if bug is not None:
        functions.update(BUGGY[bug])
    functions.update(extra or {})
    return "\n\n".join(functions.values())


def functions(bug: str | None = None, extra: dict | None = None) -> dict:
    """The five functions defined from :func:`source` in a fresh namespace."""
    namespace: dict = {}
    exec(source(bug, extra), namespace)
    return namespace
