"""The ``buddy-edu`` command line: a thin layer over the rest of the kit.

With no subcommand it starts the classic menu, as the program this kit grew
out of did.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..core import InvalidRequest
from ..core.freelists import POLICIES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buddy-edu",
        description="A teaching kit for the buddy-system memory allocator.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    menu = sub.add_parser("menu", help="the classic interactive menu (the default)")
    menu.add_argument("--policy", choices=list(POLICIES), default="leftmost",
                      help="placement policy (default: leftmost, as the classic program)")
    menu.set_defaults(handler=_menu)

    run = sub.add_parser("run", help="run a scenario script and print what happened")
    run.add_argument("script", help="path of the script file, or - for standard input")
    run.add_argument("--policy", choices=list(POLICIES), help="override the script's policy")
    run.add_argument("--json", action="store_true", help="print the timeline as JSON instead")
    run.set_defaults(handler=_run)

    lab = sub.add_parser(
        "lab", help="open JupyterLab on the lesson notebooks",
        description="Open JupyterLab on the course, starting with the first lesson. Options "
                    "this command does not know (--port 9000, --ip 0.0.0.0, ...) go to "
                    "JupyterLab.")
    lab.add_argument("--dir", help="folder to open (default: the lessons)")
    lab.add_argument("--no-browser", action="store_true", help="start the server only")
    lab.set_defaults(handler=_lab)

    # Subcommands of the layers above register here.
    for register in _extensions():
        register(sub)
    return parser


def _extensions():
    """Subcommands contributed by other layers, imported only when present."""
    from .slides import register as slides

    try:
        from .course import register as course
        from .grading import register
        from .lms import register as lms
    except ImportError:
        return [slides]
    return [register, course, lms, slides]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``buddy-edu`` and ``python -m buddy_edu``; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_args = extra
    handler = getattr(args, "handler", _menu)
    try:
        return handler(args) or 0
    except InvalidRequest as error:
        print(f"buddy-edu: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `buddy-edu run … | head` closed the pipe: stop quietly, as other tools do.
        # Point stdout at /dev/null so the interpreter's final flush cannot complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _menu(args) -> int:
    from .menu import run_menu

    return run_menu(sys.stdin, sys.stdout, getattr(args, "policy", "leftmost"))


def _run(args) -> int:
    from ..core.script import run_script
    from .report import report

    try:
        if args.script == "-":
            text = sys.stdin.read()
        else:
            with open(args.script, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        print(f"buddy-edu: cannot read the script {args.script!r}: {error.strerror}",
              file=sys.stderr)
        return 2
    allocator = run_script(text, policy=args.policy)
    print(allocator.to_json(indent=2) if args.json else report(allocator))
    return 0


def _lab(args) -> int:
    from .lab import open_lab

    return open_lab(args.dir, browser=not args.no_browser, extra=args.jupyter_args)
