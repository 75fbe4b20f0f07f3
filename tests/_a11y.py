"""Accessibility checks in a real browser: axe-core, Chromium's accessibility tree, contrast.

Shared by tests/test_browser.py (JupyterLab) and tests/test_lite_a11y.py (the
zero-install site).  axe-core comes from npm at the version pinned in
``tests/axe/package.json`` and its lock (``npm ci`` checks the integrity hash),
installed once into ``build/axe`` and loaded into the page from disk: nothing
is fetched by the page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINNED = ROOT / "tests" / "axe"
INSTALLED = ROOT / "build" / "axe"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: The kit's outputs: its widgets, and a picture the kit drew shown as plain HTML.
KIT_WIDGETS = ".buddy-stepper, .buddy-quickcheck, .buddy-side-by-side"
KIT_OUTPUTS = """() => {
  const widgets = 'WIDGETS';
  const found = Array.from(document.querySelectorAll(widgets))
    .filter(el => !el.parentElement.closest(widgets));
  for (const out of document.querySelectorAll('.jp-OutputArea-output')) {
    if (out.closest(widgets) || out.querySelector(widgets)) continue;
    if (out.querySelector('svg.buddy-strip, svg[aria-label^="Tree of"]')) found.push(out);
  }
  return found;
}""".replace("WIDGETS", KIT_WIDGETS)


def pinned_version() -> str:
    return json.loads((PINNED / "package.json").read_text())["dependencies"]["axe-core"]


def axe_script() -> Path:
    """axe.min.js of the pinned axe-core, installed with ``npm ci`` on first use."""
    script = INSTALLED / "node_modules" / "axe-core" / "axe.min.js"
    package = INSTALLED / "node_modules" / "axe-core" / "package.json"
    lock = INSTALLED / "package-lock.json"
    fresh = (script.is_file() and lock.is_file()
             and lock.read_bytes() == (PINNED / "package-lock.json").read_bytes()
             and json.loads(package.read_text())["version"] == pinned_version())
    if not fresh:
        shutil.rmtree(INSTALLED, ignore_errors=True)
        INSTALLED.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PINNED / name, INSTALLED / name)
        done = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                              cwd=INSTALLED, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"npm ci in {INSTALLED} failed:\n{done.stdout}\n{done.stderr}")
    if json.loads(package.read_text())["version"] != pinned_version():
        raise RuntimeError(f"{package} is not axe-core {pinned_version()}")
    return script


# axe on one element with the WCAG 2.1 A/AA rules; each violation with its nodes.
AXE_RUN = """async ([element, tags]) => {
  const result = await axe.run(element, {runOnly: {type: 'tag', values: tags},
                                         resultTypes: ['violations']});
  return {version: axe.version, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))};
}"""


def axe_kit_outputs(page, script: Path) -> dict:
    """Run axe on each of the kit's outputs in ``page``, each scrolled into view first (a
    notebook renders off-screen cells lazily); {"checked": counts, "violations": [...]}."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    outputs = page.evaluate_handle(KIT_OUTPUTS)
    count = page.evaluate("found => found.length", outputs)
    checked: dict[str, int] = {}
    violations = []
    version = ""
    for index in range(count):
        element = page.evaluate_handle("([found, i]) => found[i]", [outputs, index])
        element.scroll_into_view_if_needed()
        page.wait_for_timeout(150)  # let a lazily rendered output lay itself out
        kind = element.evaluate(
            "el => (el.className.match(/buddy-(stepper|quickcheck|side-by-side)/) "
            "|| [null, 'picture'])[1]")
        checked[kind] = checked.get(kind, 0) + 1
        result = page.evaluate(AXE_RUN, [element, WCAG_TAGS])
        version = result["version"]
        violations += [dict(v, output=f"{kind} {index}") for v in result["violations"]]
    return {"checked": checked, "violations": violations, "version": version}


# ------------------------------------------------ Chromium's accessibility tree
class AXTree:
    """Chromium's accessibility tree over the DevTools protocol (what a screen reader is
    given), for the nodes under one element."""

    def __init__(self, page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Accessibility.enable")

    def nodes(self, element, role: str | None = None) -> list[dict]:
        """The unignored nodes under ``element`` (a locator), optionally of one role, each
        as {"role", "name", "properties", "backend"}."""
        handle = element.element_handle()
        remote = self.cdp.send("DOM.describeNode", {"objectId": _object_id(self, handle)})
        query = {"backendNodeId": remote["node"]["backendNodeId"]}
        if role:
            query["role"] = role
        found = self.cdp.send("Accessibility.queryAXTree", query)["nodes"]
        return [{"role": n.get("role", {}).get("value"), "name": n.get("name", {}).get("value"),
                 "properties": {p["name"]: p["value"].get("value")
                                for p in n.get("properties", [])},
                 "backend": n.get("backendDOMNodeId"), "id": n["nodeId"]}
                for n in found if not n.get("ignored")]

    def text(self, node: dict) -> str:
        """The text of a node's subtree (a live region's content), as read out."""
        parts = []
        pending = [node["id"]]
        while pending:
            children = self.cdp.send("Accessibility.getChildAXNodes", {"id": pending.pop(0)})
            for child in children["nodes"]:
                if child.get("ignored"):
                    continue
                if child.get("role", {}).get("value") == "StaticText":
                    parts.append(child.get("name", {}).get("value", ""))
                else:
                    pending.append(child["nodeId"])
        return "".join(parts)


def _object_id(tree: AXTree, handle) -> str:
    """The DevTools object id of a Playwright element handle."""
    tree.page.evaluate("el => { window.__buddyAX = el; }", handle)
    found = tree.cdp.send("Runtime.evaluate", {"expression": "window.__buddyAX"})
    return found["result"]["objectId"]


# ------------------------------------------------------------------ contrast
def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast of two sRGB colours given as [r, g, b] in 0..255."""
    def luminance(colour):
        linear = [(c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4)
                  for c in colour[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# The focused element's outline and what it sits between: its own background and the
# page's, both as composited [r, g, b].
FOCUS_RING = """() => {
  const el = document.activeElement;
  const parse = c => { const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null; const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const behind = start => { const layers = [];
    for (let e = start; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let bg = [255, 255, 255];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg.concat([1]));
    return bg; };
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.textContent || '').trim().slice(0, 30),
          style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          offset: parseFloat(style.outlineOffset), ring: parse(style.outlineColor),
          own: behind(el), page: behind(el.parentElement)};
}"""
