"""The grader's code that runs *inside* a student's kernel, and the parser for what it reports.

Everything the grader learns from a submission passes through here: the kernel
is the student's territory (their code may have replaced ``json``, ``print``,
``sys.stdout`` or anything in ``buddy_edu``), so the kernel only ever reports
the raw values of the answer variables, encoded by this module's own small
JSON writer that accepts exact plain types only.  An object that pretends to
be a number (a subclass of ``int``, an ``__eq__`` that is always true, a numpy
scalar) is reported as "not plain data", never as a value.  The report is
printed between markers carrying a fresh random nonce, and the grader parses
it in its own process; checking happens there too, so nothing the kernel does
can mark an answer correct.

The snippets are kept as source text because they are sent to the kernel; the
tests exec them in-process as well to exercise the encoder quickly.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

#: Name of the module object the setup snippet leaves in the kernel's ``sys.modules``.
STATE_MODULE = "_buddy_edu_grading"

#: Largest report (characters of JSON) the kernel sends for one snapshot of the answers.
ANSWER_LIMIT = 1_000_000

# Runs once, before the first student cell.  It keeps a private reference to
# the kernel's own stdout (the report goes there even if the student replaces
# sys.stdout) and caps what the student's cells can print, so a 100 MB print
# never leaves the kernel.
SETUP_SOURCE = r'''
def _buddy_edu_setup(limit, state_name):
    import sys
    import types

    class CappedStream:
        """Forwards writes to the kernel's stream until `limit` characters per cell."""

        def __init__(self, inner, name):
            self._inner = inner
            self._name = name
            self._left = limit
            self._noted = False

        def write(self, text):
            if not isinstance(text, str):
                return self._inner.write(text)
            if self._left > 0:
                part = text[: self._left]
                self._left -= len(part)
                self._inner.write(part)
                if len(part) == len(text):
                    return len(text)
            if not self._noted:
                self._noted = True
                self._inner.write(
                    "\n[buddy-edu grader: further %s output of this cell was dropped "
                    "after %d characters]\n" % (self._name, limit))
            return len(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def reset(self):
            self._left = limit
            self._noted = False

        def __getattr__(self, name):
            return getattr(self._inner, name)

    state = types.ModuleType(state_name)
    state.stdout = sys.stdout
    state.shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    state.streams = []
    for name in ("stdout", "stderr"):
        capped = CappedStream(getattr(sys, name), name)
        setattr(sys, name, capped)
        state.streams.append(capped)
    sys.modules[state_name] = state

_buddy_edu_setup(LIMIT, STATE)
del _buddy_edu_setup
'''

# Runs after every student cell.  It is executed with its own globals (the
# student's namespace is only read), so a student who named a variable `json`,
# `list` or `print` does not break it.
EXTRACT_SOURCE = r'''
import sys

_NOT_PLAIN = "not plain data"


class _Refused(Exception):
    pass


_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\"}
for _code in range(32):
    _ESCAPES[_code] = "\\u%04x" % _code
_ESCAPES[127] = "\\u007f"


def _quote(text):
    if text.isascii():
        return '"' + str.translate(text, _ESCAPES) + '"'
    parts = ['"']
    for char in text:
        code = ord(char)
        if code < 128:
            parts.append(_ESCAPES.get(code, char))
        elif 0xD800 <= code <= 0xDFFF:
            raise _Refused("text containing an unpaired surrogate character")
        elif code > 0xFFFF:
            code -= 0x10000
            parts.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
        else:
            parts.append("\\u%04x" % code)
    parts.append('"')
    return "".join(parts)


def _type_name(value):
    kind = type(value)
    name = "%s.%s" % (getattr(kind, "__module__", "?"), getattr(kind, "__qualname__", "?"))
    return name[:120]


def _encode(value, out, depth, budget):
    if depth > 20:
        raise _Refused("nested more than 20 levels deep")
    kind = type(value)
    if value is None:
        text = "null"
    elif kind is bool:
        text = "true" if value else "false"
    elif kind is int:
        if int.bit_length(value) > 3000:
            raise _Refused("a number too large to be an answer")
        text = int.__repr__(value)
    elif kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _Refused("a number that is not finite (nan or infinity)")
        text = float.__repr__(value)
    elif kind is str:
        text = _quote(value)
    elif kind is list or kind is tuple:
        out.append("[")
        budget[0] -= 1
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out, depth + 1, budget)
        out.append("]")
        return
    elif kind is dict:
        out.append("{")
        budget[0] -= 1
        for index, (key, item) in enumerate(dict.items(value)):
            if type(key) is not str:
                raise _Refused("a dict whose keys are not all strings")
            if index:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _encode(item, out, depth + 1, budget)
        out.append("}")
        return
    else:
        raise _Refused("%s (a %s object)" % (_NOT_PLAIN, _type_name(value)))
    budget[0] -= len(text)
    if budget[0] < 0:
        raise _Refused("too large to be an answer")
    out.append(text)


def _report(user, names, limit):
    entries = []
    left = limit
    for name in names:
        if name not in user:
            entries.append(_quote(name) + ':{"missing":true}')
            continue
        out, budget = [], [left]
        try:
            _encode(user[name], out, 0, budget)
        except _Refused as refusal:
            entry = '{"problem":' + _quote(str(refusal.args[0])) + "}"
        except Exception as error:
            entry = '{"problem":' + _quote(
                "could not be read (%s)" % type(error).__name__) + "}"
        else:
            entry = '{"value":' + "".join(out) + "}"
            left = budget[0]
        entries.append(_quote(name) + ":" + entry)
    return "{" + ",".join(entries) + "}"


_state = sys.modules.get(_state_name)
for _stream in getattr(_state, "streams", ()):
    try:
        _stream.reset()
    except Exception:
        pass
_out = getattr(_state, "stdout", None) or sys.stdout
try:
    # The kernel tells sys.stdout which request is running; if the student
    # replaced sys.stdout, tell the saved stream ourselves.
    _out.set_parent(_state.shell.get_parent())
except Exception:
    pass
_out.write("\n" + _begin + _report(_user, _names, _limit) + _end + "\n")
_out.flush()
'''


def setup_code(output_limit: int) -> str:
    """The first thing a graded kernel runs: cap student output to ``output_limit`` per cell."""
    return SETUP_SOURCE.replace("LIMIT, STATE", f"{int(output_limit)}, {STATE_MODULE!r}")


@dataclass(frozen=True)
class Extraction:
    """One request for a snapshot of the answers: the code to run and how to read its output."""

    code: str
    begin: str
    end: str

    def parse(self, stdout: str, names: list[str]) -> dict[str, dict]:
        """The answers reported between this request's markers.

        Returns ``{name: {"value": v} | {"missing": True} | {"problem": text}}``
        for every name.  Raises ``ValueError`` when the output does not hold
        exactly one well-formed report (the kernel died mid-write, something
        printed a second report, or the report was not valid JSON).
        """
        start = stdout.find(self.begin)
        if start < 0 or stdout.find(self.begin, start + 1) >= 0:
            raise ValueError("the kernel did not send exactly one answer report")
        start += len(self.begin)
        stop = stdout.find(self.end, start)
        if stop < 0:
            raise ValueError("the answer report was cut off")
        try:
            report = json.loads(stdout[start:stop])
        except (ValueError, RecursionError) as error:
            raise ValueError(f"the answer report was not valid JSON ({error})") from None
        if not isinstance(report, dict):
            raise ValueError("the answer report was not a JSON object")
        answers = {}
        for name in names:
            entry = report.get(name)
            if isinstance(entry, dict) and "value" in entry:
                answers[name] = {"value": entry["value"]}
            elif isinstance(entry, dict) and isinstance(entry.get("problem"), str):
                answers[name] = {"problem": entry["problem"][:300]}
            else:
                answers[name] = {"missing": True}
        return answers


def extraction(names: list[str], limit: int = ANSWER_LIMIT) -> Extraction:
    """A fresh request for the current values of ``names``, marked with a new random nonce."""
    nonce = secrets.token_hex(16)
    begin, end = f"<<buddy-edu answers {nonce}>>", f"<<end of buddy-edu answers {nonce}>>"
    inputs = {"_state_name": STATE_MODULE, "_names": list(names), "_limit": int(limit),
              "_begin": begin, "_end": end}
    assignments = "".join(f"{key} = {value!r}\n" for key, value in inputs.items())
    body = assignments + EXTRACT_SOURCE
    # Only `__import__` is looked up in the student's namespace; builtins.globals()
    # called from the cell's own frame returns that namespace for reading.
    code = (
        "__import__('builtins').exec("
        f"{body!r}, {{'__builtins__': __import__('builtins'), "
        "'_user': __import__('builtins').globals()})"
    )
    return Extraction(code=code, begin=begin, end=end)
