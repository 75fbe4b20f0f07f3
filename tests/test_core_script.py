"""Scenario scripts: the format, its defaults, and errors naming line and column."""

from __future__ import annotations

import pytest

from buddy_edu import InvalidRequest, ScriptError, format_size, parse_size, run_script


def test_script_runs_the_wikipedia_start():
    a = run_script("memory 1M min 64K policy lowest\nA = alloc 34K\nB = alloc 66K\nfree A\n")
    assert (a.total, a.min_block, a.policy) == (1 << 20, 64 << 10, "lowest")
    assert [(b.name, b.address, b.size) for b in a.allocations()] == [("B", 128 << 10, 128 << 10)]
    assert a.position == len(a.events) == 8


def test_defaults_comments_blank_lines_anonymous_allocations_and_case():
    a = run_script("# a comment\n\nALLOC 10K   # trailing comment\nx = Allocate 1K\nfree P1\n")
    assert (a.total, a.min_block, a.policy) == (1 << 20, 64 << 10, "lowest")
    assert [b.name for b in a.allocations()] == ["x"]


def test_policy_argument_overrides_the_script():
    assert run_script("memory 1K min 64 policy lifo\n", policy="leftmost").policy == "leftmost"


def test_a_request_that_does_not_fit_is_recorded_and_the_script_goes_on():
    a = run_script("memory 256 min 64\nA = alloc 128\nB = alloc 200\nC = alloc 64\n")
    assert [e.kind for e in a.events][-3:] == ["fail", "split", "allocate"]


@pytest.mark.parametrize(
    "text, line, column, words",
    [("memory 1M min 64K\nA = alloc 34Q\n", 2, 11, "34Q"),
     ("memory 1M min 64K\nA = alloc\n", 2, 5, "expected 'alloc SIZE'"),
     ("memory 1M min 64K\nA = alloc 1K\nA = alloc 1K\n", 3, 5, "already allocated"),
     ("memory 1M\nfree A\n", 2, 1, "nothing is allocated under the name 'A'"),
     ("memory 1M\nsteal 5\n", 2, 1, "unknown command 'steal'"),
     ("memory 1000 min 64\n", 1, 1, "power of two"),
     ("memory 1M policy best\n", 1, 1, "unknown policy 'best'"),
     ("memory 1M colour red\n", 1, 11, "unknown setting 'colour'"),
     ("memory 1M min\n", 1, 11, "needs a value"),
     ("alloc 1K\nmemory 1M\n", 2, 1, "must come before"),
     ("9x = alloc 1K\n", 1, 1, "not a name"),
     ("A = free B\n", 1, 5, "expected 'free NAME'"),
     ("memory 1M\nA = alloc 0\n", 2, 5, "between 1 and")],
)
def test_errors_name_line_and_column(text, line, column, words):
    with pytest.raises(ScriptError) as caught:
        run_script(text)
    error = caught.value
    assert (error.line, error.column) == (line, column), str(error)
    assert words in str(error) and str(error).startswith(f"line {line}, column {column}: ")
    assert isinstance(error, InvalidRequest)


def test_not_text():
    with pytest.raises(InvalidRequest, match="a script is text"):
        run_script(b"alloc 1K")


@pytest.mark.parametrize("text, value", [("64", 64), ("64K", 65536), ("1m", 1 << 20),
                                         ("2G", 2 << 30), (" 3 K ", 3072), ("4KB", 4096), (7, 7)])
def test_parse_size(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("bad", ["", "K", "1.5K", "-1", "64T", True, 2.0, None])
def test_parse_size_refuses(bad):
    with pytest.raises(InvalidRequest, match="expected a size like 64, 64K, 1M or 2G"):
        parse_size(bad)


def test_format_size():
    assert [format_size(v) for v in (0, 1, 1023, 1024, 1 << 20, 3 << 30)] == [
        "0", "1", "1023", "1K", "1M", "3G"]
    # Not a whole K, M or G: exact bytes first, the rounded size beside them (issue 10).
    assert format_size(82379) == "82379 B (80.45K)"
    assert format_size(711839) == "711839 B (695.16K)"
    assert format_size((5 << 20) + 1) == "5242881 B (5.00M)"
    assert parse_size(format_size(82379).split(" (")[0]) == 82379  # the bytes type back
