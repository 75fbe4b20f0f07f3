"""Batch grading speed: 20 correct submissions, --jobs 1 and 2, with and without the sandbox.

Every submission is filled in from its student's answer key.  Each run uses
a fresh gradebook, so everything is executed; the figures are wall-clock
seconds for the whole batch (kernel start-up included), seconds per
submission, the speed-up of two jobs, and what the bubblewrap sandbox costs
(goal: at most 25% more time per submission).

    .venv/bin/python benchmarks/grading.py [--count 20] [--assignment splitting] [--repeat 2]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import tempfile
import time
from pathlib import Path

import nbformat

from buddy_edu.exercises import ASSIGNMENTS, answer_key
from buddy_edu.grading import GradingOptions, grade

ROOT = Path(__file__).resolve().parents[1]


def make_submissions(assignment: str, count: int, folder: Path) -> list[Path]:
    """``count`` student notebooks, each with its own correct answers."""
    template = nbformat.read(ROOT / "exercises" / f"{assignment}.ipynb", as_version=4)
    paths = []
    for number in range(count):
        student = f"s{number:03d}"
        answers = answer_key(assignment, student)
        nb = nbformat.from_dict(template)
        for cell in nb.cells:
            cell.source = cell.source.replace('student="your-id"', f'student="{student}"')
            for qid, value in answers.items():
                cell.source = re.sub(rf"^{qid} = None.*$", f"{qid} = {value!r}", cell.source,
                                     flags=re.M)
        path = folder / f"{student}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def timed_batch(assignment: str, folder: Path, jobs: int, sandbox: bool,
                work: Path) -> tuple[float, list]:
    out = Path(tempfile.mkdtemp(dir=work)) / "grades.csv"  # a fresh gradebook: nothing skipped
    started = time.perf_counter()
    results = grade(assignment, [folder], out=out, progress=io.StringIO(),
                    options=GradingOptions(jobs=jobs, sandbox=sandbox))
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="submissions (default 20)")
    parser.add_argument("--assignment", default="splitting", choices=list(ASSIGNMENTS))
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each setting; the fastest counts (default 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "submissions"
        folder.mkdir()
        make_submissions(args.assignment, args.count, folder)
        cells = sum(c.cell_type == "code" for c in
                    nbformat.read(folder / "s000.ipynb", as_version=4).cells)
        print(f"{args.count} submissions of {args.assignment!r} ({cells} code cells each), "
              f"{os.cpu_count()} cores")
        seconds: dict[tuple[bool, int], float] = {}
        per_run: dict[tuple[bool, int], float] = {}
        # Interleaved and repeated, best of each kept: other work on the machine
        # then weighs on both sides alike instead of on whichever ran second.
        for _ in range(args.repeat):
            for jobs in (1, 2):
                for sandbox in (False, True):
                    elapsed, results = timed_batch(args.assignment, folder, jobs, sandbox, work)
                    full = sum(r.score == r.max_score and not r.skipped for r in results)
                    assert len(results) == args.count and full == args.count
                    if elapsed < seconds.get((sandbox, jobs), float("inf")):
                        seconds[sandbox, jobs] = elapsed
                        per_run[sandbox, jobs] = sum(r.seconds for r in results) / args.count
        for sandbox in (False, True):
            print("  sandbox (bubblewrap):" if sandbox else "  no sandbox (--no-sandbox):")
            for jobs in (1, 2):
                elapsed = seconds[sandbox, jobs]
                print(f"    --jobs {jobs}: {elapsed:6.1f} s for the batch, "
                      f"{elapsed / args.count:5.2f} s per submission (one notebook: "
                      f"{per_run[sandbox, jobs]:4.2f} s with kernel start)")
            print(f"    speed-up with 2 jobs: {seconds[sandbox, 1] / seconds[sandbox, 2]:.2f}x")
        for jobs in (1, 2):
            ratio = seconds[True, jobs] / seconds[False, jobs]
            print(f"  sandbox overhead with --jobs {jobs}: {100 * (ratio - 1):+.0f}% "
                  f"({ratio:.2f}x; goal: at most +25%)")


if __name__ == "__main__":
    main()
