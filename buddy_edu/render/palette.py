"""Colours and marks shared by the tree and the memory strip.

Colours are from the Okabe-Ito palette, which stays distinct for the common
kinds of colour blindness; every state also has a mark that needs no colour
(split: rounded grey box saying "Split"; free: dashed border; allocated: solid
fill with the owner's name; changed by this step: a thick border).
"""

from __future__ import annotations

ALLOCATED = "#E69F00"  # orange
WASTE = "#F7DDA6"  # a light tint of the orange, hatched on top
FREE = "#56B4E9"  # sky blue
SPLIT = "#EEEEEE"  # neutral grey
HIGHLIGHT = "#0072B2"  # blue
FAIL = "#F0E442"  # yellow
INK = "#000000"  # text on the fills above, which are light in every theme
HIGHLIGHT_WIDTH = 4

# Text and lines on the page background follow JupyterLab's theme (Light or
# Dark); the fallbacks serve pages without it.  Measured against the Light
# (white) and Dark (#111) backgrounds, each text colour here reaches 4.5:1.
# The theme's success and warning colours do not (4.1:1 and 2.7:1 on white),
# so they only colour marks beside the text, never the text itself.
TEXT = "var(--jp-content-font-color1, #000)"
TEXT_QUIET = "var(--jp-content-font-color2, #595959)"
ERROR_TEXT = "var(--jp-error-color1, #c62828)"
RIGHT_MARK = "var(--jp-success-color1, #388e3c)"
PARTLY_MARK = "var(--jp-warn-color1, #f57c00)"
LINE = "var(--jp-border-color1, #bbb)"


def tone_style(mark: str) -> str:
    """Inline CSS for feedback text: the page's text colour with a coloured bar on its left."""
    return f"color: {TEXT}; border-left: 4px solid {mark}; padding-left: 6px"
