"""Who handed in each folder of a Gradescope "Export Submissions" download.

The export holds one folder per submission, ``submission_<id>/``, and beside
them ``submission_metadata.yml``, written by Gradescope's Ruby code (Psych),
which maps each folder to its submitters (Ruby symbols as keys)::

    submission_123456:
      :submitters:
      - :name: Jane Doe
        :sid: '1001'
        :email: jdoe@uni.edu
      :created_at: 2024-02-01 10:00:00.000000000 -08:00
      :score: 12.0
      :history: []
      :results: {...}        # the autograder's output, if any: skipped here

(the shape documented by tools that read these exports, e.g. the
``:submitters`` / ``:sid`` / ``:name`` lookups in several course scripts on
GitHub; Gradescope's own help pages describe the export only as "a zip of all
submissions with a metadata file").  Only the submitters are needed, so this
module reads the block subset of YAML the file uses: mappings, sequences,
plain and quoted scalars, Ruby tags (ignored), block scalars and one-line flow
collections (skipped).  A general YAML library would refuse the Ruby object
tags Psych may write (``!ruby/object:...``) under ``safe_load``, and adding a
dependency for three fields is not worth it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core import InvalidRequest

METADATA_FILE = "submission_metadata.yml"
#: The folder of one submission in the export.
SUBMISSION_FOLDER = re.compile(r"submission_(\d+)\Z")
#: Largest metadata file read (bytes): it holds every autograder result of the class.
MAX_METADATA_BYTES = 64 << 20
_MAX_DEPTH = 40


@dataclass(frozen=True)
class Submitter:
    """One student named on a Gradescope submission ("" where the export leaves it out)."""

    name: str = ""
    sid: str = ""
    email: str = ""


def read_metadata(path: str | Path) -> dict[str, tuple[Submitter, ...]]:
    """``{"submission_<id>": (submitters...)}`` from an export's ``submission_metadata.yml``.

    Raises InvalidRequest naming the file and the line when it cannot be read.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            raise InvalidRequest(f"{path} is larger than {MAX_METADATA_BYTES >> 20} MB: not a "
                                 "Gradescope export's metadata")
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRequest(f"cannot read {path}: {error}") from None
    try:
        data = parse_yaml(text)
    except _YamlError as error:
        raise InvalidRequest(f"{path}, line {error.line}: {error.what}; is this the "
                             f"{METADATA_FILE} of a Gradescope export?") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidRequest(f"{path} does not map submission folders to their submitters: "
                             "is it the metadata of a Gradescope export?")
    found = {}
    for folder, entry in data.items():
        if not SUBMISSION_FOLDER.match(str(folder)):
            continue
        people = entry.get(":submitters") if isinstance(entry, dict) else None
        if not isinstance(people, list):
            people = []
        found[str(folder)] = tuple(
            Submitter(**{field: _text(person.get(f":{field}")) for field in ("name", "sid",
                                                                              "email")})
            for person in people if isinstance(person, dict))
    return found


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


# ------------------------------------------------------------------ the YAML subset
class _YamlError(Exception):
    def __init__(self, line: int, what: str) -> None:
        super().__init__(f"line {line}: {what}")
        self.line, self.what = line, what


@dataclass
class _Line:
    number: int
    indent: int
    text: str  # without the indentation


def parse_yaml(text: str) -> object:
    """The block-style YAML in ``text`` as dicts, lists and strings (scalars stay text).

    Handles what Psych writes for plain data; block scalars and flow collections
    are kept as their raw text, tags are dropped.
    """
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        if stripped.startswith("\t"):
            raise _YamlError(number, "a tab in the indentation")
        if not stripped or stripped.startswith("#") or stripped in ("---", "...") \
                or stripped.startswith("--- ") or stripped.startswith("%"):
            continue
        lines.append(_Line(number, len(raw) - len(stripped), stripped.rstrip()))
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0].indent, 0)
    if end < len(lines):
        raise _YamlError(lines[end].number, "text outside the document's structure")
    return value


def _block(lines: list[_Line], i: int, indent: int, depth: int) -> tuple[object, int]:
    if depth > _MAX_DEPTH:
        raise _YamlError(lines[i].number, "nested too deeply")
    if lines[i].text == "-" or lines[i].text.startswith("- "):
        return _sequence(lines, i, indent, depth)
    return _mapping(lines, i, indent, depth)


def _sequence(lines, i, indent, depth):
    items = []
    while i < len(lines) and lines[i].indent == indent and (
            lines[i].text == "-" or lines[i].text.startswith("- ")):
        line = lines[i]
        rest = line.text[1:].lstrip(" ")
        if not rest:
            if i + 1 < len(lines) and lines[i + 1].indent > indent:
                value, i = _block(lines, i + 1, lines[i + 1].indent, depth + 1)
            else:
                value, i = None, i + 1
        elif _key_split(rest) is not None:  # "- key: value": a mapping starts on this line
            inner = line.indent + (len(line.text) - len(rest))
            lines[i] = _Line(line.number, inner, rest)
            value, i = _mapping(lines, i, inner, depth + 1)
        else:
            value, i = _scalar(lines, i, rest, indent, depth)
        items.append(value)
    return items, i


def _mapping(lines, i, indent, depth):
    result: dict[str, object] = {}
    while i < len(lines) and lines[i].indent == indent:
        line = lines[i]
        split = _key_split(line.text)
        if split is None:
            raise _YamlError(line.number, "expected 'key: value'")
        key, rest = split
        if _is_tag(rest):
            following = lines[i + 1] if i + 1 < len(lines) else None
            nested = following is not None and (
                following.indent > indent or (following.indent == indent and (
                    following.text == "-" or following.text.startswith("- "))))
            if nested:
                value, i = _block(lines, i + 1, following.indent, depth + 1)
            else:
                value, i = None, i + 1
        else:
            value, i = _scalar(lines, i, rest, indent, depth)
        result[key] = value
    return result, i


def _scalar(lines, i, rest, indent, depth):
    """A scalar starting on line ``i`` after its key; continuation lines are more indented."""
    rest = _drop_tag(rest)
    number = lines[i].number
    i += 1
    continued = []
    while i < len(lines) and lines[i].indent > indent:
        continued.append(lines[i].text)
        i += 1
    if rest[:1] in ("|", ">"):
        return "\n".join(continued), i
    text = " ".join([rest, *continued])
    if text[:1] in ("'", '"'):
        return _quoted(text, number), i
    if text[:1] in ("[", "{"):
        return ([] if text == "[]" else {} if text == "{}" else text), i
    return _plain(text), i


def _key_split(text: str) -> tuple[str, str] | None:
    """``(key, rest)`` of a ``key: value`` line (keys may be quoted), else None."""
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 1)
        while quote == "'" and end != -1 and text[end + 1:end + 2] == "'":
            end = text.find(quote, end + 2)
        if end == -1 or text[end + 1:end + 2] != ":" or text[end + 2:end + 3] not in ("", " "):
            return None
        return _quoted(text[:end + 1], 0), text[end + 2:].strip()
    match = re.search(r":(?: |\Z)", text)
    if match is None or match.start() == 0:
        return None
    key = text[:match.start()]
    if key.startswith(("- ", "[", "{", "|", ">")):
        return None
    return key.strip(), text[match.end():].strip()


def _is_tag(text: str) -> bool:
    """Whether ``text`` is only tags and anchors (``!ruby/object:X &1``): a block follows."""
    return not _drop_tag(text)


def _drop_tag(text: str) -> str:
    """``text`` without its leading tags (``!ruby/...``) and anchors (``&1``)."""
    while text[:1] in ("!", "&"):
        _, _, text = text.partition(" ")
        text = text.strip()
    return text.strip()


def _quoted(text: str, number: int) -> str:
    quote = text[0]
    end = text.rfind(quote)
    if end == 0:
        raise _YamlError(number, "a quoted value is not closed")
    body = text[1:end]
    if quote == "'":
        return body.replace("''", "'")
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "0": "\0"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _plain(text: str) -> str:
    comment = text.find(" #")
    if comment != -1:
        text = text[:comment]
    return text.strip()
