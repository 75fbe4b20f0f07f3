"""Reading values: sizes, addresses, counts, orders, blocks and per-order counts.

Values arrive as plain data from :mod:`.transport` (numbers, strings, lists,
dicts, :class:`~.transport.Unordered` sets) and each reader accepts the
spellings people use for the same thing — ``65536``, ``"64K"``, ``"1.5M"``,
``"524,288 bytes"``, ``"0x10000"``, ``(0, "64K")``, ``"0-64K"``, ``"[0, 64K)"``
— and raises :class:`~.scanner.FormError` for anything else.
"""

from __future__ import annotations

import math

from .scanner import FormError, Token, all_digits, tokens, type_name, whole, with_article
from .transport import Unordered

_NUMBER_WORDS = {"zero": 0, "none": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4,
                 "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def quantity(value: object) -> int:
    """A size or an address: ``65536``, ``65536.0``, ``"64K"``, ``"64 KiB"``, ``"1.5M"``,
    ``"524,288 bytes"``, ``"0x10000"``, ``"2^16"``."""
    if type(value) is bool:
        raise FormError(f"{value} is not a number")
    if type(value) is int:
        return value
    if type(value) is float:
        if not math.isfinite(value) or value != int(value):
            raise FormError(f"{value!r} is not a whole number")
        return int(value)
    if type(value) is str:
        found = tokens(value)
        if len(found) == 1 and found[0].kind == "num":
            return whole(found[0].value, value.strip())
        if len(found) == 2 and found[0].kind == "dash" and found[1].kind == "num":
            raise FormError(f"{value.strip()!r} is negative: sizes and addresses are 0 or more")
        raise FormError(f"{value.strip()[:60]!r} is not a size or address")
    raise FormError(f"{with_article(type_name(value))} is not a number")


def count(value: object) -> int:
    """A whole number of things: ``3``, ``3.0``, ``"3"``, ``"3 splits"``, ``"three"``."""
    if type(value) is bool:
        raise FormError(f"{value} is not a count")
    if type(value) in (int, float):
        number = quantity(value)
    elif type(value) is str:
        found = tokens(value)
        numbers = [t for t in found if t.kind == "num"]
        words = [t.text for t in found if t.kind == "word"]
        if len(numbers) == 1 and len(found) == 1 + len(words) and found[0].kind == "num":
            number = whole(numbers[0].value, value.strip())
        elif not numbers and words and words[0] in _NUMBER_WORDS:
            number = _NUMBER_WORDS[words[0]]
        else:
            raise FormError(f"{value.strip()[:60]!r} is not a whole number")
    else:
        raise FormError(f"{with_article(type_name(value))} is not a whole number")
    if number < 0:
        raise FormError(f"{number} is negative: a count is 0 or more")
    return number


def order(value: object) -> int:
    """An order: ``2``, ``"2"``, ``"order 2"``."""
    if type(value) is str:
        found = tokens(value)
        if len(found) == 2 and found[0].text == "order" and found[1].kind == "num":
            return whole(found[1].value, value.strip())
    return count(value)


# ------------------------------------------------------------------ blocks
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
        found = tokens(value)
        blocks_found = _text_blocks(found, value)
        if len(blocks_found) != 1:
            raise FormError(f"{value.strip()[:60]!r} is not one block (address, size)")
        return blocks_found[0]
    if type(value) is Unordered:
        raise FormError("a set has no order, so it cannot say which part is the address: "
                        "write the block as (ADDRESS, SIZE)")
    raise FormError(f"{with_article(type_name(value))} is not a block")


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


def _text_blocks(found: list[Token], shown: str) -> list[tuple[int, int]]:
    """Blocks written as text: ``(A, S)``, ``[A, E)``, ``A-E``, ``A..E``, ``A, S`` on its own,
    separated by commas, semicolons, spaces or "and", maybe inside one pair of brackets."""
    found = [t for t in found if not (t.kind == "word" and t.text == "and")]
    if any(t.kind in ("word", "other") for t in found):
        bad = next(t.text for t in found if t.kind in ("word", "other"))
        raise FormError(f"could not read {bad!r} as part of a block (address, size)")
    if _wrapped(found) and any(t.kind == "open" for t in found[1:-1]):
        found = found[1:-1]  # an outer list around bracketed blocks
    if (len(found) == 3 and found[0].kind == "num" and found[1].kind == "sep"
            and found[2].kind == "num" and found[1].text == ","):
        return [_checked(whole(found[0].value, shown), whole(found[2].value, shown))]
    result = []
    i, n = 0, len(found)
    while i < n:
        token = found[i]
        if token.kind == "sep":
            i += 1
            continue
        if token.kind == "open":
            close = i + 1
            while close < n and found[close].kind != "close":
                if found[close].kind == "open":
                    raise FormError("brackets inside a block: write each block as (ADDRESS, SIZE)")
                close += 1
            if close == n:
                raise FormError(f"a bracket opened in {shown.strip()[:60]!r} is never closed")
            inner = found[i + 1:close]
            result.append(_group(token.text, found[close].text, inner, shown))
            i = close + 1
            continue
        if token.kind == "num" and i + 2 < n and found[i + 1].kind == "dash" \
                and found[i + 2].kind == "num":
            result.append(_span(whole(token.value, shown), whole(found[i + 2].value, shown)))
            i += 3
            continue
        raise FormError(f"could not read {shown.strip()[:60]!r} as blocks: write each block as "
                        "(ADDRESS, SIZE) or START-END")
    return result


def _wrapped(found: list[Token]) -> bool:
    """Whether the first bracket closes only at the very end: ``[(0, 64K), (128K, 64K)]``."""
    if len(found) < 2 or found[0].kind != "open" or found[-1].kind != "close":
        return False
    depth = 0
    for index, token in enumerate(found):
        depth += (token.kind == "open") - (token.kind == "close")
        if depth == 0 and index < len(found) - 1:
            return False
    return depth == 0


def _group(opening: str, closing: str, inner: list[Token], shown: str) -> tuple[int, int]:
    if len(inner) != 3 or inner[0].kind != "num" or inner[2].kind != "num" \
            or inner[1].kind not in ("sep", "dash"):
        raise FormError(f"a block in {shown.strip()[:60]!r} does not have two parts: write "
                        "(ADDRESS, SIZE) or [START, END)")
    first, second = whole(inner[0].value, shown), whole(inner[2].value, shown)
    if inner[1].kind == "dash" or (opening == "[" and closing == ")"):
        return _span(first, second)
    return _checked(first, second)


def _scalar(part: object) -> bool:
    """A number or a size-like string, not a block spelled as text."""
    if type(part) in (int, float):
        return True
    if type(part) is not str:
        return False
    found = tokens(part)
    return len(found) == 1 and found[0].kind == "num"


_EMPTY = {"", "none", "no blocks", "nothing", "[]", "()", "no free blocks"}


def blocks(value: object) -> list[tuple[int, int]]:
    """A list of blocks, in any order.

    Accepts a list or a set of blocks (see :func:`block`), one block on its own
    (``(0, "64K")``), a dict ``{address: size}``, ``"none"`` or ``[]`` for no
    blocks, and text such as ``"0-64K, 128K-256K"`` or ``"(0, 64K) (128K, 128K)"``.
    """
    if type(value) is list:
        if len(value) == 2 and all(_scalar(part) for part in value):
            return [block(value)]  # one block on its own: (address, size)
        return [block(item) for item in value]
    if type(value) is Unordered:
        return [block(item) for item in value]
    if type(value) is dict:
        if any(set(value) == set(keys) for keys in _KEYS) or set(value) == {"start", "end"}:
            return [block(value)]
        return [_checked(quantity(address), quantity(size)) for address, size in value.items()]
    if type(value) is str:
        if " ".join(value.lower().split()) in _EMPTY:
            return []
        return _text_blocks(tokens(value), value)
    raise FormError(f"{with_article(type_name(value))} is not a list of blocks")


# ------------------------------------------------------------ per-order counts
def counts(value: object, orders: int, min_block: int) -> list[int]:
    """Free blocks per order, order 0 first, like a line of ``/proc/buddyinfo``.

    Accepts ``[3, 0, 1]``, ``"3 0 1"``, a buddyinfo line, or a dict keyed by
    order (``{0: 3, 2: 1}``) or by block size (``{"64K": 3, "256K": 1}``);
    orders a dict leaves out count as 0.
    """
    if type(value) is list:
        return [count(item) for item in value]
    if type(value) is str:
        found = tokens(value)
        if len(found) >= 4 and [t.text for t in found[:1]] == ["node"] and \
                found[2].kind == "sep" and found[3].text == "zone":
            found = found[5:]  # "Node 0, zone Normal 3 0 1"
        parts = [t for t in found if t.kind not in ("sep", "open", "close")]
        if not parts:
            raise FormError("no counts found")
        if any(t.kind != "num" for t in parts):
            bad = next(t.text for t in parts if t.kind != "num")
            raise FormError(f"could not read {bad!r} as a count")
        return [count_of(t, value) for t in parts]
    if type(value) is dict:
        result = [0] * orders
        for key, number in value.items():
            index = _order_key(key, orders, min_block)
            result[index] = count(number)
        return result
    if type(value) is Unordered:
        raise FormError("a set has no order, so it cannot say which count is for which order: "
                        "use a list, order 0 first")
    raise FormError(f"{with_article(type_name(value))} is not a list of counts")


def count_of(token: Token, shown: str) -> int:
    """The whole number a ``num`` token holds."""
    return whole(token.value, shown.strip()[:60])


def _order_key(key: object, orders: int, min_block: int) -> int:
    if type(key) is int and 0 <= key < orders:
        return key
    if type(key) is str and all_digits(key.strip()) and int(key) < orders:
        return int(key)
    size = quantity(key)
    for index in range(orders):
        if min_block << index == size:
            return index
    raise FormError(f"{key!r} is neither an order (0 to {orders - 1}) nor a block size")
