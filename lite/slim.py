"""Slimmer copies of the browser's wheels: what the kernel never reads is left out (issue 20).

The wheels are downloaded hash-checked from PyPI as they are (``wheels.txt``);
the *served* copy of each is then rewritten here, and its own sha256 goes into
the site's lock (``lite/build.py``), so the site stays hash-checked.  Three
kinds of cut, each one exact, so that a new version of a package stops the
build here instead of failing in a student's browser:

* **Front-end assets in Python wheels.**  anywidget's wheel carries its
  JupyterLab and Notebook 6 extensions twice (``anywidget/labextension``,
  ``*.data/data/share/jupyter``): the page gets the extension from the
  downloaded wheel at build time, and Python in the kernel never opens them.
* **IPython's terminal.**  ``import IPython`` imports ``IPython.terminal.embed``
  for the one name ``embed`` (an IPython shell in a terminal), which pulls in
  all of prompt_toolkit: a third of a kernel start's imports.  A browser tab has
  no terminal, so ``IPython.embed()`` says so instead, ``IPython/terminal`` is
  left out (but for the names of the event-loop hooks, which ``%gui`` reads),
  and so are prompt_toolkit and wcwidth (which only it uses; see
  ``wheels.txt``).  The kernel's shell is ipykernel's, never the terminal's.
* **Pygments' lexers for other languages.**  The kernel highlights Python
  (tracebacks, ``?`` help) and IPython's own lexers, which build on the shell,
  HTML, JavaScript, Ruby, Perl and TeX lexers; those modules and what they
  import are kept, and Pygments' lexer table lists only them, so asking for
  another language says "no lexer" (``ClassNotFound``) as for any unknown name.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import pprint
import re
import zipfile
from pathlib import Path

# Paths inside a wheel that Python in the kernel never reads: Jupyter front-end assets, and
# the copy of the lessons that buddy-edu's wheel installs for its `buddy-edu lab` command (in
# the site, the lessons are its own files/ folder).
FRONT_END = (re.compile(r"^[^/]+\.data/data/(share|etc)/jupyter/"),
             re.compile(r"^[^/]+/(labextension|nbextension)/"),
             re.compile(r"^buddy_edu-[^/]+\.data/data/share/buddy-edu/lessons/"))

IPYTHON_EMBED_OLD = "from .terminal.embed import embed\n"
IPYTHON_EMBED_NEW = (
    "def embed(*args, **kwargs):  # buddy-edu's browser site leaves IPython's terminal out\n"
    "    raise NotImplementedError('IPython.embed() starts a shell in a terminal, which a '\n"
    "                              'browser tab does not have')\n")
# Parts of a wheel that the kernel never imports (see the module's docstring), each with what
# inside it stays: IPython.core.shellapp imports the event-loop hooks' names for %gui.
LEFT_OUT = {"ipython": (("IPython/terminal/", ("IPython/terminal/__init__.py",
                                               "IPython/terminal/pt_inputhooks/")),)}


def left_out(name: str, path: str) -> bool:
    return any(path.startswith(folder) and not path.startswith(kept)
               for folder, kept in LEFT_OUT.get(name, ()))
# (wheel's distribution name, path inside it, text that must occur exactly once, replacement)
PATCHES = (("ipython", "IPython/__init__.py", IPYTHON_EMBED_OLD, IPYTHON_EMBED_NEW),)

# Pygments lexer modules the kernel uses: Python's, and those ipython_pygments_lexers imports
# (BashLexer: shell; HtmlLexer: html; JavascriptLexer; RubyLexer; PerlLexer; TexLexer: markup);
# special holds TextLexer, the plain fallback.  What they import is kept too (closure below).
PYGMENTS_LEXERS = ("python", "shell", "html", "javascript", "ruby", "perl", "markup", "special")
LEXERS_DIR = "pygments/lexers/"
MAPPING = LEXERS_DIR + "_mapping.py"


class SlimError(Exception):
    """A wheel no longer has the shape these cuts expect: update lite/slim.py."""


def distribution(wheel: Path) -> str:
    return wheel.name.split("-")[0].lower().replace("_", "-")


def slim(wheel: Path) -> int:
    """Rewrite ``wheel`` in place without what the kernel never reads; the bytes saved."""
    name = distribution(wheel)
    before = wheel.stat().st_size
    with zipfile.ZipFile(wheel) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()
                 if not info.is_dir()}
    kept = {path: data for path, data in files.items()
            if not any(pattern.match(path) for pattern in FRONT_END)
            and not left_out(name, path)}
    for dist, path, old, new in PATCHES:
        if dist != name:
            continue
        text = kept[path].decode("utf-8")
        if text.count(old) != 1:
            raise SlimError(f"{wheel.name}'s {path} holds {old!r} {text.count(old)} times, not "
                            "once: update PATCHES in lite/slim.py for this version")
        kept[path] = text.replace(old, new).encode("utf-8")
    if name == "pygments":
        kept = slim_pygments(wheel, kept)
    if kept == files:
        return 0
    record = next(p for p in kept if p.endswith(".dist-info/RECORD") and p.count("/") == 1)
    kept[record] = new_record(kept, record)
    tmp = wheel.with_suffix(".slim")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for path, data in kept.items():
            out.writestr(zipfile.ZipInfo(path, (2020, 2, 2, 0, 0, 0)), data,
                         zipfile.ZIP_DEFLATED, 9)
    tmp.replace(wheel)
    return before - wheel.stat().st_size


def new_record(files: dict[str, bytes], record: str) -> bytes:
    """A RECORD listing exactly ``files`` with their hashes, as the wheel format asks."""
    lines = []
    for path, data in files.items():
        if path == record:
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(data)}")
    lines.append(f"{record},,")
    return ("\n".join(lines) + "\n").encode()


def slim_pygments(wheel: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """Pygments with only the lexer modules in PYGMENTS_LEXERS and what they import."""
    if MAPPING not in files:
        raise SlimError(f"{wheel.name} has no {MAPPING}: update lite/slim.py")
    tree = ast.parse(files[MAPPING])
    assigns = [node for node in tree.body if isinstance(node, ast.Assign)
               and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["LEXERS"]]
    if len(assigns) != 1 or len(tree.body) != 1:
        raise SlimError(f"{wheel.name}'s {MAPPING} is not one `LEXERS = {{...}}` as in Pygments "
                        "2.x: update slim_pygments() in lite/slim.py")
    lexers = ast.literal_eval(assigns[0].value)
    by_class = {cls: entry[0].rsplit(".", 1)[1] for cls, entry in lexers.items()}
    modules = {path[len(LEXERS_DIR):-3] for path in files
               if path.startswith(LEXERS_DIR) and path.endswith(".py") and "/" not in
               path[len(LEXERS_DIR):]}
    missing = set(PYGMENTS_LEXERS) - modules
    if missing:
        raise SlimError(f"{wheel.name} lacks the lexer modules {sorted(missing)}: update "
                        "PYGMENTS_LEXERS in lite/slim.py")
    keep, todo = set(), list(PYGMENTS_LEXERS)
    while todo:
        module = todo.pop()
        if module in keep:
            continue
        keep.add(module)
        source = files[f"{LEXERS_DIR}{module}.py"].decode("utf-8")
        found = set(re.findall(r"pygments\.lexers\.(\w+)", source))
        for group in re.findall(r"from pygments\.lexers import \(?([\w\s,]+)\)?", source):
            found |= {by_class.get(n.strip(), "") for n in group.split(",")}
        found |= set(re.findall(r"from \.(\w+) import", source))  # relative, as a few do
        todo += sorted(m for m in found if m in modules and m not in keep)
    kept = {path: data for path, data in files.items()
            if not (path.startswith(LEXERS_DIR) and path.endswith(".py")
                    and "/" not in path[len(LEXERS_DIR):]
                    and path[len(LEXERS_DIR):-3] not in keep | {"__init__", "_mapping"}
                    and not path[len(LEXERS_DIR):].startswith("_"))}
    # Private helper tables (_css_builtins, ...) go unless a kept module names them.
    for path in list(kept):
        rest = path[len(LEXERS_DIR):]
        if (path.startswith(LEXERS_DIR) and rest.startswith("_") and rest.endswith(".py")
                and "/" not in rest and rest[:-3] not in keep | {"__init__", "_mapping"}):
            del kept[path]
    table = {cls: entry for cls, entry in lexers.items() if by_class[cls] in keep}
    kept[MAPPING] = ("# Pygments' table, cut by buddy-edu's lite/slim.py to the lexers its site "
                     "serves.\n\nLEXERS = " + pprint.pformat(table, width=100) + "\n").encode()
    return kept


# The standard library's modules that a browser tab cannot use or no lesson can reach, by
# zip entry prefix, with why.  Pyodide's own stdlib already lacks tkinter, idlelib, the test
# suites, ensurepip, venv and lib2to3.
STDLIB_LEFT_OUT = {
    "multiprocessing/": "a browser tab cannot start processes",
    "xmlrpc/": "a network client and server: a browser tab has no sockets",
    "wsgiref/": "a web server",
    "imaplib.": "a mail client", "smtplib.": "a mail client", "poplib.": "a mail client",
    "ftplib.": "an FTP client",
    "_pyio.": "the pure-Python twin of io, which uses the C module _io",
    "_pydatetime.": "the pure-Python twin of datetime, which uses the C module _datetime",
}
# Text codecs kept: Unicode's, ASCII, Latin-1 and Windows-1252 (what text files are in),
# cp437 (zip file names), IDNA and Punycode (host names), the bytes-to-bytes codecs and the
# escapes.  The others (legacy 8-bit code pages, East Asian multibyte encodings, and the
# Windows-only mbcs/oem) go: reading a file in one of them raises LookupError.
CODECS_KEPT = {
    "__init__", "aliases", "ascii", "latin_1", "iso8859_1", "cp1252", "cp437", "charmap",
    "utf_8", "utf_8_sig", "utf_7", "utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be",
    "utf_32_le", "idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined",
    "base64_codec", "hex_codec", "zlib_codec", "bz2_codec", "quopri_codec", "uu_codec",
    "rot_13",
}


def slim_stdlib(stdlib: Path) -> int:
    """Rewrite Pyodide's python_stdlib.zip without STDLIB_LEFT_OUT and the codecs outside
    CODECS_KEPT; the bytes saved."""
    before = stdlib.stat().st_size
    tmp = stdlib.with_suffix(".slim")
    dropped = set()
    with zipfile.ZipFile(stdlib) as source, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            name = info.filename
            codec = name.startswith("encodings/") and name.count("/") == 1 and "." in name
            if (name.startswith(tuple(STDLIB_LEFT_OUT))
                    or (codec and name[len("encodings/"):].split(".")[0] not in CODECS_KEPT)):
                dropped.add(name)
                continue
            out.writestr(info, source.read(info), zipfile.ZIP_DEFLATED, 9)
    missing = [p for p in STDLIB_LEFT_OUT if not any(n.startswith(p) for n in dropped)]
    if missing:
        tmp.unlink()
        raise SlimError(f"{stdlib.name} has no {missing}: update STDLIB_LEFT_OUT in lite/slim.py")
    tmp.replace(stdlib)
    return before - stdlib.stat().st_size
