"""The command line: the classic menu driven through stdin, ``buddy-edu run``, and every
command's arguments checked before it starts anything."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from buddy_edu.cli import main
from buddy_edu.cli.menu import run_menu

SCRIPT = """\
memory 1M min 64K policy lowest
A = alloc 34K
B = alloc 66K
free A
"""


def menu(text: str, **options) -> str:
    out = io.StringIO()
    assert run_menu(io.StringIO(text), out, **options) == 0
    return out.getvalue()


def test_menu_places_blocks_as_the_classic_program_by_default():
    # The smallest trace where the classic tree walk and `lowest` differ: total 8;
    # allocate 3, allocate 2, remove 3, allocate 2.  The classic program puts it at 0.
    trace = "8\n1\n1\nA\n3\n1\nB\n2\n2\nA\n1\nC\n2\n4\n"
    classic = menu(trace)
    assert "Placement: leftmost, the tree walk of the classic program" in classic
    assert "C got the 2 block at 0" in classic
    lowest = menu(trace, policy="lowest")
    assert "Placement: lowest" in lowest and "C got the 2 block at 6" in lowest


def test_menu_refuses_a_memory_smaller_than_its_minimum_block():
    out = menu("1\n\n1M\n64K\n4\n")
    assert "a memory of 1 is smaller than its minimum block (64K)" in out
    assert out.rstrip().endswith("Bye.")


def test_menu_allocate_show_remove_exit():
    out = menu("1M\n64K\n1\nA\n34K\n1\n\n66K\n3\n2\nA\n3\n4\n")
    assert "1. Allocate process into memory" in out and "4. Exit" in out
    assert "A got the 64K block at 0 (requested 34K)." in out
    assert "P2 got the 128K block at 128K" in out
    assert "64K [0, 64K) Allocated to A, requested 34K" in out
    assert "Removed A: freed the 64K block at 0." in out
    assert out.rstrip().endswith("Bye.")


def test_menu_defaults_and_remove_by_size_with_a_choice():
    out = menu("\n\n1\nX\n10K\n1\nY\n10K\n2\n10K\nZ\nY\n3\n4\n")
    assert "Several processes have size 10K: X (10K), Y (10K)" in out
    assert "Type one of X, Y" in out
    assert "Removed Y" in out and "Allocated to X" in out and "Allocated to Y" not in out


def test_menu_garbage_reprompts_with_reasons_and_nothing_crashes():
    out = menu(
        "lots\n1000K\n64K\n1M\n64K\n"  # bad size, then a total that is not a power of two
        "9\nhello\n"  # not choices
        "1\nA\n-3\nzero\n0\n2M\n"  # bad sizes then too large
        "2\n"  # nothing allocated
        "1\nA\n1\n2\n5K\n2\nnobody\n1\nA\n1\n4\n"
    )
    assert "expected a size like 64, 64K, 1M or 2G, got 'lots'" in out
    assert "must be min_block (65536) times a power of two" in out
    assert "'9' is not a choice" in out and "'hello' is not a choice" in out
    assert "a size must be at least 1" in out
    assert "Not allocated: size must be between 1 and the memory size" in out
    assert "Nothing is allocated." in out
    assert "No process has size 5K. Allocated: A (1)" in out
    assert "No process is named 'nobody'" in out
    assert "Not allocated: 'A' is already allocated" in out
    assert "Traceback" not in out


def test_menu_out_of_memory_is_explained():
    out = menu("256\n64\n1\nA\n128\n1\nB\n64\n2\nA\n1\nC\n256\n4\n")
    assert "Not allocated: cannot allocate 256 for C" in out


@pytest.mark.parametrize("cut", ["", "1M\n", "1M\n64K\n", "1M\n64K\n1\n", "1M\n64K\n1\nA\n",
                                 "1M\n64K\n2\n", "1M\n64K\n1\nA\n1K\n2\n"])
def test_menu_end_of_input_exits_cleanly_anywhere(cut):
    out = menu(cut)
    assert out.rstrip().endswith("Bye.")


def test_python_dash_m_runs_the_menu_without_tracebacks():
    done = subprocess.run(
        [sys.executable, "-m", "buddy_edu"], input="1M\n64K\n1\nA\n\x00\n34K\n3\n",
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Allocated to A, requested 34K" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_run_prints_events_tree_free_lists_and_stats(tmp_path, capsys):
    script = tmp_path / "wiki.txt"
    script.write_text(SCRIPT)
    assert main(["run", str(script)]) == 0
    out = capsys.readouterr().out
    assert "1. Split the 1M block at 0 into buddies at 0 and 512K for A." in out
    assert "Free A: the 64K block at 0 is free again." in out
    assert "128K [128K, 256K) Allocated to B, requested 66K" in out
    assert "order  0 (  64K):   0 free  -" in out  # A merged with its free buddy
    assert "order  1 ( 128K):   1 free  0" in out
    assert "internal fragmentation  62K" in out


def test_run_json_and_policy_override(tmp_path, capsys):
    script = tmp_path / "s.txt"
    script.write_text(SCRIPT)
    assert main(["run", str(script), "--json", "--policy", "lifo"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "lifo" and len(data["events"]) == data["position"] == 8


def test_run_reports_script_errors_with_line_and_column(tmp_path, capsys):
    script = tmp_path / "bad.txt"
    script.write_text("memory 1M\nA = alloc 34Q\n")
    assert main(["run", str(script)]) == 2
    err = capsys.readouterr().err
    assert "line 2, column 11" in err and "34Q" in err
    assert main(["run", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read the script" in capsys.readouterr().err


def test_run_piped_into_head_ends_quietly(tmp_path):
    script = tmp_path / "long.txt"
    script.write_text("memory 1M min 1K\n" + "".join(f"P{n} = alloc 1K\n" for n in range(900)))
    done = subprocess.run(f"{sys.executable} -m buddy_edu run {script} | head -n 2",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


def test_run_reads_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("alloc 1K\n"))
    assert main(["run", "-"]) == 0
    assert "for P1" in capsys.readouterr().out


def test_slides_read_every_lesson_and_check_the_folder_before_fetching_or_running(
        tmp_path, monkeypatch, capsys):
    from buddy_edu.cli import deck, revealjs

    started = []
    monkeypatch.setattr(revealjs, "install", lambda *args, **kw: started.append("npm"))
    monkeypatch.setattr(deck, "execute", lambda *args, **kw: started.append("kernel"))
    notes = tmp_path / "notes.ipynb"
    notes.write_text("just some notes", encoding="utf-8")
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    for argv, says in [
        (["slides", "01", str(notes), "--out", str(tmp_path / "decks")],
         "notes.ipynb is not a Jupyter notebook"),
        (["slides", "01", "--out", str(tmp_path / "afile")],
         "cannot write the decks into " + str(tmp_path / "afile") + ": it is a file"),
        (["slides", "01", "--out", str(tmp_path / "afile" / "decks")],
         str(tmp_path / "afile") + " is a file; pass a folder"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err
    assert started == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "notes.ipynb"]
