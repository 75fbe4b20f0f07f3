"""How each kind of answer is written (its :class:`Form`): the one home of answer forms.

Every question type picks one form here; the form's text is what the student
is told to write, and its parser is one of the readers in :mod:`.values` and
:mod:`.outcomes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .outcomes import outcome
from .scanner import FormError, tokens, type_name, with_article
from .transport import Unordered
from .values import block, blocks, count, counts, order, quantity


@dataclass(frozen=True)
class Form:
    """How an answer is written: the text shown to students, an example that can
    occur in the exercises, and the parser (``parse(params, value)``)."""

    text: str
    example: str
    parse: Callable[[dict, object], object]


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


#: The letters a "which statement is true" question can offer.
LETTERS = "abcdef"


def choice(params: dict, value: object) -> str:
    """One statement's letter: ``"b"``, ``"B"``, ``"(b)"``, ``"b)"`` or ``"statement b"``."""
    if type(value) is not str:
        raise FormError(f"{with_article(type_name(value))} is not a letter")
    text = value.strip().lower()
    if text.startswith("statement"):
        text = text[len("statement"):].strip()
    text = text.strip("().: ")
    if len(text) != 1 or text not in LETTERS:
        raise FormError(f"{value.strip()[:60]!r} is not one statement's letter")
    return text


CHOICE = Form('the letter of the one true statement: "a", "b", "c" or "d"', '"a"', choice)
