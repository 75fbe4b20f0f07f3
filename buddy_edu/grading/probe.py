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

import functools
import inspect
import json
import secrets
from dataclasses import dataclass

from ..exercises.answers import transport
from ..exercises.build_your_own import harness

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

# Runs after every student cell, after the source of the transport
# (``buddy_edu.exercises.answers.transport``, the encoder the notebook's own checks
# use, so both read answers alike).  It is executed with its own globals (the
# student's namespace is only read), so a student who named a variable `json`,
# `list` or `print` does not break it.
_ANSWERS_SOURCE = r'''
def _report(user, names, limit):
    entries = []
    left = limit
    for name in names:
        if name not in user:
            entries.append(_quote(name) + ':{"missing":true}')
            continue
        text = entry(user[name])
        if len(text) > left:
            text = '{"problem":"too large to be an answer (all answers together are too long)"}'
        left -= len(text)
        entries.append(_quote(name) + ":" + text)
    return "{" + ",".join(entries) + "}"
'''

# Sends the report that ``_report(_user, _names, _limit)`` writes, between the markers,
# to the kernel's own stdout (saved by the setup snippet).
_SEND_SOURCE = r'''
import sys

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
REPORT_SOURCE = _ANSWERS_SOURCE + _SEND_SOURCE

# Runs after the last student cell, once per question answered with a function (the
# build-your-own assignment), after the sources of the transport and of the harness
# (``buddy_edu.exercises.build_your_own.harness``): it calls the student's function on
# the grader's inputs with the harness's time limits and reports each call's outcome
# as plain data.  The inputs arrive as Python literals in this code, so the student's
# function gets fresh copies and the grader's own copies never enter the kernel.
_CALLS_SOURCE = r'''
def _report(user, names, limit):
    qid = names[0]
    if _function not in user:
        return "{" + _quote(qid) + ':{"missing":true}}'
    text = run_calls(user[_function], _calls, _seconds, _budget, limit, encode, _quote)
    if text is None:
        text = '{"problem":' + _quote(_function + " is not a function") + "}"
    else:
        text = '{"value":' + text + "}"
    return "{" + _quote(qid) + ":" + text + "}"
'''


@functools.cache
def _transport_source() -> str:
    """The answer encoder's source text, to run inside the kernel (read once: every cell of
    every submission asks for it)."""
    return inspect.getsource(transport)


@functools.cache
def _calls_source() -> str:
    """The call harness's source text, to run inside the kernel."""
    return inspect.getsource(harness)


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
    return _marked(inputs, _transport_source() + REPORT_SOURCE, begin, end)


def call_extraction(qid: str, function: str, calls: list, limit: int = ANSWER_LIMIT
                    ) -> Extraction:
    """A fresh request to call the student's ``function`` on each argument list of ``calls``
    and report the outcomes as the answer to ``qid`` (``Extraction.parse(stdout, [qid])``).

    Each call is limited to ``calls.CALL_SECONDS`` and all of them together to
    ``calls.FUNCTION_BUDGET`` inside the kernel; :data:`CALLS_TIMEOUT` is the
    runner's limit for the whole snippet, for a function that ignores those.
    """
    nonce = secrets.token_hex(16)
    begin, end = f"<<buddy-edu answers {nonce}>>", f"<<end of buddy-edu answers {nonce}>>"
    inputs = {"_state_name": STATE_MODULE, "_names": [qid], "_limit": int(limit),
              "_begin": begin, "_end": end, "_function": str(function), "_calls": calls,
              "_seconds": float(harness.CALL_SECONDS), "_budget": float(harness.FUNCTION_BUDGET)}
    return _marked(inputs, _transport_source() + _calls_source() + _CALLS_SOURCE + _SEND_SOURCE,
                   begin, end)


#: Seconds the runner gives one function's calls snippet before interrupting it.
CALLS_TIMEOUT = harness.FUNCTION_BUDGET + harness.CALL_SECONDS + 5


def _marked(inputs: dict, source: str, begin: str, end: str) -> Extraction:
    """The snippet that runs ``source`` with ``inputs`` as its globals' first values."""
    assignments = "".join(f"{key} = {value!r}\n" for key, value in inputs.items())
    body = assignments + source
    # Only `__import__` is looked up in the student's namespace; builtins.globals()
    # called from the cell's own frame returns that namespace for reading.
    code = (
        "__import__('builtins').exec("
        f"{body!r}, {{'__builtins__': __import__('builtins'), "
        "'_user': __import__('builtins').globals()})"
    )
    return Extraction(code=code, begin=begin, end=end)
