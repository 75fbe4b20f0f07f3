"""``buddy-edu course init|release|gradescope|solutions``: set up a course, hand its
notebooks out, package an assignment as a Gradescope autograder, and keep the
build-your-own reference solutions with the instructor.

A course keeps each student's questions and answers with the instructor (see
:mod:`buddy_edu.exercises.course.settings`); without one the kit runs in
practice mode, where anyone can make anyone's questions and answers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..exercises.course.settings import find_course, init_course


def register(subparsers) -> None:
    """Add the ``course`` subcommands to the ``buddy-edu`` parser."""
    course = subparsers.add_parser(
        "course", help="set up a course (its secret keeps the answer keys with you) and "
                       "release its notebooks",
        description="A course folder holds the settings, a secret that seeds every "
                    "student's questions (only you have it), and the roster. Without a "
                    "course the kit runs in practice mode: anyone can make anyone's "
                    "questions and answer keys.")
    course.set_defaults(handler=_help, course_parser=course)
    sub = course.add_subparsers(dest="course_command", metavar="ACTION")
    init = sub.add_parser(
        "init", help="make a course folder: settings, a new secret, .gitignore, empty roster",
        description="Make DIR a course: course.json (name, assignments, feedback levels), "
                    "secret.key (256 random bits, readable by you only, in .gitignore) and "
                    "an empty roster.csv to fill with one row per student.")
    init.add_argument("dir", help="the course folder (made if missing)")
    init.add_argument("--name", help="the course's name (default: the folder's name)")
    init.add_argument("--feedback", choices=("mark", "none"), default="mark",
                      help="what ex.check says before grading, for every assignment: mark "
                           "(right, partly or wrong, and a known misconception's name) or "
                           "none (only whether the answer could be read); default: mark")
    init.set_defaults(handler=_init)
    release = sub.add_parser(
        "release", help="write the class notebook of an assignment: questions, no answers",
        description="Make every roster student's questions from the course secret and write "
                    "one notebook for the class: each student types their id and gets their "
                    "own questions. It holds no answer key: ex.check marks answers from "
                    "sealed hashes. Hand the notebook out as it is (LMS, JupyterLite site).")
    release.add_argument("dir", help="the course folder")
    release.add_argument("assignment", help="assignment name (see: buddy-edu exercises list)")
    release.add_argument("--out", metavar="PATH",
                         help="where to write it (default: DIR/release/ASSIGNMENT.ipynb)")
    release.set_defaults(handler=_release)
    solutions = sub.add_parser(
        "solutions", help="write the build-your-own reference solutions into a folder of yours",
        description="Write the reference solutions of the build-your-own functions (lesson "
                    "6's five and the graded exercise's Knuth R and S) as one Python file "
                    "into --out, a folder you choose. It needs the course (its secret must "
                    "be readable by you only), refuses folders that students' material comes "
                    "from (the course's release folder, the lessons, the exercises, a built "
                    "site), and nothing the kit gives students contains the solutions.")
    solutions.add_argument("dir", help="the course folder")
    solutions.add_argument("--out", metavar="FOLDER", required=True,
                           help="the folder to write build-your-own-solutions.py into "
                                "(outside anything you hand out)")
    solutions.set_defaults(handler=_solutions)
    gradescope = sub.add_parser(
        "gradescope", help="package an assignment as a Gradescope autograder (zip)",
        description="Write the autograder zip of ASSIGNMENT in Gradescope's format: setup.sh "
                    "installs buddy-edu from a bundled wheel, run_autograder grades "
                    "/autograder/submission for the student Gradescope names (matched through "
                    "the roster) and writes results.json, one test per question. The zip "
                    "holds the course secret: upload it to Gradescope, share it with nobody.")
    gradescope.add_argument("dir", help="the course folder")
    gradescope.add_argument("assignment",
                            help="assignment name (see: buddy-edu exercises list)")
    gradescope.add_argument("--out", metavar="ZIP", default="autograder.zip",
                            help="where to write it (default: autograder.zip)")
    gradescope.add_argument("--wheel", metavar="WHL",
                            help="buddy-edu's wheel to bundle (default: built from this "
                                 "checkout)")
    gradescope.add_argument("--visibility",
                            choices=("visible", "after_due_date", "after_published", "hidden"),
                            help="when students see the tests (default: visible where the "
                                 "course's feedback is mark, after_published where none)")
    gradescope.set_defaults(handler=_gradescope)


def _help(args) -> int:
    args.course_parser.print_help(sys.stderr)
    return 2


def _init(args) -> int:
    course = init_course(args.dir, name=args.name, feedback=args.feedback)
    print(f"made the course {course.name!r} in {course.root}")
    print(f"  secret: {course.root / 'secret.key'} (readable by you only; back it up, never "
          "commit or share it)")
    print(f"  roster: {course.roster_path} (one row per student: "
          "student_id,name,email,canvas_id,sis_id,moodle_id,gradescope_sid)")
    print(f"next: fill the roster, then `buddy-edu course release {args.dir} ASSIGNMENT`")
    return 0


def _release(args) -> int:
    from ..exercises.course.release import write_release

    course = find_course(args.dir)
    path = write_release(course, args.assignment, args.out)
    count = len(course.roster())
    print(f"wrote the {args.assignment} notebook of {course.name} for {count} "
          f"student{'s' * (count != 1)}: {path}")
    return 0


def _solutions(args) -> int:
    from ..core import InvalidRequest
    from ..exercises.build_your_own.solutions import FILE_NAME, write
    from .paths import output_folder

    course = find_course(args.dir)
    course.secret()  # refused unless the course's secret is the instructor's alone
    out = output_folder(args.out, "the reference solutions").resolve()
    handed_out = [course.root.resolve() / "release"]
    lessons = Path(__file__).resolve().parents[2]
    handed_out += [lessons / folder for folder in ("notebooks", "exercises", "lite", "build")]
    for folder in handed_out:
        if out == folder or folder in out.parents:
            raise InvalidRequest(f"{out} is inside {folder}, where students' material comes "
                                 "from: choose a folder of your own for the solutions")
    path = write(out)
    print(f"wrote the build-your-own reference solutions: {path}")
    print(f"  keep {FILE_NAME} away from students: do not put it where you hand out notebooks")
def _gradescope(args) -> int:
    from ..grading.lms.autograder import build_autograder

    course = find_course(args.dir)
    path = build_autograder(course, args.assignment, args.out, wheel=args.wheel,
                            visibility=args.visibility)
    print(f"wrote the Gradescope autograder of {args.assignment} ({course.name}): {path}")
    print("  it holds the course secret: upload it as the assignment's autograder "
          "(Configure Autograder > Zip file upload), never share it")
    return 0
