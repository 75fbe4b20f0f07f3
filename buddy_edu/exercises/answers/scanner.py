"""Reading answer text: one left-to-right pass over its characters, and the error every
reader raises.

Text is read by a hand-written scanner that looks at each character once,
so no answer, however long or strange, can make a check slow (a backtracking
regular expression on student text once froze a whole grading batch).  Text
longer than :data:`~.transport.MAX_TEXT` never gets here: :mod:`.transport`
refuses it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from .transport import Unordered


class FormError(ValueError):
    """An answer that cannot be read as the kind of value the question expects."""


def type_name(value: object) -> str:
    """A short name of the kind of value, for messages."""
    if type(value) is Unordered:
        return "set"
    return type(value).__name__


def with_article(noun: str) -> str:
    """``a list``, ``an int``: a noun with its indefinite article, for messages."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


MAX_TOKENS = 600  # the longest real answer, 40 free blocks as "(A, S)", has about 240
_UNITS = {"k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
          "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
_BYTES = {"b", "byte", "bytes"}
_HEX_DIGITS = "0123456789abcdef"
_DIGITS = "0123456789"


def all_digits(text: str) -> bool:
    """Whether ``text`` is one or more decimal digits and nothing else."""
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
        while (i + 3 < n and text[i] == "," and all_digits(text[i + 1:i + 4])
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


def whole(value: int | Fraction, shown: str) -> int:
    """The whole number a scanned value holds; a fraction of a byte is refused."""
    if type(value) is not int and value.denominator != 1:
        raise FormError(f"{shown!r} is not a whole number of bytes")
    return int(value)
