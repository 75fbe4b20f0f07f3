"""Reference solutions of the build-your-own functions, as source text: for the instructor.

``buddy-edu course solutions`` writes them into a folder the instructor chooses, and the
tests use them; no student notebook, lesson or site holds them (a test searches those for
them).  They are text, not code this package runs: the kit's own answers come from its
core, never from these.
"""

from __future__ import annotations

from pathlib import Path

#: Lesson 6's five functions over a dict of free lists ``{size: [addresses]}``.
LESSON = {
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

#: Knuth's algorithms R and S over AVAIL lists, TAG and KVAL (the graded exercise).
KNUTH = {
    "avail_push": '''\
def avail_push(mem, k, L):
    head = 2 ** mem["m"] + k
    first = mem["linkf"][head]
    mem["tag"][L], mem["kval"][L] = 1, k
    mem["linkf"][L], mem["linkb"][L] = first, head
    mem["linkb"][first] = L
    mem["linkf"][head] = L
''',
    "avail_unlink": '''\
def avail_unlink(mem, P):
    after, before = mem["linkf"][P], mem["linkb"][P]
    mem["linkf"][before] = after
    mem["linkb"][after] = before
''',
    "reserve": '''\
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
    while j > k:
        j -= 1
        avail_push(mem, j, L + 2 ** j)
    return L
''',
    "liberate": '''\
def liberate(mem, L, k):
    while k < mem["m"]:
        P = L ^ 2 ** k
        if mem["tag"][P] == 0 or mem["kval"][P] != k:
            break
        avail_unlink(mem, P)
        k += 1
        L = min(L, P)
    avail_push(mem, k, L)
''',
}

FILE_NAME = "build-your-own-solutions.py"
_HEADER = '''\
"""Reference solutions of buddy-edu's build-your-own functions (for the instructor only).

Lesson 6 (practice): block_size, find_block, split, buddy, free_block, over a dict of free
lists {size: [addresses]}. The graded exercise: block_size, then Knuth's algorithms R and S
(TAOCP vol. 1, 2.5) as avail_push, avail_unlink, reserve and liberate over a memory dict
with TAG, KVAL and doubly linked AVAIL lists whose heads are at 2**m + k; lists are stacks
(a block joins and leaves at the front).

Do not hand this file out, and keep it out of any folder students can read.
"""

'''


def source() -> str:
    """Every reference solution, lesson 6's and then Knuth's, as one Python file."""
    parts = ["# ---- lesson 6: the five functions\n", *LESSON.values(),
             "# ---- the graded exercise: Knuth's algorithms R and S\n", *KNUTH.values()]
    return _HEADER + "\n\n".join(part.rstrip("\n") + "\n" for part in parts)


def write(folder: str | Path) -> Path:
    """Write :func:`source` to ``folder/build-your-own-solutions.py``; returns the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    path.write_text(source(), encoding="utf-8")
    return path
