"""What the browser adds so screen readers and keyboards can use the kit's widgets.

Stock ipywidgets leave gaps a screen reader falls into: a slider without a
name, icon-font characters in button names, live text that is replaced
element and all (so it is often not announced), a button that disables itself
under the keyboard focus (focus drops to the page).  Python cannot set ARIA
attributes on a widget's element, so a little browser code does it, inside
the widget's own element (``.buddy-stepper``, ``.buddy-quickcheck`` or
``.buddy-side-by-side``), and again whenever the widget redraws:

- **Names and states.**  Icons are ``aria-hidden``; every slider is named by
  its label (the Stepper's says where it is: "event 8 of 18: Free ..."), its
  number box too; toggle buttons carry ``aria-pressed`` and their group its
  label; radio buttons form a labelled ``radiogroup``.
- **Live regions.**  A widget with the class ``buddy-live`` (or
  ``buddy-alert``) becomes a polite status (or an alert) whose element stays for
  the widget's life while its text changes, which is what screen readers
  announce reliably: the narration of every step, a predict question and its
  marking, a QuickCheck's result.
- **Focus never lost.**  When the focused control is disabled, hidden or
  redrawn (Last at the end, Undo, Check), focus moves to its nearest live
  neighbour in tab order, one on which the Stepper's keys work (a button, the
  slider, the tree pane); after Check, to Forward.
- **No keys leak to JupyterLab.**  Keys pressed inside the widget (arrows, letters,
  Enter, Space) stop at its edge, so ↑/↓ on a menu or "d d" on a button never
  move or delete a notebook cell.  Tab, Escape, Shift+Enter and keys with
  Ctrl/Alt/Meta pass, as everywhere in the notebook.
- **A focus ring** of 3 px at 3:1 or better against the buttons and the page, in
  the Light and Dark themes.

The tree pane becomes a focusable, labelled region that scrolls with the arrow
keys (:mod:`.shortcuts` leaves those keys to it).
"""

from __future__ import annotations

import json

import anywidget

#: The kit's widgets that get this treatment, by the class on their element.
ROOTS = ".buddy-stepper, .buddy-quickcheck, .buddy-side-by-side"
#: The focus ring: dark blue on the Light theme (7.3:1 on white, 6.3:1 on the grey
#: buttons), light blue on the Dark theme (10.8:1 on #111, 5.7:1 on its buttons).
RING_LIGHT, RING_DARK = "#005A8C", "#8FCBF5"
TREE_PANE_NAME = ("Tree of blocks: scroll it with the arrow keys; the tree in words "
                  "follows the picture")

# Specific enough to beat ipywidgets' own "outline: none !important" on its inputs.
_FOCUSED = ":is(button, input, select, textarea, [tabindex], [contenteditable]):focus-visible"
CSS = f"""
:is({ROOTS}) {_FOCUSED}, .buddy-stepper.buddy-stepper:focus-visible {{
  outline: 3px solid {RING_LIGHT} !important; outline-offset: 2px !important;
}}
body[data-jp-theme-light="false"] :is({ROOTS}) {_FOCUSED},
body[data-jp-theme-light="false"] .buddy-stepper.buddy-stepper:focus-visible {{
  outline-color: {RING_DARK} !important;
}}
"""

# Plain functions, shared by this module's widget and the Stepper's (shortcuts.py).
JS = """
const ROOTS = %(roots)s;
const TREE_PANE_NAME = %(pane)s;
let buddyIds = 0;

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

function labelId(label) {
  if (!label.id) label.id = `buddy-label-${Date.now().toString(36)}-${buddyIds++}`;
  return label.id;
}

function ownedBy(root, el) { return el.closest(ROOTS) === root; }

// Names, states and live regions, set again after every redraw (only what changed).
function nameParts(root, valuetext) {
  for (const icon of root.querySelectorAll("button i, .widget-label i")) {
    setAttr(icon, "aria-hidden", "true");
  }
  for (const widget of root.querySelectorAll(".buddy-live, .buddy-alert")) {
    const region = widget.querySelector(":scope > .widget-html-content") || widget;
    const alert = widget.classList.contains("buddy-alert");
    setAttr(region, "role", alert ? "alert" : "status");
    setAttr(region, "aria-live", alert ? "assertive" : "polite");
    setAttr(region, "aria-atomic", "true");
  }
  for (const slider of root.querySelectorAll(".widget-slider")) {
    const label = slider.querySelector(":scope > .widget-label");
    const handle = slider.querySelector("[role=slider]");
    const readout = slider.querySelector(".widget-readout");
    if (!label || !handle) continue;
    setAttr(handle, "aria-labelledby", labelId(label));
    if (readout) {
      setAttr(readout, "role", "textbox");
      setAttr(readout, "aria-label", `${label.textContent.trim()} number`);
    }
    const text = slider.classList.contains("buddy-event-slider") && valuetext();
    if (text) setAttr(handle, "aria-valuetext", text);
  }
  for (const group of root.querySelectorAll(".widget-toggle-buttons")) {
    const label = group.querySelector(":scope > .widget-label");
    const box = label && label.nextElementSibling;
    if (label && label.getAttribute("title") === "null") label.removeAttribute("title");
    if (box) {
      setAttr(box, "role", "group");
      setAttr(box, "aria-labelledby", labelId(label));
    }
    for (const button of group.querySelectorAll("button")) {
      setAttr(button, "aria-pressed", String(button.classList.contains("mod-active")));
    }
  }
  for (const radio of root.querySelectorAll(".widget-radio")) {
    const label = radio.querySelector(":scope > .widget-label");
    const box = radio.querySelector(".widget-radio-box");
    if (label && box) {
      setAttr(box, "role", "radiogroup");
      setAttr(box, "aria-labelledby", labelId(label));
    }
  }
  for (const pane of root.querySelectorAll(".buddy-tree-pane")) {
    setAttr(pane, "tabindex", "0");
    setAttr(pane, "role", "region");
    setAttr(pane, "aria-label", TREE_PANE_NAME);
  }
}

function usable(el) {
  return el.isConnected && !el.disabled && el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== "hidden";
}

function tabStops(root) {
  return Array.from(root.querySelectorAll(
    "button, input, select, textarea, [tabindex], [contenteditable='true']"))
    .filter((el) => ownedBy(root, el) && el.tabIndex >= 0);
}

// A control the Stepper's keys work on (not a field that takes the keys as text).
function stepsHere(el) {
  return el.tagName === "BUTTON" || el.getAttribute("role") === "slider" ||
    el.classList.contains("buddy-tree-pane");
}

// Focus the nearest live neighbour of `lost` in the tab order it had: the next stop
// first, then the one before, further out until one works.
function rescueFocus(root, lost, order) {
  const preferred = lost.closest(".buddy-predict-panel") && root.querySelector(".buddy-forward");
  if (preferred && usable(preferred)) { preferred.focus(); return; }
  const at = Math.max(0, order.indexOf(lost));
  for (const wanted of [stepsHere, () => true]) {
    for (let d = 1; d < order.length; d++) {
      for (const el of [order[at + d], order[at - d]]) {
        if (el && el !== lost && usable(el) && ownedBy(root, el) && wanted(el)) {
          el.focus();
          return;
        }
      }
    }
  }
  if (!root.hasAttribute("tabindex")) root.tabIndex = -1;
  root.focus();
}

function stopLeaks(event) {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  if (event.key === "Tab" || event.key === "Escape") return;
  if (event.shiftKey && event.key === "Enter") return;  // run the cell, as anywhere
  event.stopPropagation();  // in the bubbling phase: the control itself had the key
}

// Make `root` accessible; returns {refresh, dispose}.  `valuetext()` says where the
// event slider is (or "" to leave noUiSlider's number).
function access(root, valuetext) {
  let last = null, order = [], queued = false;
  const check = () => {
    queued = false;
    nameParts(root, valuetext);
    if (!last) return;
    const active = document.activeElement;
    if (usable(last) && last.contains(active)) return;
    if (usable(last)) { if (!root.contains(active)) last = null; return; }
    if (active && active !== document.body && active !== last) { last = null; return; }
    const lost = last;
    last = null;
    rescueFocus(root, lost, order);
  };
  const refresh = () => { if (!queued) { queued = true; queueMicrotask(check); } };
  const onFocus = (event) => {
    if (!ownedBy(root, event.target)) return;
    last = event.target;
    order = tabStops(root);
  };
  root.addEventListener("focusin", onFocus);
  root.addEventListener("keydown", stopLeaks);
  const observer = new MutationObserver(refresh);
  observer.observe(root, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ["class", "disabled", "style", "aria-valuetext", "hidden"],
  });
  nameParts(root, valuetext);
  return {
    refresh,
    dispose() {
      observer.disconnect();
      root.removeEventListener("focusin", onFocus);
      root.removeEventListener("keydown", stopLeaks);
    },
  };
}

// Run `attach(el)` once `el` is in the page (a view is rendered before it is placed);
// returns the cleanup.
function whenPlaced(el, attach) {
  let cleanup = null, tries = 0, timer = null;
  const tryAttach = () => {
    cleanup = el.isConnected ? attach(el) : null;
    if (!cleanup && tries++ < 200) timer = setTimeout(tryAttach, 50);
  };
  tryAttach();
  return () => { clearTimeout(timer); if (cleanup) cleanup(); };
}
"""

JS = JS % {"roots": json.dumps(ROOTS), "pane": json.dumps(TREE_PANE_NAME)}

_RENDER = """
export default {
  render({ el }) {
    return whenPlaced(el, (placed) => {
      const root = placed.closest(ROOTS);
      if (!root) return null;
      const made = access(root, () => "");
      return () => made.dispose();
    });
  },
};
"""


class Access(anywidget.AnyWidget):
    """Invisible: makes the widget it sits in accessible (see the module's docstring).
    The Stepper gets the same from its :class:`~.shortcuts.Shortcuts`."""

    _esm = JS + _RENDER
    _css = CSS

    def __init__(self) -> None:
        super().__init__(layout={"display": "none"})
