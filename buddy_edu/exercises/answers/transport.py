"""The one way an answer leaves the student's hands: a Python value, then JSON text, then
plain data.

The notebook (``ex.check``, the lessons' QuickCheck) and the batch grader read
answers through this module alone.  In a notebook the value is encoded and
decoded in the same process; under the grader this module's *source text*
runs inside the student's kernel (``buddy_edu.grading.probe`` sends it there)
and the decoding happens in the grader's own process.  Because both sides run
the same encoder, they can never disagree on what an answer is, or on why a
value is refused: the student who sees ✓ gets the points.

What travels is what students naturally write: numbers, strings, lists,
tuples, sets and dicts with number or text keys.  Types are compared by
identity, so no method of the student's objects ever runs (a subclass of
``int`` or an object whose ``__eq__`` always says yes is refused, not
compared).  Sets decode to :class:`Unordered` so that a reader can tell "in any
order" from a sequence.

The source must stay self-contained (builtins only, no module-level imports
and no annotations that need them), because it is executed from text with
fresh globals inside a kernel the student controls.
"""

MAX_DEPTH = 6
MAX_ITEMS = 5000
MAX_TEXT = 4000
MAX_DIGITS = 400
MAX_CHARS = 200_000  # of JSON text for one answer


class Refused(ValueError):
    """A value that cannot be an answer; the message says why, in the student's terms."""


class Unordered(tuple):
    """A set or frozenset from the student's side, decoded: items whose order means nothing."""

    __slots__ = ()


_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\"}
for _code in range(32):
    _ESCAPES[_code] = f"\\u{_code:04x}"
_ESCAPES[127] = "\\u007f"
del _code


def _quote(text):
    if text.isascii():
        return '"' + str.translate(text, _ESCAPES) + '"'
    parts = ['"']
    for char in text:
        code = ord(char)
        if code < 128:
            parts.append(_ESCAPES.get(code, char))
        elif 0xD800 <= code <= 0xDFFF:
            raise Refused("text with an unpaired surrogate character is not an answer")
        elif code > 0xFFFF:
            code -= 0x10000
            parts.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            parts.append(f"\\u{code:04x}")
    parts.append('"')
    return "".join(parts)


def _text(obj):
    """An exact copy of a str (or str subclass) without running its methods; else "?"."""
    try:
        return str.__str__(obj)
    except TypeError:
        return "?"


def _type_name(value):
    kind = type(value)
    name = _text(type.__dict__["__qualname__"].__get__(kind, type))
    module = _text(type.__dict__["__module__"].__get__(kind, type))
    if not str.__eq__(module, "builtins") and not str.__eq__(module, "?"):
        name = module + "." + name
    return name[:80]


def _a(noun):
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


_SCALARS = (type(None), bool, int, float, str)
_CONTAINERS = (list, tuple, set, frozenset, dict)


def _among(kind, kinds):
    """``kind in kinds`` by identity: ``in`` would call a metaclass's ``__eq__``."""
    for each in kinds:
        if kind is each:
            return True
    return False


def _scalar(value):
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        if int.bit_length(value) > MAX_DIGITS * 3:
            raise Refused("a number too large to be an answer")
        return int.__repr__(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise Refused("a number that is not finite (nan or infinity) is not an answer")
        return float.__repr__(value)
    if len(value) > MAX_TEXT:
        raise Refused(f"the answer text is too long (over {MAX_TEXT} characters)")
    return _quote(value)


def _walk(value, out, depth, budget):
    budget[0] -= 1
    if budget[0] < 0:
        raise Refused(f"the answer is too large (more than {MAX_ITEMS} values)")
    kind = type(value)
    if _among(kind, _SCALARS):
        text = _scalar(value)
        budget[1] -= len(text)
        if budget[1] < 0:
            raise Refused(f"the answer is too large (more than {MAX_CHARS} characters)")
        out.append(text)
        return
    if not _among(kind, _CONTAINERS):
        raise Refused(
            f"{_a(_type_name(value))} object is not an answer: use plain numbers, strings, "
            "lists, tuples, sets or dicts")
    if depth >= MAX_DEPTH:
        raise Refused(f"the answer is nested too deeply (more than {MAX_DEPTH} levels)")
    if kind is dict:
        out.append('{"dict":[')
        for index, (key, item) in enumerate(dict.items(value)):
            if not _among(type(key), _SCALARS):
                raise Refused(f"{_a(_type_name(key))} cannot be a key in an answer: use "
                              "numbers or text as keys")
            out.append(',[' if index else '[')
            out.append(_scalar(key))
            out.append(",")
            _walk(item, out, depth + 1, budget)
            out.append("]")
        out.append("]}")
        return
    if kind is set or kind is frozenset:
        out.append('{"set":[')
        items = set.__iter__(value) if kind is set else frozenset.__iter__(value)
    else:
        out.append("[")
        items = list.__iter__(value) if kind is list else tuple.__iter__(value)
    for index, item in enumerate(items):
        if index:
            out.append(",")
        _walk(item, out, depth + 1, budget)
    out.append("]}" if kind is set or kind is frozenset else "]")


def encode(value):
    """``value`` as JSON text, or :class:`Refused` saying why it is not an answer."""
    out = []
    _walk(value, out, 0, [MAX_ITEMS, MAX_CHARS])
    return "".join(out)


def entry(value):
    """The JSON text of one report entry: ``{"value": ...}`` or ``{"problem": "..."}``.

    Never raises for any value, so one odd answer cannot hide the others.
    """
    try:
        return '{"value":' + encode(value) + "}"
    except Refused as refusal:
        return '{"problem":' + _quote(str.__str__(refusal.args[0])) + "}"
    except Exception as error:  # RecursionError, MemoryError, a broken str subclass ...
        return '{"problem":' + _quote(f"could not be read ({_type_name(error)})") + "}"


def untag(data):
    """Plain data from decoded JSON: lists, dicts with their own key types, Unordered sets.

    Raises ``ValueError`` for anything this module's encoder would not write.
    """
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [untag(item) for item in data]
    if kind is dict and len(data) == 1:
        if type(data.get("set")) is list:
            return Unordered(untag(item) for item in data["set"])
        if type(data.get("dict")) is list:
            result = {}
            for pair in data["dict"]:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is list \
                        or type(pair[0]) is dict:
                    raise ValueError("a malformed dict entry")
                result[pair[0]] = untag(pair[1])
            return result
    raise ValueError("not data this encoder writes")


def read(value):
    """What the grader would read for ``value``: ``("value", plain)`` or ``("problem", text)``.

    The notebook calls this on the student's own value; the grader gets the same
    pair by decoding :func:`entry`'s text from the kernel (see :func:`read_entry`).
    """
    import json

    return read_entry(json.loads(entry(value)))


def read_entry(data):
    """``("value", plain)``, ``("problem", text)`` or ``("missing", None)`` for a decoded entry."""
    if type(data) is dict and "value" in data:
        try:
            return "value", untag(data["value"])
        except (ValueError, RecursionError):
            return "problem", "could not be read (malformed report)"
    if type(data) is dict and type(data.get("problem")) is str:
        return "problem", data["problem"][:300]
    return "missing", None
