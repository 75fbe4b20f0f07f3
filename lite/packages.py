"""The kernel's packages as one zip that Python imports in place (issue 20).

Pyodide installs a package by unpacking its wheel into the browser's in-memory
file system, at every kernel start.  For the site's wheels (IPython, ipywidgets,
buddy-edu and what they need) that took 0.5 s of a 3.6 s second visit in
Chromium, most of it the first use of Pyodide's installer itself, which
``benchmarks/lite_phases.py`` showed by loading one wheel alone.  The site
therefore serves the wheels as one zip, merged here from them as slimmed
(``slim.py``) and compiled (``pyc.mjs``).  The kernel's worker writes it into
its file system and appends it to ``sys.path`` (``worker.py``), and Python's
zipimport reads each module out of it when it is first imported, as it does
for the standard library's own zip.  Every wheel's ``.dist-info`` folder comes
along, so ``importlib.metadata``, and with it the package manager's "is this
installed?", sees each package as installed; each gets the two files Pyodide's
installer would have written (MARKS), so ``%pip list`` lists it as before.  A
package a student installs with ``%pip`` goes into ``site-packages``, which
comes first on ``sys.path``.

Only what zipimport can load goes in.  A wheel with compiled extensions,
``.pth`` files or code under ``.data`` stops the build here, as do two wheels
that hold the same file.  Data files for the install prefix (IPython's man
page) are left out, as nothing imports them.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

# What Pyodide's installer writes into each .dist-info: micropip's list (`%pip list`) shows only
# packages with a PYODIDE_SOURCE ("pyodide": they come with the site's Pyodide).
MARKS = {"INSTALLER": "lite/packages.py\n", "PYODIDE_SOURCE": "pyodide"}
PREFIX_DATA = re.compile(r"^[^/]+\.data/(data|scripts|headers)/")  # for the prefix: left out
REFUSED = (  # what zipimport cannot load, and why
    (re.compile(r"\.(so|pyd)$"), "a compiled extension, which zipimport cannot load"),
    (re.compile(r"^[^/]+\.pth$"), "a .pth file, which only site-packages reads"),
    (re.compile(r"^[^/]+\.data/"), "code that an installer would move out of .data"),
)


class PackagesError(Exception):
    """A wheel cannot be imported from a zip; the message says which and why."""


@dataclass(frozen=True)
class Packages:
    """The merged zip, its sha256 and the distributions in it (names as the package index
    spells them)."""

    path: Path
    sha256: bytes
    names: tuple[str, ...]


def distribution(name: str) -> str:
    """The normalised name of a distribution (PEP 503): ``pyodide_kernel`` -> ``pyodide-kernel``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def merge(wheels: list[Path], folder: Path) -> Packages:
    """Merge the files of ``wheels`` into ``folder/packages.<hash>.zip``.

    The content hash in the name lets a browser keep the file in its cache for as long as
    it likes: a rebuilt site with other packages serves another name.
    """
    work = folder / "packages.zip"
    try:
        names = _write(wheels, work)
    except PackagesError:
        work.unlink()
        raise
    digest = hashlib.sha256(work.read_bytes()).digest()
    merged = work.rename(folder / f"packages.{digest.hex()[:16]}.zip")
    return Packages(merged, digest, tuple(sorted(names)))


def _write(wheels: list[Path], work: Path) -> list[str]:
    owner: dict[str, str] = {}
    names = []
    with zipfile.ZipFile(work, "w", zipfile.ZIP_DEFLATED) as out:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                for info in archive.infolist():
                    path = info.filename
                    if info.is_dir() or PREFIX_DATA.match(path):
                        continue
                    for pattern, why in REFUSED:
                        if pattern.search(path):
                            raise PackagesError(f"{wheel.name} holds {path}, {why}: leave the "
                                                "wheel out of lite/wheels.txt, or install it "
                                                "with Pyodide's loadPackage instead")
                    if path in owner:
                        raise PackagesError(f"{wheel.name} and {owner[path]} both hold {path}")
                    owner[path] = wheel.name
                    out.writestr(info, archive.read(info), zipfile.ZIP_DEFLATED, 9)
                    if path.count("/") == 1 and path.endswith(".dist-info/METADATA"):
                        names.append(distribution(path.split("/")[0].split("-")[0]))
                        info_dir = path.split("/")[0]
                        for mark, text in MARKS.items():
                            owner[f"{info_dir}/{mark}"] = wheel.name
                            out.writestr(zipfile.ZipInfo(f"{info_dir}/{mark}", info.date_time),
                                         text, zipfile.ZIP_DEFLATED, 9)
    return names
