"""Opening an LMS download given as a zip: checked whole, then extracted to a temporary folder.

Canvas's "Download Submissions", Moodle's "Download all submissions" and
Gradescope's "Export Submissions" are zips made by the LMS, but their contents
come from students (the file names and the notebooks), and a zip can carry
more than files.  Before anything is written, every entry is checked, and the
whole zip is refused, naming the entry and why, if one of them

- escapes the folder it is extracted into (``../x``, ``/etc/x``, ``C:\\x``,
  the zip-slip attack), or has a name that is not a plain relative path;
- is a symbolic link (or any entry that is not a plain file or a folder), is
  encrypted, or appears twice under the same name;
- is absurd: more than :data:`MAX_ENTRIES` entries, an entry over
  :data:`MAX_ENTRY_BYTES` or all of them over :data:`MAX_TOTAL_BYTES`
  uncompressed, or compressed more than :data:`MAX_RATIO` to 1 (a zip bomb).

Only the entries the grader reads are extracted (``keep`` chooses them:
notebooks and Gradescope's metadata), each into a fresh temporary folder
readable by its owner only, and each is extracted with a byte counter, so a
zip whose headers lie about sizes is stopped at the limit too.  The folder is
removed when the ``with`` block ends.  Nothing is ever written outside it.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ..core import InvalidRequest

#: Most entries a download may hold (a class of thousands hands in one or two files each).
MAX_ENTRIES = 20_000
#: Largest uncompressed entry (bytes) that is extracted: notebooks are capped at 32 MB.
MAX_ENTRY_BYTES = 64 << 20
#: Largest total (bytes) of all entries, uncompressed, as the zip declares them.
MAX_TOTAL_BYTES = 4 << 30
#: Highest compression ratio of an entry over 1 MB: notebooks compress about 5 to 1,
#: a zip bomb by a thousand or a million.
MAX_RATIO = 200

_CHUNK = 1 << 16


class UnsafeZip(InvalidRequest):
    """A zip the grader refuses to open; the message names the entry and what is wrong."""


@contextmanager
def extracted(path: str | os.PathLike, keep: Callable[[PurePosixPath], bool]
              ) -> Iterator[Path]:
    """Extract the entries of the zip ``path`` that ``keep`` accepts into a temporary folder.

    Yields the folder, which mirrors the zip's own folders; removed afterwards.
    Raises :class:`UnsafeZip` (nothing extracted) if any entry is unsafe or the
    zip is absurd, and InvalidRequest if ``path`` is not a readable zip.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise InvalidRequest(f"{path} is not a zip file that can be read ({error}): pass "
                             "the zip as the LMS made it, or a folder") from None
    with archive:
        chosen = [(info, name) for info, name in check_entries(path, archive.infolist())
                  if not info.is_dir() and keep(name)]
        folder = Path(tempfile.mkdtemp(prefix="buddy-edu-zip-"))
        try:
            for info, name in chosen:
                _extract_one(path, archive, info, folder.joinpath(*name.parts))
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def check_entries(path: Path, entries: list[zipfile.ZipInfo]
                  ) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Each entry of the zip ``path`` with its checked relative name; UnsafeZip at the first
    entry that is unsafe, or when the zip as a whole is absurd."""
    if len(entries) > MAX_ENTRIES:
        raise UnsafeZip(f"{path} holds {len(entries)} entries, more than the {MAX_ENTRIES} an "
                        "LMS download of one assignment has: refused as a possible zip bomb")
    total = sum(info.file_size for info in entries)
    if total > MAX_TOTAL_BYTES:
        raise UnsafeZip(f"{path} would unpack to {total >> 20} MB, more than "
                        f"{MAX_TOTAL_BYTES >> 30} GB: refused as a possible zip bomb")
    checked, seen = [], set()
    for info in entries:
        name = _safe_name(path, info.filename)
        where = f"{path}: the entry {info.filename!r}"
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise UnsafeZip(f"{where} is a symbolic link: links in a download could point "
                            "anywhere, so the zip is refused (download it again from the LMS)")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeZip(f"{where} is not a plain file or folder: refused")
        if info.flag_bits & 0x1:
            raise UnsafeZip(f"{where} is encrypted: the grader cannot read it")
        if not info.is_dir():
            if info.file_size > MAX_ENTRY_BYTES:
                raise UnsafeZip(f"{where} would unpack to {info.file_size >> 20} MB, more "
                                f"than {MAX_ENTRY_BYTES >> 20} MB: refused as a possible "
                                "zip bomb")
            if info.file_size > (1 << 20) and \
                    info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnsafeZip(f"{where} is compressed "
                                f"{info.file_size // max(info.compress_size, 1)} to 1: "
                                "refused as a zip bomb")
        key = str(name).casefold()
        if key in seen:
            raise UnsafeZip(f"{where} appears twice: a download names each file once, so "
                            "the zip is refused")
        seen.add(key)
        checked.append((info, name))
    return checked


def _safe_name(path: Path, raw: str) -> PurePosixPath:
    """The entry's name as a relative path inside the folder, or UnsafeZip."""
    text = raw.replace("\\", "/")
    name = PurePosixPath(text)
    parts = [part for part in name.parts if part not in ("", ".")]
    bad = (not parts or text.startswith("/") or ".." in parts or ":" in parts[0]
           or "\x00" in text or any(part.startswith("/") for part in parts))
    if bad:
        raise UnsafeZip(f"{path}: the entry {raw!r} would be written outside the folder it "
                        "is unpacked into (a zip-slip entry): the zip is refused and "
                        "nothing was extracted")
    return PurePosixPath(*parts)


def _extract_one(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                 target: Path) -> None:
    """Copy one entry, counting bytes: a header that lies about the size stops at the limit."""
    target.parent.mkdir(parents=True, exist_ok=True)
    limit = min(info.file_size, MAX_ENTRY_BYTES)
    written = 0
    try:
        with archive.open(info) as source, open(target, "xb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise UnsafeZip(f"{path}: the entry {info.filename!r} unpacks to more "
                                    "than its header says: refused as a zip bomb")
                sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise InvalidRequest(f"{path}: the entry {info.filename!r} cannot be read ({error}): "
                             "download the zip again") from None
    try:  # the entry's own time, so "the newest of two files" means what it did in the LMS
        stamp = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(target, (stamp, stamp))
    except (OverflowError, ValueError, OSError):
        pass
