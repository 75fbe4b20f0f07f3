"""Grading a Canvas download: a course of N students handed in as Canvas's zip.

Each student's notebook is the course's class notebook answered from their own
key, named as Canvas's "Download Submissions" names it, all in one zip.  The
figures: seconds to open the zip and match every file to the roster (no
kernel), and wall-clock seconds for the whole ``grade`` (sandboxed, fresh
gradebook, kernel start-up included) and per submission.

    .venv/bin/python benchmarks/lms.py [--count 30] [--jobs 2] [--no-sandbox]
"""

from __future__ import annotations

import argparse
import io
import re
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

from buddy_edu.exercises import answer_key
from buddy_edu.exercises.course.release import write_release
from buddy_edu.exercises.course.settings import init_course
from buddy_edu.grading import grade
from buddy_edu.grading.roster_match import collect

ASSIGNMENT = "coalescing"


def make_class(folder: Path, count: int):
    course = init_course(folder / "course", name="bench")
    rows = ["student_id,name,email,canvas_id,sis_id,moodle_id,gradescope_sid"]
    rows += [f"s{n:04d},Student {n},s{n}@uni.edu,{10000 + n},S{n},{n},S{n}"
             for n in range(count)]
    course.roster_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    released = nbformat.read(write_release(course, ASSIGNMENT), as_version=4)
    secret = course.secret()
    download = folder / "submissions.zip"
    with zipfile.ZipFile(download, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            student = f"s{n:04d}"
            notebook = nbformat.from_dict(released)
            for cell in notebook.cells:
                if cell.cell_type != "code":
                    continue
                cell.source = cell.source.replace('student="your-id"', f'student="{student}"')
                for qid, value in answer_key(ASSIGNMENT, student, secret).items():
                    cell.source = re.sub(rf"^{qid} = None.*$", f"{qid} = {value!r}",
                                         cell.source, flags=re.M)
            name = f"student{n}_{10000 + n}_{90000 + n}_{ASSIGNMENT}.ipynb"
            archive.writestr(name, nbformat.writes(notebook))
    return course, download


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        course, download = make_class(folder, args.count)
        start = time.perf_counter()
        found, report = collect(ASSIGNMENT, [download], course.roster(), print)
        matched = time.perf_counter() - start
        assert len(found) == args.count and not report.unmatched
        start = time.perf_counter()
        results = grade(ASSIGNMENT, [download], out=folder / "g.csv", course=course,
                        jobs=args.jobs, sandbox=args.sandbox, progress=io.StringIO())
        took = time.perf_counter() - start
        full = sum(r.score == r.max_score for r in results)
        print(f"{args.count} students, Canvas zip of {download.stat().st_size >> 10} KB: "
              f"opened and matched to the roster in {matched:.2f} s; graded "
              f"({'sandbox' if args.sandbox else 'no sandbox'}, --jobs {args.jobs}) in "
              f"{took:.1f} s, {took / args.count:.2f} s a submission; "
              f"{full}/{args.count} full marks")


if __name__ == "__main__":
    main()
