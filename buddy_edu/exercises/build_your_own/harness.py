"""Calling a student's function on the grader's inputs, with a time limit per call.

This is the build-your-own assignment's twin of :mod:`..answers.transport`:
``ex.check`` in the notebook imports it, and under the grader its *source text*
runs inside the student's kernel (``buddy_edu.grading.probe`` sends it, after the
transport's source).  Both sides therefore call the function the same way, with
the same limits, and write the same report; only plain data leaves, encoded by
the transport's ``encode`` (passed in, so this text needs no imports of its own at module
level and runs from fresh globals).

Each call gets fresh copies of its arguments, so a function that changes its
arguments (as ``split`` and ``free_block`` must) cannot change the next call's
inputs, and nothing the kernel does can change the grader's copies.  Every
call's outcome is one of

- ``["ok", result, arguments_after]``: what the function returned, and its
  arguments as the function left them (to see what it changed);
- ``["raised", "ValueError: message"]``: it raised (its own message, one line);
- ``["timeout", seconds]``: it ran longer than the per-call limit;
- ``["refused", why]``: it returned something that is not plain data;
- ``["skipped", why]``: not called (the time for this function was used up).

Exceptions used as the limit's signal derive from ``BaseException``, so a
student's ``except Exception`` cannot swallow them.
"""

MAX_MESSAGE = 200
#: Seconds one call may take, and all calls of one function together.
CALL_SECONDS = 1.0
FUNCTION_BUDGET = 8.0
#: Characters of the report of all calls of one function.
REPORT_LIMIT = 900_000


class CallTimeout(BaseException):
    """Raised inside the student's function when its call has run out of time."""


def _fresh(value):
    """A deep copy of plain data (lists, tuples, dicts and scalars), without ``copy``."""
    kind = type(value)
    if kind is list:
        return [_fresh(item) for item in value]
    if kind is tuple:
        return tuple(_fresh(item) for item in value)
    if kind is dict:
        return {key: _fresh(item) for key, item in value.items()}
    return value


def _message(error):
    """``"ValueError: text"`` without running any of the exception's own methods."""
    kind = type(error)
    name = type.__dict__["__name__"].__get__(kind, type)
    name = str.__str__(name) if isinstance(name, str) else "Exception"
    args = BaseException.__dict__["args"].__get__(error)
    text = ""
    if type(args) is tuple and len(args) >= 1 and type(args[0]) is str:
        text = " ".join(str.split(args[0]))
    line = name + ": " + text if text else name
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 3] + "..."


def call_limited(function, args, seconds):
    """``("ok", result)``, ``("raised", message)`` or ``("timeout", seconds)`` for one call.

    The limit is a real-time alarm (``signal.setitimer``), so it only works in
    the main thread, where notebooks run their cells; elsewhere the call runs
    without one and the runner's per-cell limit is the backstop.  JupyterLite's
    Pyodide has no ``setitimer`` at all: there the call runs unlimited (the
    grader, which needs the limit, never runs in a browser).
    """
    import signal

    def expire(signum, frame):
        raise CallTimeout()

    try:
        signal.setitimer  # noqa: B018 - absent in the browser (Pyodide): no limit there
        previous = signal.signal(signal.SIGALRM, expire)
    except (ValueError, AttributeError, OSError):  # not the main thread, or no alarm
        previous = None
    try:
        try:
            if previous is not None:
                signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                return ("ok", function(*args))
            finally:
                if previous is not None:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except CallTimeout:
            return ("timeout", seconds)
        except RecursionError:
            return ("raised", "RecursionError: maximum recursion depth exceeded")
        except Exception as error:
            return ("raised", _message(error))
    except CallTimeout:  # the alarm went off just as the call returned
        return ("timeout", seconds)
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)


def run_calls(function, calls, seconds, budget, limit, encode, quote):
    """The JSON text of a list with one outcome per call of ``function`` (see the module).

    ``calls`` is a list of argument lists (plain data); ``seconds`` limits each
    call and ``budget`` all of them together (later calls are skipped once it
    is spent, and after the first timeout, since a function that loops once
    usually loops again); ``limit`` caps the characters of the whole report.
    ``encode`` and ``quote`` are :mod:`..answers.transport`'s ``encode`` and ``_quote``.
    """
    import time

    if not callable(function):
        return None
    outcomes = []
    left = limit
    start = time.monotonic()
    stop_reason = None
    for args in calls:
        if stop_reason is None and time.monotonic() - start > budget:
            stop_reason = f"the time for this function ({budget:g} s) was used up"
        if stop_reason is not None:
            text = '["skipped",' + quote(stop_reason) + "]"
        else:
            args = _fresh(args)
            status, value = call_limited(function, args, seconds)
            if status == "ok":
                try:
                    text = '["ok",' + encode(value) + "," + encode(args) + "]"
                except Exception as refusal:
                    text = '["refused",' + quote(_message(refusal).split(": ", 1)[-1]) + "]"
            elif status == "timeout":
                text = '["timeout",' + repr(float(seconds)) + "]"
                stop_reason = "an earlier call ran out of time"
            else:
                text = '["raised",' + quote(value) + "]"
        if len(text) > left:
            text = '["refused","the results of all calls together are too large"]'
        left -= len(text)
        outcomes.append(text)
    return "[" + ",".join(outcomes) + "]"
