"""Reading students' answers: lenient in form, strict in content.

Every answer is first copied into plain built-in data by :func:`plain`, which
looks only at exact built-in types and never calls a method of the student's
objects (an object whose ``__eq__`` always says yes is refused, not compared).
The parsers then accept the spellings people use for the same thing —
``65536``, ``"64K"``, ``"0x10000"``, ``(0, "64K")``, ``"0-64K"``, ``"[0, 64K)"`` —
and raise :class:`FormError` for anything else.
"""

from __future__ import annotations

import math
import re

from ..core import InvalidRequest, parse_size

MAX_DEPTH = 6
MAX_ITEMS = 5000
MAX_TEXT = 4000

_NONE = type(None)
_SCALARS = {id(int), id(str), id(float), id(bool), id(_NONE)}
_CONTAINERS = {id(list), id(tuple), id(dict)}
_TYPE_NAME = type.__dict__["__name__"]


class FormError(ValueError):
    """An answer that cannot be read as the kind of value the question expects."""


def type_name(value: object) -> str:
    """The name of ``value``'s type, read without running any of the student's code."""
    cls = type(value)
    return _TYPE_NAME.__get__(cls, type)


def _a(noun: str) -> str:
    """``"an int"``, ``"a dict"``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def plain(value: object) -> object:
    """A copy of ``value`` made of plain built-in data (tuples become lists).

    Raises :class:`FormError` for any other type (subclasses included), for
    nesting deeper than ``MAX_DEPTH`` and for very large answers.  Types are
    compared by identity, so no ``__eq__``, ``__hash__`` or ``__iter__`` of the
    student's objects ever runs.
    """
    budget = [MAX_ITEMS]

    def walk(item: object, depth: int) -> object:
        budget[0] -= 1
        if budget[0] < 0:
            raise FormError(f"the answer is too large (more than {MAX_ITEMS} values)")
        kind = id(type(item))
        if kind in _SCALARS:
            if type(item) is str and len(item) > MAX_TEXT:
                raise FormError(f"the answer text is too long (over {MAX_TEXT} characters)")
            return item
        if kind not in _CONTAINERS:
            raise FormError(
                f"{_a(type_name(item))} object is not an answer: use plain numbers, "
                "strings, lists or tuples"
            )
        if depth >= MAX_DEPTH:
            raise FormError("the answer is nested too deeply")
        if type(item) is dict:
            copy = {}
            for key, inner in dict.items(item):
                if id(type(key)) not in _SCALARS:
                    raise FormError(f"{_a(type_name(key))} cannot be a key in an answer")
                copy[key] = walk(inner, depth + 1)
            return copy
        return [walk(inner, depth + 1) for inner in item]  # exact list or tuple

    return walk(value, 0)


# ------------------------------------------------------------------ numbers
_HEX = re.compile(r"0x[0-9a-f]+\Z")
_POWER = re.compile(r"2\s*(?:\^|\*\*)\s*(\d{1,2})\Z")
_COUNT = re.compile(r"(\d+)(?:\s*[a-z]+)?\Z")


def quantity(value: object) -> int:
    """A size or an address: ``65536``, ``65536.0``, ``"64K"``, ``"64 KiB"``, ``"0x10000"``,
    ``"2^16"``."""
    if type(value) is bool:
        raise FormError(f"{value} is not a number")
    if type(value) is int:
        return value
    if type(value) is float:
        if not math.isfinite(value) or value != int(value):
            raise FormError(f"{value!r} is not a whole number")
        return int(value)
    if type(value) is str:
        text = value.strip().lower()
        if _HEX.match(text):
            return int(text, 16)
        power = _POWER.match(text)
        if power:
            return 2 ** int(power.group(1))
        try:
            return parse_size(text)
        except InvalidRequest:
            raise FormError(f"{value!r} is not a size or address") from None
    raise FormError(f"{_a(type_name(value))} is not a number")


def count(value: object) -> int:
    """A whole number of things: ``3``, ``3.0``, ``"3"``, ``"3 splits"``."""
    if type(value) is bool:
        raise FormError(f"{value} is not a count")
    if type(value) in (int, float):
        number = quantity(value)
    elif type(value) is str:
        match = _COUNT.match(value.strip().lower())
        if not match:
            raise FormError(f"{value!r} is not a whole number")
        number = int(match.group(1))
    else:
        raise FormError(f"{_a(type_name(value))} is not a whole number")
    if number < 0:
        raise FormError(f"{number} is negative: a count is 0 or more")
    return number


def order(value: object) -> int:
    """An order: ``2``, ``"2"``, ``"order 2"``."""
    if type(value) is str:
        text = value.strip().lower()
        text = text[len("order"):].strip() if text.startswith("order") else text
        return count(text)
    return count(value)


# ------------------------------------------------------------------ blocks
_RANGE = re.compile(r"\[?\s*([^\[\](),\-]+?)\s*(?:-|\.\.|,)\s*([^\[\](),\-]+?)\s*\)?\Z")
_PAIR = re.compile(r"\(?\s*([^\[\](),\-]+?)\s*,\s*([^\[\](),\-]+?)\s*\)?\Z")
_KEYS = (("address", "size"), ("addr", "size"), ("start", "size"))


def block(value: object) -> tuple[int, int]:
    """A block as ``(address, size)``.

    Accepts ``(0, 65536)``, ``[0, "64K"]``, ``{"address": 0, "size": "64K"}``,
    ``{"start": 0, "end": "64K"}``, the range strings ``"0-64K"`` and
    ``"[0, 64K)"`` (end excluded, as the tree prints it) and ``"(0, 64K)"``.
    """
    if type(value) is list:
        if len(value) != 2:
            raise FormError(f"a block has two parts (address, size), got {len(value)}")
        return _checked(quantity(value[0]), quantity(value[1]))
    if type(value) is dict:
        for keys in _KEYS:
            if set(value) == set(keys):
                return _checked(quantity(value[keys[0]]), quantity(value[keys[1]]))
        if set(value) == {"start", "end"}:
            return _span(quantity(value["start"]), quantity(value["end"]))
        raise FormError("a block as a dict needs the keys 'address' and 'size'")
    if type(value) is str:
        text = value.strip()
        if text.startswith("[") or "-" in text or ".." in text:
            match = _RANGE.match(text)
            if match:
                return _span(quantity(match.group(1)), quantity(match.group(2)))
        match = _PAIR.match(text)
        if match:
            return _checked(quantity(match.group(1)), quantity(match.group(2)))
        raise FormError(f"{value!r} is not a block")
    raise FormError(f"{_a(type_name(value))} is not a block")


def _span(start: int, end: int) -> tuple[int, int]:
    if end <= start:
        raise FormError(
            f"a range START-END needs END after START (got {start} to {end}); "
            "to give the size instead, write (ADDRESS, SIZE)"
        )
    return _checked(start, end - start)


def _checked(address: int, size: int) -> tuple[int, int]:
    if address < 0 or size <= 0:
        raise FormError("a block needs an address of 0 or more and a positive size")
    return address, size


def _scalar(part: object) -> bool:
    """A number or a size-like string, not a block spelled as text."""
    if type(part) in (int, float):
        return True
    return type(part) is str and not any(mark in part for mark in "-([,.")


_GROUP = re.compile(r"[\[(][^\[\]()]*[\])]")


def blocks(value: object) -> list[tuple[int, int]]:
    """A list of blocks, in any order.

    Accepts a list of blocks (see :func:`block`), one block on its own
    (``(0, "64K")``), a dict ``{address: size}``, ``"none"`` or ``[]`` for no
    blocks, and text such as ``"0-64K, 128K-256K"`` or ``"(0, 64K) (128K, 128K)"``.
    """
    if type(value) is list:
        if len(value) == 2 and all(_scalar(part) for part in value):
            return [block(value)]  # one block on its own: (address, size)
        return [block(item) for item in value]
    if type(value) is dict:
        if any(set(value) == set(keys) for keys in _KEYS) or set(value) == {"start", "end"}:
            return [block(value)]
        return [_checked(quantity(address), quantity(size)) for address, size in value.items()]
    if type(value) is str:
        text = value.strip()
        if text.lower() in ("", "none", "no blocks", "nothing", "[]"):
            return []
        groups = _GROUP.findall(text)
        if groups:
            leftover = _GROUP.sub("", text).replace(",", " ").replace(";", " ").strip()
            if leftover:
                raise FormError(f"could not read {leftover!r} as part of a list of blocks")
            return [block(group) for group in groups]
        return [block(part) for part in re.split(r"[;,\s]+", text) if part]
    raise FormError(f"{_a(type_name(value))} is not a list of blocks")


# ------------------------------------------------------------ per-order counts
_BUDDYINFO = re.compile(r"node\s+\d+\s*,\s*zone\s+\S+", re.IGNORECASE)


def counts(value: object, orders: int, min_block: int) -> list[int]:
    """Free blocks per order, order 0 first, like a line of ``/proc/buddyinfo``.

    Accepts ``[3, 0, 1]``, ``"3 0 1"``, a buddyinfo line, or a dict keyed by
    order (``{0: 3, 2: 1}``) or by block size (``{"64K": 3, "256K": 1}``);
    orders a dict leaves out count as 0.
    """
    if type(value) is list:
        return [count(item) for item in value]
    if type(value) is str:
        text = _BUDDYINFO.sub(" ", value)
        parts = [part for part in re.split(r"[\s,;]+", text.strip("[]() \n")) if part]
        if not parts:
            raise FormError("no counts found")
        return [count(part) for part in parts]
    if type(value) is dict:
        result = [0] * orders
        for key, number in value.items():
            index = _order_key(key, orders, min_block)
            result[index] = count(number)
        return result
    raise FormError(f"{_a(type_name(value))} is not a list of counts")


def _order_key(key: object, orders: int, min_block: int) -> int:
    if type(key) is int and 0 <= key < orders:
        return key
    if type(key) is str and key.strip().isdigit() and int(key) < orders:
        return int(key)
    size = quantity(key)
    for index in range(orders):
        if min_block << index == size:
            return index
    raise FormError(f"{key!r} is neither an order (0 to {orders - 1}) nor a block size")


# ---------------------------------------------------------------- outcomes
SUCCEEDS = "succeeds"
EXTERNAL = "fails: external fragmentation"
NOT_ENOUGH = "fails: not enough memory"
INTERNAL = "fails: internal fragmentation"  # never right: internal waste cannot stop a request
FAILS = "fails"  # a failure without a reason: half marks at most

_YES = ("succeed", "success", "yes", "fits", "works", "ok", "true")
_EXTERNAL = ("external", "fragment", "contiguous", "no block", "too small", "scattered",
             "big enough", "large enough")
_NOT_ENOUGH = ("not enough", "out of memory", "insufficient", "too little", "full",
               "no memory", "oom")
_NO = ("fail", "no", "false", "won't", "cannot", "can't")


def outcome(value: object) -> str:
    """Whether a request succeeds, and if not why: one of the constants above.

    Accepts ``True``/``False``, ``"yes"``/``"no"``, ``"succeeds"``, texts naming
    external fragmentation or a lack of memory, and pairs like
    ``(False, "external fragmentation")``.
    """
    if type(value) is bool:
        return SUCCEEDS if value else FAILS
    if type(value) is list and len(value) == 2 and type(value[1]) is str:
        first = outcome(value[0])
        reason = _reason(value[1].lower())
        if first == SUCCEEDS:
            if reason is not None:
                raise FormError("the answer says both that the request succeeds and why it fails")
            return SUCCEEDS
        return reason or FAILS
    if type(value) is str:
        text = " ".join(value.lower().replace("_", " ").split())
        reason = _reason(text)
        if reason is not None:
            return reason
        if any(re.search(rf"\b{re.escape(word)}", text) for word in _YES):
            if any(re.search(rf"\b{re.escape(word)}", text) for word in _NO):
                raise FormError(f"{value!r} says both yes and no")
            return SUCCEEDS
        if any(re.search(rf"\b{re.escape(word)}", text) for word in _NO):
            return FAILS
        raise FormError(f"could not tell whether {value!r} means success or failure")
    raise FormError(f"{_a(type_name(value))} is not an outcome")


def _reason(text: str) -> str | None:
    if "internal" in text:
        if any(word in text for word in _NOT_ENOUGH) or "external" in text:
            raise FormError("the answer names more than one reason")
        return INTERNAL
    external = any(word in text for word in _EXTERNAL)
    lacking = any(word in text for word in _NOT_ENOUGH)
    if external and lacking:
        raise FormError("the answer names both external fragmentation and a lack of memory")
    if external:
        return EXTERNAL
    return NOT_ENOUGH if lacking else None
