"""The ipywidgets Stepper: step forward and back through every split and merge."""

from .stepper import Stepper

__all__ = ["Stepper"]
