"""The ipywidgets Stepper: step forward and back through every split and merge."""

from .quickcheck import QuickCheck
from .stepper import Stepper

__all__ = ["QuickCheck", "Stepper"]
