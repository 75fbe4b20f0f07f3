"""The Stepper's browser code: keyboard shortcuts, a tree that follows the change, and
what screen readers and keyboards need (:mod:`.access`).

Stock ipywidgets cannot listen to keys on a box or scroll a pane to an
element, so a small anywidget module does both inside the Stepper's own
element (found with ``closest(".buddy-stepper")``):

- **Keys.**  While focus is anywhere in the Stepper (a button, the slider,
  or the Stepper itself: clicking its pictures focuses it), ←/→ take a step,
  PageUp/PageDown jump an operation, Home/End go to the start/end.  The
  listener runs in the capture phase and stops those keys there, so the
  slider does not handle them a second time; that is also what makes End
  reach the end of a timeline that grew (the slider's own End key remembers
  the range it was created with).  Keys typed into text fields, and keys
  with Ctrl/Alt/Meta/Shift, are left alone; in the tree pane the four arrows
  scroll the pane (the other shortcuts still step).
- **Follow the change.**  When the tree pane scrolls (a big tree at 100 %,
  or one wider than the readable minimum), each new picture scrolls the pane
  so the node the step changed (``g.changed``) is in view: the student never
  sees an empty corner of a lopsided tree.
- **Access.**  Names, live regions, focus that is never lost, no keys leaking
  to JupyterLab and a visible focus ring: :mod:`.access`, whose functions this
  module's browser code includes; ``valuetext`` is what the slider says.

The browser only reports *which* key; the kernel decides what it does, through
the same methods the buttons call, so predict mode's gate applies to keys too.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anywidget
import traitlets

from . import access

#: Key name (``KeyboardEvent.key``) -> what it does, as the name of a Stepper method.
SHORTCUTS = {
    "ArrowLeft": "back",
    "ArrowRight": "forward",
    "PageUp": "previous_operation",
    "PageDown": "next_operation",
    "Home": "first",
    "End": "last",
}

_ESM = """
const SHORTCUTS = new Set(%s);
const SCROLL_KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);

function typing(target) {
  const tag = target.tagName;
  return (tag === "INPUT" && target.type !== "range") || tag === "TEXTAREA" ||
    tag === "SELECT" || target.isContentEditable;
}

// Scroll a pane (not the page) so that `node` sits inside it, centred on the axis it left.
function reveal(pane, node) {
  const view = pane.getBoundingClientRect(), box = node.getBoundingClientRect();
  if (box.left < view.left || box.right > view.right) {
    pane.scrollLeft += (box.left + box.right - view.left - view.right) / 2;
  }
  if (box.top < view.top || box.bottom > view.bottom) {
    pane.scrollTop += (box.top + box.bottom - view.top - view.bottom) / 2;
  }
}

function attach(model, el) {
  const root = el.closest(".buddy-stepper");
  if (!root) return null;
  if (!root.hasAttribute("tabindex")) root.tabIndex = -1;  // a click on a picture focuses it
  const onKey = (event) => {
    if (!SHORTCUTS.has(event.key) || event.altKey || event.ctrlKey || event.metaKey ||
        event.shiftKey || typing(event.target)) return;
    // In the tree pane the arrow keys scroll it (the browser's own scrolling).
    if (SCROLL_KEYS.has(event.key) && event.target.closest(".buddy-tree-pane")) return;
    event.preventDefault();
    event.stopPropagation();
    model.send({ key: event.key });
  };
  root.addEventListener("keydown", onKey, true);
  // Allocate and Free send what the boxes hold with the click itself: the boxes' own
  // updates can still be on their way when a click is sent (see live.py).
  const onClick = (event) => {
    const button = event.target.closest(".buddy-live-allocate, .buddy-live-free");
    if (!button || !root.contains(button) || button.disabled) return;
    const text = (name) => {
      const input = root.querySelector(`.buddy-live-${name} input`);
      return input ? input.value : null;
    };
    event.preventDefault();
    event.stopPropagation();
    model.send({ live: button.classList.contains("buddy-live-allocate") ? "allocate" : "free",
                 size: text("size"), name: text("name"), free_name: text("free-name") });
  };
  root.addEventListener("click", onClick, true);
  const made = access(root, () => model.get("valuetext"));
  model.on("change:valuetext", made.refresh);
  // Follow when the pane's picture is replaced, its zoom class changes, or it gets its
  // size (a notebook lays cells out lazily) -- not on every change elsewhere, so a student
  // who scrolled the pane by hand keeps that view until the next picture.
  let pane = null, queued = false;
  const follow = () => {
    queued = false;
    const node = pane && pane.querySelector("g.changed");
    if (node) reveal(pane, node);
  };
  const later = () => {
    if (!queued) { queued = true; requestAnimationFrame(follow); }
  };
  const changed = new MutationObserver(later), sized = new ResizeObserver(later);
  const find = () => {  // the pane's view may be rendered after this one
    pane = root.querySelector(".buddy-tree-pane");
    if (!pane) return;
    finder.disconnect();
    changed.observe(pane, { childList: true, subtree: true, attributeFilter: ["class"] });
    sized.observe(pane);
    later();
  };
  const finder = new MutationObserver(find);
  finder.observe(root, { childList: true, subtree: true });
  find();
  return () => {
    root.removeEventListener("keydown", onKey, true);
    root.removeEventListener("click", onClick, true);
    model.off("change:valuetext", made.refresh);
    made.dispose();
    for (const observer of [finder, changed, sized]) observer.disconnect();
  };
}

export default {
  render({ model, el }) {
    return whenPlaced(el, (placed) => attach(model, placed));
  },
};
"""


class Shortcuts(anywidget.AnyWidget):
    """Invisible: reports the Stepper's shortcut keys to the kernel and keeps the change in
    view.  ``on_key(callback)`` gets the key's name (one of :data:`SHORTCUTS`)."""

    _esm = access.JS + _ESM % json.dumps(sorted(SHORTCUTS))
    _css = access.CSS
    valuetext = traitlets.Unicode(
        "", help="What the event slider says to a screen reader, e.g. 'event 8 of 18: ...'."
    ).tag(sync=True)

    def __init__(self) -> None:
        super().__init__(layout={"display": "none"})
        self._callbacks: list[Callable[[str], None]] = []
        self._live: list[Callable[[str, dict], None]] = []
        self.on_msg(self._received)

    def on_key(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(key)`` for every shortcut key pressed in the Stepper."""
        self._callbacks.append(callback)

    def on_live(self, callback: Callable[[str, dict], None]) -> None:
        """Call ``callback(action, typed)`` for a click on the live row's Allocate or Free,
        with the text its boxes held when it was clicked (``size``, ``name``,
        ``free_name``)."""
        self._live.append(callback)

    def _received(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):  # only the browser code above sends
            return
        if content.get("live") in ("allocate", "free"):
            typed = {key: content.get(key) for key in ("size", "name", "free_name")}
            for callback in self._live:
                callback(content["live"], typed)
            return
        key = content.get("key")
        if key not in SHORTCUTS:  # ignore anything else
            return
        for callback in self._callbacks:
            callback(key)
