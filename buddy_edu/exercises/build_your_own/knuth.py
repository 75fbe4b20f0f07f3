"""Build your own, past lesson 6: Knuth's algorithms R and S over ``AVAIL`` lists, ``TAG`` and
``KVAL`` (TAOCP vol. 1 §2.5), checked against the core.

The memory is Knuth's: ``2**m`` words, addresses ``0 .. 2**m - 1``, blocks of ``2**k``
words for ``0 <= k <= m``.  A student's functions work on one plain dict ``mem``:

- ``mem["m"]``: the memory has ``2**m`` words;
- ``mem["tag"][P]``, ``mem["kval"][P]``: ``TAG`` (1 available, 0 reserved) and ``KVAL`` of
  the block at ``P`` (``KVAL`` counts only in available blocks);
- ``mem["linkf"][P]``, ``mem["linkb"][P]``: the doubly linked ``AVAIL`` lists.  The head
  ``LOC(AVAIL[k])`` is the address ``2**m + k``, so ``AVAILF[k]`` is
  ``mem["linkf"][2**m + k]``; an empty list's head links to itself.

One thing differs from the book, so that the core can be the oracle: a reservation takes
the block at the *front* of ``AVAIL[j]`` (``AVAILF[j]``), as Linux takes the head of its
lists, where Knuth's step R2 takes the rear (``AVAILB[j]``).  Freed and split-off blocks
join at the front (step S3, and R4 onto an empty list), so each list is a stack: the
core's ``lifo`` policy, with the minimum block one word.

Every expected value is read from the core's run (its free lists in the policy's order,
its events); a call's outcome is compared through :func:`view`, which reads a memory as
its lists (walked from each head), with whether every listed block has ``TAG`` 1, ``KVAL``
``k`` and a ``LINKB`` that points back.  Stale words outside those blocks do not count:
Knuth's algorithms leave them too.
"""

from __future__ import annotations

import json
import random

from ...core import BuddyAllocator, Operation
from .contract import random_trace
from .spec import Spec

FAMILY = "knuth"
POLICY = "lifo"
MEMORY_ORDERS = (4, 5)  # m: memories of 16 or 32 words
QUESTION_TRACES = 3
TRACE_OPERATIONS = 14

#: What the notebooks and prompts say about ``mem``.
MEMORY_TEXT = (
    "`mem` is Knuth's memory of `2**m` words as a dict: `mem[\"m\"]`; `mem[\"tag\"][P]` "
    "and `mem[\"kval\"][P]` are TAG (1 available, 0 reserved) and KVAL of the block at "
    "address `P`; `mem[\"linkf\"]` and `mem[\"linkb\"]` hold the links of the doubly linked "
    "lists, and the head LOC(AVAIL[k]) is address `2**m + k` (so AVAILF[k] is "
    "`mem[\"linkf\"][2**m + k]`; an empty list's head links to itself). Lists are stacks: a "
    "block joins and leaves at the front, as in Linux (Knuth's R2 takes the rear)."
)

SPECS: dict[str, Spec] = {spec.name: spec for spec in (
    Spec("avail_push", ("mem", "k", "L"), "None",
         "Step S3 on its own: the block at `L` (2**k words) becomes available. Set TAG(L) "
         "to 1 and KVAL(L) to k, and put L at the front of AVAIL[k]: it becomes AVAILF[k], "
         "linked both ways (LINKF(L) is the old front, whose LINKB becomes L; LINKB(L) is "
         "the head LOC(AVAIL[k]) = 2**m + k). Return None.",
         ("state",), FAMILY),
    Spec("avail_unlink", ("mem", "P"), "None",
         "Take the available block P off its AVAIL list in O(1), without searching: "
         "LINKF(LINKB(P)) ← LINKF(P) and LINKB(LINKF(P)) ← LINKB(P). Leave TAG(P) and "
         "KVAL(P) as they are. Return None.",
         ("state",), FAMILY),
    Spec("reserve", ("mem", "k"), "L or None",
         "Algorithm R for a block of 2**k words. R1: find the smallest j ≥ k whose AVAIL[j] "
         "is not empty; if there is none, return None and change nothing. R2: take the block "
         "L at the FRONT of AVAIL[j] off the list and set TAG(L) to 0. R3/R4: while j > k, "
         "decrease j and make the upper half P = L + 2**j available (TAG 1, KVAL j, on "
         "AVAIL[j]). Return L.",
         ("result", "state"), FAMILY),
    Spec("liberate", ("mem", "L", "k"), "None",
         "Algorithm S: the reserved block at L (2**k words) is freed. S1: its buddy is "
         "P = L XOR 2**k; if k = m, or TAG(P) = 0, or KVAL(P) ≠ k, go to S3. S2: unlink P "
         "from AVAIL[k], set k to k + 1 and L to min(L, P), and go back to S1. S3: make L "
         "available at the front of AVAIL[k] (TAG 1, KVAL k). Return None.",
         ("state",), FAMILY),
)}
FUNCTIONS = tuple(SPECS)


# ----------------------------------------------------------------- memories
def memory(m: int) -> dict:
    """A fresh memory of ``2**m`` words: one available block, at 0, on ``AVAIL[m]``."""
    return state({k: [] for k in range(m)} | {m: [0]}, m)


def state(lists: dict[int, list[int]], m: int) -> dict:
    """The memory whose ``AVAIL[k]`` lists are ``lists[k]`` (front first); every other word 0."""
    size = 1 << m
    mem = {"m": m, "tag": [0] * size, "kval": [0] * size,
           "linkf": [0] * (size + m + 1), "linkb": [0] * (size + m + 1)}
    for k in range(m + 1):
        head = size + k
        chain = [head, *lists.get(k, []), head]
        for before, after in zip(chain, chain[1:], strict=False):
            mem["linkf"][before] = after
            mem["linkb"][after] = before
        for address in lists.get(k, []):
            mem["tag"][address], mem["kval"][address] = 1, k
    return mem


def core_lists(allocator: BuddyAllocator) -> dict[int, list[int]]:
    """The core's free lists (``lifo``: the block it takes next first) as ``AVAIL`` lists."""
    return {size.bit_length() - 1: list(addresses)
            for size, addresses in allocator.free_lists().items()}


def view(mem: object, m: int) -> dict | None:
    """A memory as it can be compared: ``{"avail": [[addresses, front first] per k],
    "sound": bool}``, or None if it is not a memory of ``2**m`` words.

    ``sound`` says that every listed block has ``TAG`` 1 and ``KVAL`` k, and that each
    ``LINKB`` points back along the list (``m`` is the question's, not the student's).
    """
    size = 1 << m
    if type(mem) is not dict:
        return None
    arrays = [mem.get(key) for key in ("tag", "kval", "linkf", "linkb")]
    lengths = (size, size, size + m + 1, size + m + 1)
    if any(type(a) is not list or len(a) < n for a, n in zip(arrays, lengths, strict=True)):
        return None
    tag, kval, linkf, linkb = arrays
    avail, sound = [], True
    for k in range(m + 1):
        head = size + k
        listed, previous, node = [], head, linkf[head]
        while node != head:
            if type(node) is not int or not 0 <= node < size or len(listed) > size:
                return {"avail": avail + [listed + ["?"]], "sound": False}
            sound &= linkb[node] == previous and tag[node] == 1 and kval[node] == k
            listed.append(node)
            previous, node = node, linkf[node]
        sound &= linkb[head] == previous
        avail.append(listed)
    return {"avail": avail, "sound": bool(sound)}


def reading(name: str, result: object, mem: object, total: int) -> dict:
    """What must agree with the core after a call of ``name``: the memory's :func:`view`,
    and for ``reserve`` its result and the ``TAG`` it left on that block."""
    m = total.bit_length() - 1
    found = {"state": view(mem, m)}
    if name == "reserve":
        found["result"] = result
        tags = mem.get("tag") if type(mem) is dict else None
        found["tag"] = (tags[result] if type(result) is int and type(tags) is list
                        and 0 <= result < len(tags) else None)
    return found


# ----------------------------------------------------------------- traces
def random_traces(rng: random.Random, count: int = QUESTION_TRACES,
                  operations: int = TRACE_OPERATIONS) -> tuple[int, int, list[list[Operation]]]:
    """``(total, 1, traces)``: ``count`` random traces over a memory of ``2**m`` words.

    As lesson 6's traces, each ends by asking for the whole memory (which fails while
    anything is reserved) and freeing what is left, so that frees merge all the way up.
    """
    m = rng.choice(MEMORY_ORDERS)
    total = 1 << m
    sizes = (1, 1, 2, 2, 3, 4, 4, 5, 8, total // 2, total)
    traces = [random_trace(rng, BuddyAllocator(total, 1, POLICY), operations, max_live=6,
                           request=lambda: rng.choice(sizes))
              for _ in range(count)]
    return total, 1, traces


def _replayed(total: int, traces: list[list[Operation]]):
    """Each operation of ``traces`` on the core (a fresh one per trace), as
    ``(core, operation, lists before, its events, lists after)``."""
    for trace in traces:
        core = BuddyAllocator(total, 1, POLICY)
        for op in trace:
            before = core_lists(core)
            start = core.event_count()
            core.replay([op])
            yield (core, op, before, [core.event_at(i) for i in range(start, core.event_count())],
                   core_lists(core))


def expected_calls(function: str, total: int, traces: list[list[Operation]]
                   ) -> tuple[list[list], list[list]]:
    """The calls ``function`` gets on these traces and what the core says each must give:
    ``(calls, expected)``, ``expected[i] = [result, memory after]``."""
    m = total.bit_length() - 1
    calls: list[list] = []
    expected: list[list] = []
    seen: set[str] = set()

    def add(args: list, result: object, after: dict) -> None:
        key = json.dumps(args, sort_keys=True)
        if key not in seen:
            seen.add(key)
            calls.append(args)
            expected.append([result, after])

    for core, op, before, events, after in _replayed(total, traces):
        if op.kind == "allocate":
            if function == "reserve":
                k = core.block_size(op.size).bit_length() - 1
                result = None if events[0].kind == "fail" else events[-1].address
                add([state(before, m), k], result,
                    state(after, m))
            continue
        freed = events[0]
        k = freed.size.bit_length() - 1
        if function == "liberate":
            add([state(before, m), freed.address, k], None,
                state(after, m))
            continue
        # S2 and S3 one at a time: the lists between them are the core's lists before
        # the free, less the buddies taken so far (the merge events say which).
        lists = {order: list(addresses) for order, addresses in before.items()}
        growing = (freed.address, freed.size)
        for event in events[1:]:
            half = event.size // 2
            buddy = event.address + half if growing[0] == event.address else event.address
            taken = {order: list(addresses) for order, addresses in lists.items()}
            taken[half.bit_length() - 1].remove(buddy)
            if function == "avail_unlink":
                add([state(lists, m), buddy], None,
                    state(taken, m))
            lists, growing = taken, (event.address, event.size)
        if function == "avail_push":
            order = growing[1].bit_length() - 1
            add([state(lists, m), order, growing[0]], None,
                state(after, m))
    return calls, expected


def telling(function: str, total: int, traces: list[list[Operation]]) -> bool:
    """Whether the traces hold the cases where the common mistakes show (the core decides):
    a free that merges twice (one-level merge) and one that merges an upper half (an
    ``L + 2**k`` buddy), a free whose buddy is available but smaller (``KVAL`` ≠ k), a
    split of two levels or more (a lost upper half), a reservation from a list holding two
    blocks and a push onto a list that is not empty (the order of a list), a failure."""
    double = upper = smaller = deep = choice = onto = failed = False
    for core, op, before, events, _ in _replayed(total, traces):
        kinds = [event.kind for event in events]
        failed |= "fail" in kinds
        deep |= kinds.count("split") >= 2
        if op.kind == "allocate" and "fail" not in kinds:
            order = core.block_size(op.size).bit_length() - 1
            first = next(j for j in range(order, len(before)) if before[j])
            choice |= len(before[first]) >= 2
        if kinds and kinds[0] == "free":
            freed, merges = events[0], kinds.count("merge")
            double |= merges >= 2
            upper |= merges >= 1 and freed.address % (2 * freed.size) == freed.size
            buddy = freed.address ^ freed.size
            smaller |= merges == 0 and any(buddy in before[j] for j in range(len(before))
                                           if (1 << j) < freed.size)
            final = events[-1]
            onto |= bool(before[final.size.bit_length() - 1])
    return {"avail_push": onto, "avail_unlink": double,
            "reserve": deep and choice and failed,
            "liberate": double and upper and smaller and onto}[function]


# ----------------------------------------------------------------- feedback
def mismatch(name: str, args: list, result: object, mem: object, want_result: object,
             want_mem: dict, total: int) -> str | None:
    """Why a call's outcome differs from the core's, in words that never give the core's
    result; None when it agrees."""
    mine, want = reading(name, result, mem, total), reading(name, want_result, want_mem, total)
    if "result" in want and mine["result"] != want["result"]:
        return f"returned {_short(result)}; the allocator's answer is different."
    if mine["state"] is None:
        return ("left `mem` as something that is not a memory of this size (a dict with the "
                "lists tag, kval, linkf and linkb).")
    if mine.get("tag") != want.get("tag"):
        return "left TAG of the block it returned as available: a reserved block has TAG 0."
    if mine["state"]["avail"] != want["state"]["avail"]:
        lists = {k: blocks for k, blocks in enumerate(mine["state"]["avail"]) if blocks}
        return (f"left the AVAIL lists, front first, as {_short(lists)}; the allocator's "
                f"differ{_order_hint(mine['state']['avail'], want['state']['avail'])}.")
    if not mine["state"]["sound"]:
        return ("left a block on AVAIL[k] whose TAG is not 1 or whose KVAL is not k, or a "
                "LINKB that does not point back to the block before it.")
    return None


def call_text(spec: Spec, args: list) -> str:
    """A call as feedback names it: its arguments, the memory shown by its AVAIL lists."""
    mem, rest = args[0], args[1:]
    m = mem["m"] if type(mem) is dict and type(mem.get("m")) is int else 0
    seen = view(mem, m)
    lists = {k: blocks for k, blocks in enumerate(seen["avail"]) if blocks} if seen else "?"
    pairs = ", ".join(f"{name}={value!r}" for name, value in
                      zip(spec.parameters[1:], rest, strict=False))
    return f"`{spec.name}(mem, {pairs})` with the AVAIL lists {_short(lists)}"


def _order_hint(mine: list, want: list) -> str:
    if all(sorted(map(str, a)) == sorted(map(str, b)) for a, b in zip(mine, want, strict=False)):
        return " only in the order of a list (a block joins and leaves at the front)"
    return ""


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
