"""Sizes as people type them (``64``, ``64K``, ``1M``, ``2G``) and as we print them.

Suffixes are powers of 1024, as in operating-systems textbooks.
"""

from __future__ import annotations

import re

from .errors import InvalidRequest

_SUFFIXES = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Turn ``"64K"`` into 65536; integers pass through unchanged.

    Raises :class:`InvalidRequest` naming the accepted forms.
    """
    if isinstance(text, bool):
        raise InvalidRequest(f"expected a size like 64, 64K, 1M or 2G, got {text!r}")
    if isinstance(text, int):
        return text
    if not isinstance(text, str):
        raise InvalidRequest(
            f"expected a size like 64, 64K, 1M or 2G, got {type(text).__name__} {text!r}"
        )
    match = _SIZE.fullmatch(text)
    if not match:
        raise InvalidRequest(f"expected a size like 64, 64K, 1M or 2G, got {text!r}")
    return int(match.group(1)) * _SUFFIXES[match.group(2).upper()]


def format_size(value: int) -> str:
    """A size as people read it, always exact: 65536 -> ``"64K"``, 0 -> ``"0"``, 1000 ->
    ``"1000"``; a size of 1K or more that is not a whole number of K, M or G is given in
    bytes with its rounded size beside it: 82379 -> ``"82379 B (80.45K)"``.

    Whole sizes stay short and can be typed back (scripts are written with them); the
    others say their exact bytes first, so no reader has to guess what was rounded.
    """
    for suffix in ("G", "M", "K"):
        unit = _SUFFIXES[suffix]
        if value and value % unit == 0:
            return f"{value // unit}{suffix}"
    if abs(value) < 1024:
        return str(value)
    suffix = next(s for s in ("G", "M", "K") if abs(value) >= _SUFFIXES[s])
    return f"{value} B ({value / _SUFFIXES[suffix]:.2f}{suffix})"
