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
INK = "#000000"
HIGHLIGHT_WIDTH = 4
