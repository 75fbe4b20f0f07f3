"""``buddy-edu lab``: start JupyterLab on the lessons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

START = "00-start-here.ipynb"


def lessons_dir() -> Path:
    """The lessons of this checkout: ``notebooks/`` next to the package."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def open_lab(folder: str | None = None, browser: bool = True) -> int:
    """Run JupyterLab with its root at the project and the start lesson open."""
    lessons = Path(folder) if folder else lessons_dir()
    if not (lessons / START).exists() and folder is None:
        print(f"buddy-edu: no lessons found at {lessons}; pass --dir FOLDER", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={lessons}"]
    if (lessons / START).exists():
        command.append(str(lessons / START))
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root without it
    return subprocess.call(command)
