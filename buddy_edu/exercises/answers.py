"""Reading answers: how each kind of answer is written (its :class:`Form`) and parsed.

This is the one home of answer forms and parsing; every question type picks
one form here.  Values arrive as plain data from :mod:`.wire` (numbers,
strings, lists, dicts, :class:`~.wire.Unordered` sets) and the parsers accept
the spellings people use for the same thing — ``65536``, ``"64K"``,
``"1.5M"``, ``"524,288 bytes"``, ``"0x10000"``, ``(0, "64K")``, ``"0-64K"``,
``"[0, 64K)"`` — and raise :class:`FormError` for anything else.

Text is read by a hand-written scanner that looks at each character once,
so no answer, however long or strange, can make a check slow (a backtracking
regular expression on student text once froze a whole grading batch).  Text
longer than :data:`MAX_TEXT` never gets here: :mod:`.wire` refuses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from .wire import MAX_TEXT, Unordered

__all__ = ["FormError", "Form", "MAX_TEXT"]


class FormError(ValueError):
    """An answer that cannot be read as the kind of value the question expects."""


@dataclass(frozen=True)
class Form:
    """How an answer is written: the text shown to students, an example that can
    occur in the exercises, and the parser (``parse(params, value)``)."""

    text: str
    example: str
    parse: Callable[[dict, object], object]


def type_name(value: object) -> str:
    """A short name of the kind of value, for messages."""
    if type(value) is Unordered:
        return "set"
    return type(value).__name__


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


# ------------------------------------------------------------------ scanning
MAX_TOKENS = 600  # the longest real answer, 40 free blocks as "(A, S)", has about 240
_UNITS = {"k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
          "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
_BYTES = {"b", "byte", "bytes"}
_NUMBER_WORDS = {"zero": 0, "none": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4,
                 "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_HEX_DIGITS = "0123456789abcdef"
_DIGITS = "0123456789"


def _all_digits(text: str) -> bool:
    return bool(text) and all(char in _DIGITS for char in text)


class Token(NamedTuple):
    """One piece of an answer text: ``num`` (a value in bytes, maybe fractional),
    ``word``, ``open``/``close`` (brackets), ``sep`` (``,`` ``;``), ``dash`` (``-``, ``..``)
    or ``other``.  A named tuple: answers can have thousands of tokens."""

    kind: str
    text: str
    value: int | Fraction = 0


def tokens(text: str) -> list[Token]:
    """Split ``text`` into tokens, one left-to-right pass over its characters.

    A number takes its unit (``64K``, ``64 KiB``, ``1.5M``, ``512K bytes``),
    thousands separators (``524,288``: a comma followed by exactly three digits
    and no more) and the power forms ``2^16`` and ``2**16``.
    """
    text = text.lower()
    result: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if len(result) > MAX_TOKENS:
            raise FormError(f"the answer has too many parts (over {MAX_TOKENS} numbers, words "
                            "and signs); no answer here needs that many")
        char = text[i]
        if char.isspace():
            i += 1
        elif char in _DIGITS:
            i = _number(text, i, result)
        elif char == "." and i + 1 < n and text[i + 1] == ".":
            result.append(Token("dash", ".."))
            i += 2
        elif char == "." and i + 1 < n and text[i + 1] in _DIGITS:
            i = _number(text, i, result)
        elif char.isalpha() or char == "'":
            start = i
            while i < n and (text[i].isalpha() or text[i] in "'_"):
                i += 1
            word = text[start:i].strip("'")
            if result and result[-1].kind == "num" and word in _UNITS and not _has_unit(result):
                last = result.pop()
                result.append(Token("num", f"{last.text}{word}", last.value * _UNITS[word]))
            elif result and result[-1].kind == "num" and word in _BYTES:
                result.append(Token("unit", word))  # "bytes" after a number says nothing new
            else:
                result.append(Token("word", word))
        elif char in "([":
            result.append(Token("open", char))
            i += 1
        elif char in ")]":
            result.append(Token("close", char))
            i += 1
        elif char in ",;":
            result.append(Token("sep", char))
            i += 1
        elif char in "-–":
            result.append(Token("dash", "-"))
            i += 1
        else:
            result.append(Token("other", char))
            i += 1
    return [token for token in result if token.kind != "unit"]


def _has_unit(result: list[Token]) -> bool:
    last = result[-1].text
    return last[-1:].isalpha()


def _number(text: str, i: int, out: list[Token]) -> int:
    """Scan the number starting at ``i``; append its token and return the next index."""
    n = len(text)
    if text.startswith("0x", i) and i + 2 < n and text[i + 2] in _HEX_DIGITS:
        end = i + 2
        while end < n and text[end] in _HEX_DIGITS:
            end += 1
        _digits_ok(end - i)
        out.append(Token("num", text[i:end], int(text[i + 2:end], 16)))
        return end
    start = i
    while i < n and text[i] in _DIGITS:
        i += 1
    digits = text[start:i]
    # Thousands separators: 524,288 and 1,048,576; never "0,512", "64,1024" or "64,128K".
    if 1 <= len(digits) <= 3 and digits[0] != "0":
        while (i + 3 < n and text[i] == "," and _all_digits(text[i + 1:i + 4])
               and not (i + 4 < n and (text[i + 4] in _DIGITS or text[i + 4].isalpha()
                                       or text[i + 4] == "."))):
            digits += text[i + 1:i + 4]
            i += 4
    _digits_ok(len(digits))
    value: int | Fraction = int(digits) if digits else 0
    if i + 1 < n and text[i] == "." and text[i + 1] in _DIGITS:
        end = i + 1
        while end < n and text[end] in _DIGITS:
            end += 1
        _digits_ok(end - i)
        value = value + Fraction(int(text[i + 1:end]), 10 ** (end - i - 1))
        i = end
    power = _power_at(text, i)
    if power is not None and value == 2:
        exponent, i = power
        value = 2 ** exponent
    out.append(Token("num", text[start:i], value))
    return i


def _power_at(text: str, i: int) -> tuple[int, int] | None:
    """``^16`` or ``**16`` (spaces allowed) at ``i``: the exponent and the index after it."""
    n = len(text)
    j = i
    while j < n and text[j] == " ":
        j += 1
    if text.startswith("**", j):
        j += 2
    elif text.startswith("^", j):
        j += 1
    else:
        return None
    while j < n and text[j] == " ":
        j += 1
    start = j
    while j < n and text[j] in _DIGITS and j - start < 2:
        j += 1
    if j == start:
        return None
    return int(text[start:j]), j


def _digits_ok(count: int) -> None:
    if count > 30:
        raise FormError("a number with more than 30 digits is not a size in these exercises")


def _whole(value: int | Fraction, shown: str) -> int:
    if type(value) is not int and value.denominator != 1:
        raise FormError(f"{shown!r} is not a whole number of bytes")
    return int(value)


# ------------------------------------------------------------------ numbers
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
            return _whole(found[0].value, value.strip())
        if len(found) == 2 and found[0].kind == "dash" and found[1].kind == "num":
            raise FormError(f"{value.strip()!r} is negative: sizes and addresses are 0 or more")
        raise FormError(f"{value.strip()[:60]!r} is not a size or address")
    raise FormError(f"{_a(type_name(value))} is not a number")


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
            number = _whole(numbers[0].value, value.strip())
        elif not numbers and words and words[0] in _NUMBER_WORDS:
            number = _NUMBER_WORDS[words[0]]
        else:
            raise FormError(f"{value.strip()[:60]!r} is not a whole number")
    else:
        raise FormError(f"{_a(type_name(value))} is not a whole number")
    if number < 0:
        raise FormError(f"{number} is negative: a count is 0 or more")
    return number


def order(value: object) -> int:
    """An order: ``2``, ``"2"``, ``"order 2"``."""
    if type(value) is str:
        found = tokens(value)
        if len(found) == 2 and found[0].text == "order" and found[1].kind == "num":
            return _whole(found[1].value, value.strip())
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
        return [_checked(_whole(found[0].value, shown), _whole(found[2].value, shown))]
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
            result.append(_span(_whole(token.value, shown), _whole(found[i + 2].value, shown)))
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
    first, second = _whole(inner[0].value, shown), _whole(inner[2].value, shown)
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
    raise FormError(f"{_a(type_name(value))} is not a list of blocks")


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
    raise FormError(f"{_a(type_name(value))} is not a list of counts")


def count_of(token: Token, shown: str) -> int:
    """The whole number a ``num`` token holds."""
    return _whole(token.value, shown.strip()[:60])


def _order_key(key: object, orders: int, min_block: int) -> int:
    if type(key) is int and 0 <= key < orders:
        return key
    if type(key) is str and _all_digits(key.strip()) and int(key) < orders:
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
FAILS = "fails"  # a failure without a reason: partial credit at most
OUTCOMES = (SUCCEEDS, EXTERNAL, NOT_ENOUGH)

_NEGATORS = {"not", "no", "never", "cannot", "nothing", "none", "neither", "nor", "without",
             "isn't", "doesn't", "won't", "can't", "wasn't", "didn't", "don't", "aren't",
             "couldn't", "wouldn't", "isnt", "doesnt", "wont", "cant", "dont"}
_SUCCESS = {"succeed", "succeeds", "succeeded", "success", "successful", "successfully",
            "fit", "fits", "works", "work", "ok", "okay", "yes", "true", "possible", "allocated",
            "granted", "satisfied", "served"}
_FAILURE = {"fail", "fails", "failed", "failure", "false", "impossible", "refused", "denied",
            "rejected"}
_LACK = {"insufficient", "exhausted", "full", "oom", "lacks", "lack", "lacking", "short"}
_BREAKS = {"but", "because", "since", "as", "so", "while", "although", "though", "yet"}
_WINDOW = 4  # a negation reaches this many words ahead


def outcome(value: object) -> str:
    """Whether a request succeeds, and if not why: one of the constants above.

    Accepts ``True``/``False``, ``"yes"``/``"no"``, ``"succeeds"``, texts naming
    external fragmentation or a lack of memory (negations such as "never",
    "not", "doesn't" are honoured, whole words only), and pairs like
    ``(False, "external fragmentation")``.  Text that says both outcomes, or
    two reasons, is refused rather than read one way.
    """
    if type(value) is bool:
        return SUCCEEDS if value else FAILS
    if type(value) is list and len(value) == 2 and type(value[1]) is str:
        first = outcome(value[0])
        if not value[1].strip():
            return first
        reason = outcome(value[1])
        if first == SUCCEEDS and reason != SUCCEEDS:
            raise FormError(_both(value))
        if first != SUCCEEDS and reason == SUCCEEDS:
            raise FormError(_both(value))
        return reason if reason != FAILS else first
    if type(value) is str:
        return _read_outcome(value)
    raise FormError(f"{_a(type_name(value))} is not an outcome")


def _both(value: object) -> str:
    return (f"{str(value)[:60]!r} says more than one thing: say it as one of "
            f'"succeeds", "fails: external fragmentation" or "fails: not enough memory"')


def _read_outcome(value: str) -> str:
    words = _words(value)
    claims: set[str] = set()
    denied: set[str] = set()
    negation = 0  # words left that the last negator reaches
    for index, word in enumerate(words):
        if word in (",", ";", ":", ".", "!") or (
                word in _BREAKS and not (index and words[index - 1] in _NEGATORS)):
            negation = 0  # "not because of ..." keeps its negation
            continue
        negated = negation > 0
        if word in _NEGATORS:
            after = words[index + 1] if index + 1 < len(words) else "."
            if word == "no" and (after in ",;:.!" or after in ("and", "or", "but")):
                claims.add(FAILS)  # a plain "no", as in "no: ..." or "yes and no"
            negation = _WINDOW
            continue
        negation = max(0, negation - 1)
        concept = _concept(words, index)
        if concept is None:
            continue
        negation = 0
        if concept == "success":
            claims.add(FAILS if negated else SUCCEEDS)
        elif concept == "failure":
            claims.add(SUCCEEDS if negated else FAILS)
        elif concept == "enough":  # "not enough memory", "no block big enough"
            if negated:
                claims.add(EXTERNAL if _about_one_block(words, index) else NOT_ENOUGH)
        elif concept == "memory":  # "no memory", "no room in one block"
            if negated:
                claims.add(EXTERNAL if _about_one_block(words, index) else NOT_ENOUGH)
        elif concept == "block":  # "no block", "no single block", "no room in one block"
            if negated:
                claims.add(EXTERNAL)
        elif negated:
            denied.add(concept)
        else:
            claims.add(concept)
    reasons = {c for c in claims if c in (EXTERNAL, NOT_ENOUGH, INTERNAL)}
    if reasons & denied:
        raise FormError(_both(value))
    if SUCCEEDS in claims and (reasons or FAILS in claims):
        raise FormError(_both(value))
    if len(reasons) > 1:
        raise FormError(f"{value.strip()[:60]!r} names more than one reason: say it as one of "
                        '"fails: external fragmentation" or "fails: not enough memory"')
    if reasons:
        return reasons.pop()
    if FAILS in claims:
        if denied:
            raise FormError(f"{value.strip()[:60]!r} says what the reason is not, but not what "
                            'it is: say "fails: external fragmentation" or "fails: not enough '
                            'memory"')
        return FAILS
    if SUCCEEDS in claims:
        return SUCCEEDS
    raise FormError(f"could not tell whether {value.strip()[:60]!r} means success or failure: "
                    'say it as one of "succeeds", "fails: external fragmentation" or '
                    '"fails: not enough memory"')


def _words(text: str) -> list[str]:
    """Lower-case words (apostrophes kept inside them) and the punctuation that ends clauses."""
    result = []
    current: list[str] = []
    for char in text.lower().replace("’", "'"):
        if char.isalpha() or (char == "'" and current):
            current.append(char)
            continue
        if current:
            result.append("".join(current).strip("'"))
            current = []
        if char in ",;:.!":
            result.append(char)
    if current:
        result.append("".join(current).strip("'"))
    return [word for word in result if word]


def _concept(words: list[str], index: int) -> str | None:
    """What the word at ``index`` says about the outcome, if anything."""
    word = words[index]
    before = words[index - 1] if index else ""
    after = words[index + 1] if index + 1 < len(words) else ""
    if word in _SUCCESS:
        return "success"
    if word in _FAILURE:
        return "failure"
    if word == "internal":
        return INTERNAL
    if word == "external" or word in ("scattered", "fragmented", "contiguous"):
        return EXTERNAL
    if word in ("fragmentation", "fragments") and before not in ("internal", "external"):
        return EXTERNAL
    if word == "small" and before == "too":
        return EXTERNAL
    if word == "enough":
        return "enough"
    if word in ("block", "blocks") and before in ("single", "one", "free", "no", "a", "any"):
        return "block"
    if word in ("memory", "space", "room"):
        return "memory"
    if word in _LACK or (word == "out" and after == "of") or (word == "little" and
                                                              before == "too"):
        return NOT_ENOUGH
    return None


def _about_one_block(words: list[str], index: int) -> bool:
    """Whether "enough" at ``index`` is about one block ("no block big enough",
    "not enough contiguous memory", "not enough memory in one block")."""
    near = words[max(0, index - 3):index + 5]
    return any(word in ("block", "contiguous", "single", "piece", "big", "large", "largest")
               for word in near)


# ------------------------------------------------------------------ forms
def _address_or_block(params: dict, value: object) -> int | tuple[int, int]:
    """An address, or a block (address, size) whose size is also checked."""
    if type(value) in (list, dict, Unordered):
        return block(value)
    if type(value) is str and any(t.kind in ("open", "dash", "sep") for t in tokens(value)):
        return block(value)
    return quantity(value)


SIZE = Form(
    'a size: a whole number of bytes, or a number with a unit K, M or G '
    '(like 131072, "128K" or "1.5M")',
    '"128K"', lambda params, value: quantity(value))
ADDRESS = Form(
    'an address: a whole number of bytes or a number with a unit, like 196608 or "192K" '
    '(hexadecimal like "0x30000" works too)',
    '"192K"', _address_or_block)
COUNT = Form("a whole number (0, 1, 2, ...)", "0", lambda params, value: count(value))
ORDER = Form("an order: a whole number j (0 for the minimum block, 1 for twice it, ...)",
             "0", lambda params, value: order(value))
BLOCKS = Form(
    'a list of blocks as (ADDRESS, SIZE) pairs, in any order, like [(0, "64K"), ("128K", '
    '"64K")], or text like "0-64K, 128K-192K" (START-END); [] for none',
    '[(0, "64K")]', lambda params, value: blocks(value))
OUTCOME = Form(
    'one of "succeeds", "fails: external fragmentation" or "fails: not enough memory" '
    '(True/False or "yes"/"no" say only whether it succeeds)',
    '"fails: ..."', lambda params, value: outcome(value))


def _per_order(params: dict, value: object) -> list[int]:
    orders = params["orders"]
    result = counts(value, orders, params["min_block"])
    if len(result) > orders:
        if any(result[orders:]):
            raise FormError(f"this memory has only {orders} orders (0 to {orders - 1})")
        result = result[:orders]
    return result + [0] * (orders - len(result))


COUNTS = Form(
    'a list of counts, one per order starting with order 0, like [3, 0, 1] or "3 0 1" '
    '(a dict {order: count} or {"64K": count} works too)',
    "[3, 0, 1, ...]", _per_order)
