"""``buddy-edu exercises list|key`` and ``buddy-edu grade``: the instructor's commands.

Registered by :func:`buddy_edu.cli.build_parser`.  Handlers print what went
wrong and return 2 for bad input (the CLI's ``main`` does the same for
InvalidRequest); they never show a traceback for a mistake in the command.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..core import InvalidRequest, format_size, parse_size
from ..grading.options import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_MEMORY,
    DEFAULT_TIMEOUT,
    GradingOptions,
    check_jobs,
    check_memory,
    check_seconds,
)
from .paths import add_course_option, output_folder


def register(subparsers) -> None:
    """Add the ``exercises`` and ``grade`` subcommands to the ``buddy-edu`` parser."""
    exercises = subparsers.add_parser(
        "exercises", help="list the graded assignments or print a student's answer key")
    exercises.set_defaults(handler=_exercises_help, exercises_parser=exercises)
    sub = exercises.add_subparsers(dest="exercises_command", metavar="ACTION")
    listing = sub.add_parser("list", help="print the assignment names, one a line")
    listing.set_defaults(handler=_list)
    key = sub.add_parser(
        "key", help="print one student's answer key as JSON, or write a whole class's as CSV "
                    "(needs the course and its secret)",
        description="Answer keys are made from the course secret, so this needs the course "
                    "folder (--course DIR, or the current folder or one above it). With "
                    "--student, print that student's answer key as JSON. With --roster and "
                    "--out, write one CSV row per student of the course roster (or of the "
                    "roster CSV given) and one column per question.")
    key.add_argument("name", help="assignment name (see: buddy-edu exercises list)")
    who = key.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", help="the student's id")
    who.add_argument("--roster", metavar="CSV", nargs="?", const="",
                     help="the whole class: the course roster, or the roster CSV given")
    key.add_argument("--out", metavar="CSV", help="where to write the class key (with --roster)")
    add_course_option(key, "the course folder")
    key.set_defaults(handler=_key)
    notebooks = sub.add_parser(
        "notebooks", help="write the student notebooks, choosing how much ex.check says")
    notebooks.add_argument("folder", help="where to write <assignment>.ipynb")
    notebooks.add_argument("--feedback", choices=("full", "mark", "none"),
                           help="feedback before grading for every assignment (default: each "
                                "assignment's own)")
    notebooks.set_defaults(handler=_notebooks)

    grade = subparsers.add_parser(
        "grade", help="run and grade student notebooks, each in its own sandbox",
        description="Run each submitted notebook in a fresh kernel inside its own "
                    "bubblewrap sandbox, check its answers against the student's own "
                    "variant, and write a gradebook, a CSV and (optionally) feedback pages. "
                    "Already graded files are skipped, so an interrupted batch resumes "
                    "where it stopped.")
    grade.add_argument("name", help="assignment name (see: buddy-edu exercises list)")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help=".ipynb files, folders of them (nbgrader's "
                            "submitted/<student>/<assignment>/ layout works too), or what an "
                            "LMS gives, as the folder or the zip itself (Canvas, Moodle, "
                            "Gradescope: needs a roster)")
    grade.add_argument("--out", default="grades.csv",
                       help="CSV of the grades (default: grades.csv)")
    grade.add_argument("--feedback", metavar="DIR",
                       help="write one HTML feedback page per student into DIR")
    grade.add_argument("--reveal", action="store_true",
                       help="show the correct answers in the feedback pages")
    grade.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                       help="notebooks to run at once (default: the number of cores)")
    grade.add_argument("--timeout", type=_seconds("timeout"), default=DEFAULT_TIMEOUT,
                       metavar="SECONDS",
                       help=f"time limit for a whole notebook (default: {DEFAULT_TIMEOUT:g})")
    grade.add_argument("--cell-timeout", type=_seconds("cell timeout"),
                       default=DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
                       help="time limit per cell; the cell is interrupted and the next one "
                            f"runs (default: {DEFAULT_CELL_TIMEOUT:g})")
    grade.add_argument("--memory", type=_memory, default=DEFAULT_MEMORY, metavar="SIZE",
                       help="memory limit of each notebook's kernel, like 512M or 2G "
                            f"(default: {format_size(DEFAULT_MEMORY)})")
    grade.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                       help="run the notebooks WITHOUT isolation, with your rights (where "
                            "bubblewrap cannot run); at your own risk: a notebook can then "
                            "read your files and change other students' grades")
    add_course_option(grade, "the course whose students' questions the answers are checked "
                             "against", otherwise="without a course, practice mode")
    grade.add_argument("--roster", metavar="CSV",
                       help="map each notebook to one student of this roster (default: the "
                            "course's roster.csv, if it lists anyone); needed for Canvas, "
                            "Moodle and Gradescope downloads, see 'Using it with an LMS' in "
                            "the README")
    grade.add_argument("--gradebook", metavar="PATH",
                       help="SQLite gradebook (default: beside --out, with .sqlite)")
    grade.add_argument("--regrade", action="store_true",
                       help="run every submission again, even if already graded")
    grade.set_defaults(handler=_grade)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    return _usage(check_jobs, value)


def _seconds(what: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        return _usage(check_seconds, what, value)
    return parse


def _memory(text: str) -> int:
    return _usage(check_memory, _usage(parse_size, text))


def _usage(check, *args):
    """The engine's own check, its refusal shown as a usage error."""
    try:
        return check(*args)
    except InvalidRequest as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _exercises_help(args) -> int:
    args.exercises_parser.print_help(sys.stderr)
    return 2


def _list(args) -> int:
    from ..exercises import ASSIGNMENTS

    for name in ASSIGNMENTS:
        print(name)
    return 0


def _key(args) -> int:
    from ..exercises import answer_key
    from ..exercises.course.assignments import check_student, get_assignment
    from ..exercises.course.class_key import write_class_key
    from ..exercises.course.settings import CourseNotFound, find_course

    if args.student is not None and args.out:
        print("buddy-edu: --out goes with --roster; --student prints the key", file=sys.stderr)
        return 2
    if args.student is None and not args.out:
        print("buddy-edu: --roster needs --out FILE.csv for the class key", file=sys.stderr)
        return 2
    get_assignment(args.name)
    if args.student is not None:
        check_student(args.student)
    try:
        course = find_course(args.course)
    except CourseNotFound as error:
        print(f"buddy-edu: answer keys come from a course's secret, and {error}",
              file=sys.stderr)
        return 2
    name = course.check_assignment(args.name)
    secret = course.secret()
    if args.student is not None:
        print(json.dumps(answer_key(name, args.student, secret), indent=2, ensure_ascii=False))
        return 0
    roster = args.roster or course.roster_path
    try:
        count = write_class_key(name, roster, args.out, secret)
    except OSError as error:
        print(f"buddy-edu: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote the {args.name} key of {count} student{'s' * (count != 1)} to {args.out}")
    return 0


def _notebooks(args) -> int:
    from ..exercises.course.student_notebooks import write_all

    folder = output_folder(args.folder, "the notebooks")
    for path in write_all(folder, args.feedback):
        print(path)
    return 0


def _grade(args) -> int:
    from .. import grading
    from ..exercises.course.settings import CourseNotFound, find_course
    from ..grading.gradebook import default_path

    try:
        course = find_course(args.course)
    except CourseNotFound:
        if args.course is not None:
            raise
        course = None  # practice mode: grade() says so
    options = GradingOptions(timeout=args.timeout, cell_timeout=args.cell_timeout,
                             memory=args.memory, sandbox=args.sandbox, jobs=args.jobs)
    try:
        results = grading.grade(
            args.name, args.submissions, out=args.out, feedback_dir=args.feedback,
            reveal=args.reveal, gradebook=args.gradebook, regrade=args.regrade,
            options=options, course=course, roster=args.roster)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"buddy-edu: cannot write{where}: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbuddy-edu: interrupted; the notebooks graded so far are in the gradebook. "
              "Run the same command again to go on from there.", file=sys.stderr)
        return 130
    ran = [r for r in results if not r.skipped]
    failed = [r for r in ran if r.failed]
    print(f"graded {len(ran)} submission{'s' * (len(ran) != 1)} of {args.name}"
          f" ({len(results) - len(ran)} already graded, {len(failed)} could not run to the end)")
    for result in failed:
        print(f"  {result.student}: {result.error}")
    if getattr(results, "report", None) is not None:
        print("\n".join(results.report.lines()))
    if not args.sandbox:
        print("graded WITHOUT a sandbox (--no-sandbox): the gradebook marks these grades so")
    if course is None:
        print("PRACTICE MODE: no course, so these are practice grades (the CSV and the "
              "gradebook say 'practice'); grade with --course DIR for a course's")
    else:
        print(f"course: {course.name} ({course.root})")
    print(f"grades: {args.out}")
    print(f"gradebook: {args.gradebook or default_path(args.out)}")
    if args.feedback:
        reveal = " (with the correct answers)" if args.reveal else ""
        print(f"feedback: {args.feedback}/<student>.html{reveal}")
    return 0
