"""Student implementations of the build-your-own functions, as notebook source text.

``CORRECT`` does what the contract asks (the reference solutions of
:mod:`buddy_edu.exercises.build_your_own.solutions`); each entry of ``BUGGY``
changes one function the way students get it wrong, so tests can check that
exactly the functions that are wrong lose their points.
"""

from __future__ import annotations

from buddy_edu.exercises.build_your_own.solutions import KNUTH, LESSON

#: The reference solutions the instructor's command writes (lesson 6's five and Knuth's).
CORRECT = {**LESSON, **KNUTH}

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
    # Knuth's algorithms: the same classic bugs, in R and S.
    "knuth-one-level-merge": {"liberate": '''\
def liberate(mem, L, k):
    P = L ^ 2 ** k
    if k < mem["m"] and mem["tag"][P] == 1 and mem["kval"][P] == k:
        avail_unlink(mem, P)
        k += 1
        L = min(L, P)
    avail_push(mem, k, L)
'''},
    "knuth-plus-size": {"liberate": '''\
def liberate(mem, L, k):
    while k < mem["m"]:
        P = L + 2 ** k
        if P >= 2 ** mem["m"] or mem["tag"][P] == 0 or mem["kval"][P] != k:
            break
        avail_unlink(mem, P)
        k += 1
        L = min(L, P)
    avail_push(mem, k, L)
'''},
    # R4 halves the block but never puts the upper half on a list: it is lost for good.
    "lost-upper-half": {"reserve": '''\
def reserve(mem, k):
    m = mem["m"]
    for j in range(k, m + 1):
        head = 2 ** m + j
        if mem["linkf"][head] != head:
            break
    else:
        return None
    L = mem["linkf"][head]
    avail_unlink(mem, L)
    mem["tag"][L] = 0
    return L
'''},
    # A freed block joins its list at the rear: the next reservation takes another block.
    "rear-insert": {"avail_push": '''\
def avail_push(mem, k, L):
    head = 2 ** mem["m"] + k
    last = mem["linkb"][head]
    mem["tag"][L], mem["kval"][L] = 1, k
    mem["linkf"][L], mem["linkb"][L] = head, last
    mem["linkf"][last] = L
    mem["linkb"][head] = L
'''},
    "knuth-loops": {"reserve": '''\
def reserve(mem, k):
    while True:
        pass
'''},
    "knuth-raises": {"avail_unlink": '''\
def avail_unlink(mem, P):
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
