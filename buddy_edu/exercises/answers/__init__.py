"""Answer reading: how a student's value travels, is scanned and is read.

One path serves the notebook (``ex.check``, the lessons' QuickChecks) and the
batch grader alike, so a ✓ in the notebook is the points in the gradebook:

- :mod:`.transport`: a Python value → JSON text → plain data (its source also
  runs inside the student's kernel under the grader);
- :mod:`.scanner`: answer text split into tokens in one pass, and ``FormError``;
- :mod:`.values`: sizes, addresses, counts, orders, blocks, per-order counts;
- :mod:`.outcomes`: "succeeds" or why not, from a student's own words;
- :mod:`.forms`: how each kind of answer is written, as question types pick them.
"""

from __future__ import annotations

from .forms import ADDRESS, BLOCKS, CHOICE, COUNT, COUNTS, ORDER, OUTCOME, SIZE, Form
from .outcomes import (
    EXTERNAL,
    FAILS,
    INTERNAL,
    NOT_ENOUGH,
    OUTCOMES,
    SUCCEEDS,
    outcome,
)
from .scanner import FormError, Token, tokens
from .transport import MAX_TEXT, Unordered
from .values import block, blocks, count, counts, order, quantity

__all__ = [
    "ADDRESS", "BLOCKS", "CHOICE", "COUNT", "COUNTS", "EXTERNAL", "FAILS", "INTERNAL", "MAX_TEXT",
    "NOT_ENOUGH", "ORDER", "OUTCOME", "OUTCOMES", "SIZE", "SUCCEEDS", "Form", "FormError",
    "Token", "Unordered", "block", "blocks", "count", "counts", "order", "outcome",
    "quantity", "tokens",
]
