"""What every "write this function" question knows about its function: its signature, what it
must do, and what of its outcome is compared with the core.

Two families share it: the five functions of lesson 6 over a dict of free lists
(:mod:`.contract`), and Knuth's algorithms R and S over ``AVAIL`` lists with ``TAG`` and
``KVAL`` (:mod:`.knuth`); :mod:`.catalog` puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    """One function of a contract: its signature, what it must do, and how it is compared.

    ``compare`` lists what must agree with the core: ``"result"`` (what the
    function returns), ``"free"`` (lesson 6's free lists, its first argument, as
    the function left them) or ``"state"`` (Knuth's memory, its first argument,
    read as its ``AVAIL`` lists with their ``TAG``, ``KVAL`` and links).
    ``family`` is ``"lesson"`` or ``"knuth"``: which contract the function belongs to.
    """

    name: str
    parameters: tuple[str, ...]
    returns: str
    does: str
    compare: tuple[str, ...]
    family: str = "lesson"

    @property
    def signature(self) -> str:
        """``split(free, address, size, wanted)``."""
        return f"{self.name}({', '.join(self.parameters)})"
