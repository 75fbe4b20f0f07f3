"""Pictures of the allocator at any position of its timeline.

The tree (Graphviz, through the system ``dot``, Graphviz compiled to
WebAssembly, or viz.js when the kit runs in a browser under Pyodide), the
memory map strip, the free-list and stats tables, the narration, and exports
to SVG and to a self-contained HTML stepper.  Every function takes
``position=None`` (the current one) and leaves the allocator where it found it.
"""

from __future__ import annotations

from .backends import ENV_VAR, backend
from .cache import CacheInfo, cache_info, clear_cache
from .describe import strip_summary, tree_outline_html, tree_summary
from .dot import node_name, to_dot, to_svg
from .errors import RenderError
from .export import export_html, frames_html, save_svg
from .position import Change, at_position, caption, current_change
from .strip import memory_strip_svg
from .tables import free_lists_html, stats_html

__all__ = [
    "ENV_VAR", "CacheInfo", "Change", "RenderError", "at_position", "backend", "cache_info",
    "caption", "clear_cache", "current_change", "export_html", "frames_html", "free_lists_html",
    "memory_strip_svg", "node_name", "save_svg", "stats_html", "strip_summary", "to_dot",
    "to_svg", "tree_outline_html", "tree_summary",
]
