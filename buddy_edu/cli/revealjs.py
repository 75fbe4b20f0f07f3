"""reveal.js for the decks: one pinned version, fetched once with npm, copied next to each deck.

A deck must open from a USB stick in a lecture room without network, so the
few reveal.js files it loads are copied into a ``reveal.js/`` folder beside
it.  Nothing of reveal.js is kept in git: the version and its npm integrity
hash are pinned here and in ``slides/package-lock.json`` (a test keeps the two
equal), ``npm pack`` fetches the package tarball once into a cache, and the
tarball is used only when its SHA-512 matches the pin.

``BUDDY_EDU_REVEAL_JS`` may name a reveal.js tarball or unpacked package
folder to use instead, for machines without npm.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from ..core.errors import BuddyError

VERSION = "5.2.1"
INTEGRITY = ("sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDh"
             "dRhJaFgfQ7zNQ==")
ENV_VAR = "BUDDY_EDU_REVEAL_JS"
# What a deck loads: the script, its style, the white theme and the theme's fonts.
FILES = ("LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/white.css")
FOLDERS = ("dist/theme/fonts/source-sans-pro/",)
NPM_TIMEOUT = 180  # seconds


class RevealUnavailable(BuddyError):
    """reveal.js could not be found or fetched, or the copy found is not the pinned one."""


def default_cache() -> Path:
    """Where the tarball is kept: ``build/npm`` in a checkout, else the user's cache folder."""
    from .lab import checkout_root

    root = checkout_root()
    if root is not None:
        return root / "build" / "npm"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "buddy-edu"


def tarball(cache: Path | None = None) -> Path:
    """The pinned reveal.js tarball, fetched with ``npm pack`` unless the cache has it."""
    cache = default_cache() if cache is None else cache
    path = cache / f"reveal.js-{VERSION}.tgz"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        _npm_pack(cache)
    check_integrity(path)
    return path


def check_integrity(path: Path) -> None:
    """Raise RevealUnavailable unless ``path`` is byte for byte the pinned npm tarball."""
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != INTEGRITY:
        raise RevealUnavailable(
            f"{path} is not reveal.js {VERSION} as pinned (its SHA-512 differs): delete it "
            "and run the command again to fetch it anew")


def install(target: Path, source: str | os.PathLike | None = None) -> Path:
    """Copy the files a deck loads into ``target`` (made if needed); returns ``target``.

    ``source`` (default: ``$BUDDY_EDU_REVEAL_JS``, else the pinned tarball)
    may be a tarball or an unpacked package folder.
    """
    source = source or os.environ.get(ENV_VAR) or tarball()
    source = Path(source)
    if source.is_dir():
        _copy_from_folder(source, target)
    elif source.is_file():
        _copy_from_tarball(source, target)
    else:
        raise RevealUnavailable(f"{ENV_VAR}={str(source)!r} is neither a reveal.js tarball nor "
                                "a folder: point it at one, or unset it to fetch with npm")
    return target


def _npm_pack(cache: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RevealUnavailable(
            f"the decks need reveal.js {VERSION}, fetched with npm, and npm is not installed: "
            f"install it (e.g. apt-get install npm), or set {ENV_VAR} to a reveal.js tarball "
            "or folder")
    try:
        done = subprocess.run(
            [npm, "pack", f"reveal.js@{VERSION}", "--pack-destination", str(cache),
             "--silent", "--no-fund", "--no-audit"],
            capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise RevealUnavailable(f"npm took over {NPM_TIMEOUT} s to fetch reveal.js {VERSION}: "
                                "check the network or the npm registry setting") from None
    if done.returncode != 0 or not (cache / f"reveal.js-{VERSION}.tgz").is_file():
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RevealUnavailable(f"npm could not fetch reveal.js {VERSION} ({said}): check the "
                                f"network, or set {ENV_VAR} to a reveal.js tarball or folder")


def _wanted(name: str) -> bool:
    return name in FILES or any(name.startswith(folder) for folder in FOLDERS)


def _copy_from_tarball(path: Path, target: Path) -> None:
    copied = set()
    with tarfile.open(path, "r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.split("/", 1)[-1]  # npm tarballs hold package/...
            if not member.isfile() or not _wanted(name) or ".." in Path(name).parts:
                continue
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as data:
                destination.write_bytes(data.read())
            copied.add(name)
    _check_complete(copied, str(path))


def _copy_from_folder(folder: Path, target: Path) -> None:
    copied = set()
    for path in folder.rglob("*"):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and _wanted(name):
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            copied.add(name)
    _check_complete(copied, str(folder))


def _check_complete(copied: set[str], where: str) -> None:
    missing = [name for name in FILES if name not in copied]
    if missing:
        raise RevealUnavailable(f"{where} lacks {', '.join(missing)}: it is not a reveal.js "
                                f"package (version {VERSION} is the one tested)")
