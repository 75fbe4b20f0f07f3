"""Batch grading speed: 20 submissions of one assignment with --jobs 1 and --jobs 2.

Half the submissions are filled in from the students' answer keys, half with
another student's answers (mostly wrong), so both the correct and the
feedback paths run.  Each run uses a fresh gradebook, so everything is
executed; the figures are wall-clock seconds for the whole batch (kernel
start-up included), seconds per submission, and the speed-up of two jobs.

    .venv/bin/python benchmarks/grading.py [--count 20] [--assignment splitting]
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
from buddy_edu.grading.batch import grade

ROOT = Path(__file__).resolve().parents[1]


def make_submissions(assignment: str, count: int, folder: Path) -> list[Path]:
    """``count`` student notebooks: even ones correct, odd ones with a neighbour's answers."""
    template = nbformat.read(ROOT / "exercises" / f"{assignment}.ipynb", as_version=4)
    paths = []
    for number in range(count):
        student = f"s{number:03d}"
        source = student if number % 2 == 0 else f"s{number - 1:03d}"
        answers = answer_key(assignment, source)
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


def timed_batch(assignment: str, folder: Path, jobs: int, work: Path) -> tuple[float, list]:
    out = work / f"grades-jobs{jobs}.csv"
    started = time.perf_counter()
    results = grade(assignment, [folder], out=out, jobs=jobs, progress=io.StringIO())
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="submissions (default 20)")
    parser.add_argument("--assignment", default="splitting", choices=list(ASSIGNMENTS))
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
        seconds = {}
        for jobs in (1, 2):
            elapsed, results = timed_batch(args.assignment, folder, jobs, work)
            full = sum(r.score == r.max_score for r in results)
            assert len(results) == args.count and not any(r.failed for r in results)
            per_run = sum(r.seconds for r in results) / len(results)
            seconds[jobs] = elapsed
            print(f"  --jobs {jobs}: {elapsed:6.1f} s for the batch, "
                  f"{elapsed / args.count:5.2f} s per submission "
                  f"(one notebook: {per_run:4.2f} s with kernel start; {full} full marks)")
        print(f"  speed-up with 2 jobs: {seconds[1] / seconds[2]:.2f}x")


if __name__ == "__main__":
    main()
