"""``buddy-edu export``: the grades and feedback of an assignment as an LMS imports them.

A command of its own rather than ``grade --format``: an export reads only the
gradebook, so it runs in a second, with no notebook, kernel or sandbox, and can
be run again after a regrade of one student or for another LMS, without
``grade``'s dozen options around it.  See :mod:`buddy_edu.grading.lms.exports`
for each file's columns and names.
"""

from __future__ import annotations

import sys

from .paths import add_course_option

_HELP = {
    "canvas": "Canvas gradebook import CSV (Grades > Import)",
    "moodle": "Moodle gradebook import CSV (Grades > Import > CSV file; map from Email "
              "address)",
    "moodle-feedback": "Moodle feedback-files zip (View all submissions > Upload multiple "
                       "feedback files in a zip)",
    "canvas-feedback": "Canvas feedback zip (assignment page > Re-Upload Submissions)",
}


def register(subparsers) -> None:
    """Add ``export`` to the ``buddy-edu`` parser."""
    export = subparsers.add_parser(
        "export", help="write an assignment's grades or feedback as Canvas or Moodle imports "
                       "them, from the gradebook",
        description="Write the grades (or the feedback pages) of ASSIGNMENT for the roster's "
                    "students, from the gradebook that buddy-edu grade wrote: a roster "
                    "student with no grade gets 0. Targets: "
                    + "; ".join(f"{name}: {text}" for name, text in _HELP.items()) + ".")
    export.add_argument("target", choices=list(_HELP), help="what to write")
    export.add_argument("name", metavar="ASSIGNMENT",
                        help="assignment name (see: buddy-edu exercises list)")
    export.add_argument("--gradebook", metavar="PATH", default="grades.sqlite",
                        help="the gradebook buddy-edu grade wrote (default: grades.sqlite)")
    add_course_option(export, "the course whose roster.csv lists the students")
    export.add_argument("--roster", metavar="CSV", help="a roster CSV instead of the course's")
    export.add_argument("--column", metavar="NAME",
                        help="the grade column's name (default: the assignment's name; for "
                             "an existing Canvas assignment, 'Its Title (its id)' as "
                             "Canvas's own export names it)")
    export.add_argument("--reveal", action="store_true",
                        help="feedback pages show the correct answers")
    export.add_argument("--out", metavar="PATH",
                        help="the file to write (default: <target>-<assignment>.csv or .zip)")
    export.set_defaults(handler=_export)


def _export(args) -> int:
    from ..core import InvalidRequest
    from ..exercises.course.roster import read_roster
    from ..exercises.course.settings import CourseNotFound, find_course
    from ..grading.lms.exports import FORMATS, export

    if args.roster is not None:
        roster = read_roster(args.roster)
    else:
        try:
            roster = find_course(args.course).roster()
        except CourseNotFound as error:
            raise InvalidRequest(f"an LMS file is made for a roster, and {error}; or pass "
                                 "--roster CSV") from None
    out = args.out or f"{args.target}-{args.name}{FORMATS[args.target]}"
    try:
        done = export(args.target, args.gradebook, args.name, roster, out,
                      column=args.column, reveal=args.reveal)
    except OSError as error:
        print(f"buddy-edu: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 2
    what = "pages" if args.target.endswith("feedback") else "grades"
    print(f"wrote the {what} of {done.written} student{'s' * (done.written != 1)} to "
          f"{done.path} ({_HELP[args.target]})")
    for student, why in done.left_out:
        print(f"  left out {student}: {why}")
    for warning in done.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
