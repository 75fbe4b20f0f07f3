"""Rendered SVG kept per DOT source, so revisiting a state costs a dict lookup.

The key is the DOT text itself (plus the backend's name): it holds the whole
state and the highlight, so it is exact even after the timeline is truncated
and rewritten, where a (timeline, position) key would go stale.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from . import backends as _backends

MAX_ENTRIES = 512
MAX_CHARS = 64 * 1024 * 1024  # keys plus values; a 2047-node tree is about 1M


@dataclass(frozen=True)
class CacheInfo:
    """How the SVG cache has done: ``misses`` is the number of backend renders."""

    hits: int
    misses: int
    entries: int
    chars: int
    max_entries: int


_store: OrderedDict[tuple[str, str], str] = OrderedDict()
_counts = {"hits": 0, "misses": 0, "chars": 0}


def cached_svg(source: str) -> str:
    """The SVG for DOT ``source``, rendered at most once while it stays in the cache."""
    key = (_backends.backend(), source)
    svg = _store.get(key)
    if svg is not None:
        _store.move_to_end(key)
        _counts["hits"] += 1
        return svg
    svg = _backends.render_svg(source)
    _counts["misses"] += 1
    _store[key] = svg
    _counts["chars"] += len(source) + len(svg)
    while len(_store) > MAX_ENTRIES or (_counts["chars"] > MAX_CHARS and len(_store) > 1):
        (_, old_source), old_svg = _store.popitem(last=False)
        _counts["chars"] -= len(old_source) + len(old_svg)
    return svg


def cache_info() -> CacheInfo:
    """Hits, misses (renders) and size of the SVG cache."""
    return CacheInfo(_counts["hits"], _counts["misses"], len(_store), _counts["chars"],
                     MAX_ENTRIES)


def clear_cache() -> None:
    """Forget every rendered SVG and reset the counters."""
    _store.clear()
    _counts.update(hits=0, misses=0, chars=0)
