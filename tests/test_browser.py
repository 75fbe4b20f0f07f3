"""The Stepper in a real browser: JupyterLab 4 in headless Chromium, driven by playwright.

What only a browser can show: the widgets render, buttons found by their
accessible names move the timeline, the slider answers the keyboard, the
tree and the narration change on screen, and Play advances on its own
(its timer runs in JavaScript).  Where Chromium or playwright is missing,
tests/conftest.py skips the module, or fails it under BUDDY_EDU_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import _a11y
import pytest
from _jupyter import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LabServer,
    open_and_run,
    write_notebook,
)
from examples import WIKIPEDIA

from buddy_edu import run_script, tree_nodes
from buddy_edu.render import node_name

pytestmark = [pytest.mark.browser, pytest.mark.kernel]  # JupyterLab and its kernels

K = 1024
NOTEBOOK = "stepper.ipynb"
WAIT_MS = 30_000
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a notebook with a Stepper and a predict-mode Stepper."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [
        "import sys\nprint('KERNEL PREFIX', sys.prefix)",
        f"from buddy_edu import Stepper\nSCRIPT = {WIKIPEDIA!r}\nStepper.from_script(SCRIPT)",
        "Stepper.from_script(SCRIPT, predict=True)",
    ])
    server = LabServer(root, base / "home")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium(lab):
    """One headless Chromium for the module: playwright's sync API runs one at a time."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def opened(chromium, lab, name: str, viewport: dict):
    """A tab with notebook ``name`` open and every cell run; the server's log on failure."""
    tab = chromium.new_page(viewport=viewport)
    try:
        tab.set_default_timeout(WAIT_MS)
        open_and_run(tab, lab, name)
        yield tab
    except Exception:
        print(lab.log(), file=sys.stderr)
        raise
    finally:
        tab.close()


@pytest.fixture(scope="module")
def page(lab, chromium):
    """The notebook open in Chromium with all cells run and both Steppers on screen."""
    with opened(chromium, lab, NOTEBOOK, {"width": 1280, "height": 1400}) as tab:
        tab.locator(".buddy-stepper").nth(1).wait_for(timeout=90_000)
        yield tab


def expected_titles(position: int) -> list[str]:
    """The tree the core has at ``position`` of the Wikipedia timeline, as node titles."""
    allocator = run_script(WIKIPEDIA)
    allocator.seek(position)
    return sorted(node_name(node.address, node.size) for node in tree_nodes(allocator))


def narration(stepper) -> str:
    return stepper.locator(".buddy-stepper-narration").inner_text().strip()


def tree_titles(stepper) -> list[str]:
    return sorted(stepper.locator(".buddy-stepper-tree svg g.node > title").all_text_contents())


def wait_narration(stepper, pattern: str) -> str:
    """Wait until the narration matches ``pattern`` (the kernel answers asynchronously)."""
    stepper.locator(".buddy-stepper-narration").filter(
        has_text=re.compile(pattern)).wait_for(timeout=WAIT_MS)
    return narration(stepper)


def step_number(stepper) -> int:
    text = narration(stepper)
    return 0 if text.startswith("Start") else int(re.match(r"Step (\d+) of", text).group(1))


def test_the_notebook_kernel_is_this_environment(page):
    output = page.locator(".jp-OutputArea-output", has_text="KERNEL PREFIX").first
    assert output.inner_text().split()[-1] == sys.prefix


def jump(stepper, name: str) -> None:
    """Press First or Last, unless the Stepper is already there (the button is then disabled)."""
    button = stepper.get_by_role("button", name=name)
    if button.is_enabled():
        button.click()


def test_forward_back_and_the_slider_change_tree_and_narration(page):
    stepper = page.locator(".buddy-stepper").first
    assert narration(stepper) == "Start: 1M free."
    assert tree_titles(stepper) == [node_name(0, 1024 * K)]

    stepper.get_by_role("button", name="Forward").click()
    wait_narration(stepper, r"^Step 1 of 18: Split the 1M block at 0 into buddies at 0 and 512K")
    assert tree_titles(stepper) == sorted(
        [node_name(0, 1024 * K), node_name(0, 512 * K), node_name(512 * K, 512 * K)]
    )

    stepper.get_by_role("button", name="Back").click()
    wait_narration(stepper, r"^Start: 1M free\.$")
    assert tree_titles(stepper) == [node_name(0, 1024 * K)]

    handle = stepper.get_by_role("slider")  # keyboard on the slider, as a student would
    handle.focus()
    page.keyboard.press("ArrowRight")
    wait_narration(stepper, r"^Step 1 of 18")
    page.keyboard.press("End")
    wait_narration(stepper, r"^Step 18 of 18: Merge the buddies at 0 and 512K")
    assert tree_titles(stepper) == [node_name(0, 1024 * K)]

    box = stepper.locator(".noUi-target").bounding_box()  # a click on the slider's track
    page.mouse.click(box["x"] + box["width"] * 5.2 / 18, box["y"] + box["height"] / 2)
    wait_narration(stepper, r"^Step [4-6] of 18")
    assert tree_titles(stepper) == expected_titles(step_number(stepper))

    stepper.get_by_role("button", name="First").focus()
    page.keyboard.press("Enter")  # buttons work from the keyboard too
    wait_narration(stepper, r"^Start: 1M free\.$")


def test_operation_jumps_and_live_allocate(page):
    stepper = page.locator(".buddy-stepper").first
    jump(stepper, "First")
    wait_narration(stepper, r"^Start")
    stepper.get_by_role("button", name="Next operation").click()
    wait_narration(stepper, r"^Step 5 of 18: Allocate the 64K block at 0 to A")
    assert tree_titles(stepper) == expected_titles(5)

    stepper.get_by_role("textbox", name="Allocate size").fill("1M")
    stepper.get_by_role("button", name="Allocate").click()
    alert = stepper.get_by_role("alert")
    alert.filter(has_text="cannot allocate 1M").wait_for(timeout=WAIT_MS)
    wait_narration(stepper, r"^Step 6 of 6: Cannot allocate 1M")

    stepper.get_by_role("textbox", name="Allocate size").fill("12Q")
    stepper.get_by_role("button", name="Allocate").click()
    alert.filter(has_text="expected a size like 64, 64K, 1M or 2G").wait_for(timeout=WAIT_MS)
    assert narration(stepper).startswith("Step 6 of 6")


def test_keyboard_shortcuts_when_the_stepper_has_focus(page):
    """←/→, PageUp/PageDown and Home/End work wherever focus is in the Stepper, each press
    moves once (the slider does not handle it too), End reaches the end of a timeline
    that grew, and keys typed into a text field stay there (issue 10)."""
    stepper = page.locator(".buddy-stepper").first
    stepper.get_by_role("button", name="Reset").click()
    wait_narration(stepper, r"^Start: 1M free\.$")
    # A click on a picture gives focus (the memory map's: in the tree's own pane, which
    # takes focus itself, the arrow keys scroll the pane).
    stepper.locator(".buddy-strip").click()
    for key, pattern in (("ArrowRight", r"^Step 1 of 18"), ("PageDown", r"^Step 5 of 18"),
                         ("End", r"^Step 18 of 18"), ("PageUp", r"^Step 13 of 18"),
                         ("ArrowLeft", r"^Step 12 of 18"), ("Home", r"^Start")):
        page.keyboard.press(key)
        wait_narration(stepper, pattern)
    assert tree_titles(stepper) == expected_titles(0)

    stepper.get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")
    wait_narration(stepper, r"^Step 1 of 18")
    page.wait_for_timeout(300)  # a second, late step would show by now
    assert narration(stepper).startswith("Step 1 of 18")

    page.keyboard.press("End")
    wait_narration(stepper, r"^Step 18 of 18")
    stepper.get_by_role("textbox", name="Allocate size").fill("64K")
    stepper.get_by_role("button", name="Allocate").click()
    grown = run_script(WIKIPEDIA)
    grown.allocate(64 * K)
    end = grown.event_count()
    wait_narration(stepper, rf"^Step {end} of {end}")
    stepper.get_by_role("button", name="First").click()
    wait_narration(stepper, r"^Start")
    stepper.get_by_role("slider").focus()
    page.keyboard.press("End")  # the slider's own End key stopped at the old end
    wait_narration(stepper, rf"^Step {end} of {end}")

    size = stepper.get_by_role("textbox", name="Allocate size")
    size.fill("128K")
    size.press("ArrowLeft")
    size.press("Home")
    size.press("Delete")  # the caret moved inside the text, and nothing else happened
    assert size.input_value() == "28K"
    assert narration(stepper).startswith(f"Step {end} of {end}")


def test_live_operation_mid_timeline_offers_undo_and_reset_restores_the_scenario(page, screens):
    """Buttons are disabled where they do nothing; a live operation mid-timeline says how
    many events it discards, Undo puts them back exactly, Reset returns to the scenario."""
    stepper = page.locator(".buddy-stepper").first
    button = lambda name: stepper.get_by_role("button", name=name)  # noqa: E731
    button("Reset").click()
    wait_narration(stepper, r"^Start: 1M free\.$")
    backwards, forwards = ("First", "Back", "Previous operation"), ("Forward", "Last",
                                                                    "Next operation")
    assert all(button(name).is_disabled() for name in backwards)
    assert all(button(name).is_enabled() for name in forwards)

    button("Next operation").click()
    wait_narration(stepper, r"^Step 5 of 18")
    stepper.get_by_role("textbox", name="Allocate size").fill("100K")
    stepper.get_by_role("textbox", name="name").fill("E")
    button("Allocate").click()
    offer = stepper.get_by_text("This discarded 13 later events; Undo puts them back.")
    offer.wait_for()
    branch = run_script(WIKIPEDIA)
    branch.seek(5)
    branch.allocate(100 * K, "E")
    end = branch.event_count()
    wait_narration(stepper, rf"^Step {end} of {end}: Allocate the 128K block")
    assert all(button(name).is_disabled() for name in forwards)  # at the (new) end
    save_screen(stepper, screens, "live-operation-offers-undo.png")

    button("Undo").click()
    wait_narration(stepper, r"^Step 5 of 18")
    offer.wait_for(state="detached")
    assert tree_titles(stepper) == expected_titles(5)
    button("Last").click()
    wait_narration(stepper, r"^Step 18 of 18: Merge the buddies at 0 and 512K")
    save_screen(stepper, screens, "undo-restored-the-branch.png")

    stepper.get_by_role("textbox", name="Allocate size").fill("1K")
    button("Allocate").click()
    wait_narration(stepper, r"^Step 2[0-9] of 2[0-9]")
    button("Reset").click()
    wait_narration(stepper, r"^Start: 1M free\.$")
    button("Last").click()
    wait_narration(stepper, r"^Step 18 of 18: Merge")
    assert tree_titles(stepper) == expected_titles(18)
    save_screen(stepper, screens, "reset-back-to-the-scenario.png")


def test_play_advances_on_its_own_and_pause_stops_it(page):
    from playwright.sync_api import expect

    stepper = page.locator(".buddy-stepper").first
    jump(stepper, "Last")
    wait_narration(stepper, r"^Step \d+ of \d+")
    events = step_number(stepper)
    expect(stepper.get_by_role("button", name="Forward")).to_be_disabled(timeout=WAIT_MS)
    jump(stepper, "First")
    wait_narration(stepper, r"^Start")
    stepper.locator("select").select_option(label="8 steps/s")
    stepper.get_by_role("button", name="Play").click()
    stepper.get_by_role("button", name="Pause").wait_for(timeout=WAIT_MS)
    wait_narration(stepper, rf"^Step {events} of {events}")  # played to the end by itself
    stepper.get_by_role("button", name="Play").wait_for(timeout=WAIT_MS)  # and stopped there

    stepper.locator("select").select_option(label="1 step/s")
    stepper.get_by_role("button", name="Play").click()  # at the end, Play starts over
    wait_narration(stepper, rf"^Step [1-{events - 1}] of {events}")
    stepper.get_by_role("button", name="Pause").click()
    stepper.get_by_role("button", name="Play").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(300)  # a tick already on its way may still land
    paused_at = step_number(stepper)
    page.wait_for_timeout(2500)  # at 1 step/s, two more steps if the timer still ran
    assert step_number(stepper) == paused_at


def test_predict_mode_asks_before_revealing(page):
    stepper = page.locator(".buddy-stepper").nth(1)
    assert narration(stepper) == "Start: 1M free."
    assert "A asks for 34K. Where will its block start?" in stepper.inner_text()
    stepper.get_by_role("button", name="Forward").click()
    stepper.get_by_text("Answer the question first").wait_for(timeout=WAIT_MS)
    assert narration(stepper) == "Start: 1M free."
    stepper.get_by_role("radio", name="0", exact=True).check()
    stepper.get_by_role("button", name="Check").click()
    stepper.get_by_text("Score: 1 / 1 correct").wait_for(timeout=WAIT_MS)
    stepper.get_by_text("Right!").wait_for(timeout=WAIT_MS)  # its own update, maybe later
    stepper.get_by_role("button", name="Forward").click()
    # Predict mode does not tell how many events are to come ("of 18") until every
    # question is answered (issue 21).
    wait_narration(stepper, r"^Step 1: Split the 1M block")


# ------------------------------------------------ lesson 03: readable trees, Light and Dark
LESSON = "03-fragmentation.ipynb"
LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}
MIN_LABEL_PX = 10
MIN_CONTRAST = 4.5  # WCAG AA for body text

# Height in CSS pixels of every node label of each Stepper's tree, and the pane's width.
_LABELS = """() => Array.from(document.querySelectorAll('.buddy-stepper-tree svg')).map(svg => {
  const heights = Array.from(svg.querySelectorAll('g.node text'))
    .map(t => t.getBoundingClientRect().height);
  const pane = svg.closest('.widget-html');
  return {min: Math.min(...heights), labels: heights.length,
          svg: svg.getBoundingClientRect().width, pane: pane.clientWidth,
          scrolls: pane.scrollWidth > pane.clientWidth};
})"""

# WCAG contrast of every visible piece of text inside `selector` against what is behind
# it: the fill of its box for text on a tree node or a strip block, else the page's
# backgrounds, composited.  Disabled controls are left out (WCAG exempts them).
_CONTRAST = """(selector) => {
  const parse = c => { const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null; const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]))
    .concat([1]);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05); };
  const page = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg; };
  const behind = el => { if (!(el instanceof SVGElement)) return page(el);
    const svg = el.ownerSVGElement, box = el.closest('g.node, g.block');
    const shape = box && box.querySelector('polygon, path, rect, ellipse');
    const fill = shape && parse(getComputedStyle(shape).fill);
    return fill && fill[3] > 0 ? over(fill, page(svg)) : page(svg); };
  const out = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (['STYLE', 'SCRIPT', 'title'].includes(el.tagName)) continue;
      const own = Array.from(el.childNodes).filter(n => n.nodeType === 3)
        .map(n => n.textContent).join('').trim();
      if (!own || el.getClientRects().length === 0) continue;
      if (el.closest(':disabled, .mod-disabled, [aria-disabled="true"]')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const bg = behind(el);
      const fg = over(parse(el instanceof SVGElement ? style.fill : style.color), bg);
      out.push({text: own.slice(0, 40), ratio: ratio(fg, bg),
                fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round)});
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def screens(tmp_path_factory):
    """Where the screenshots go; also copied to BUDDY_EDU_SCREENSHOTS when that is set."""
    return tmp_path_factory.mktemp("screens")


def save_screen(shot, screens, name: str) -> None:
    path = screens / name
    shot.screenshot(path=str(path))
    extra = os.environ.get("BUDDY_EDU_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / name)
    print(f"screenshot: {path}")


@pytest.fixture(scope="module")
def lesson03(lab, chromium):
    """Lesson 03 as students run it, on a 1366x768 laptop screen."""
    shutil.copy(NOTEBOOKS / LESSON, lab.root / LESSON)
    with opened(chromium, lab, LESSON, LAPTOP) as tab:
        tab.locator(".buddy-stepper").nth(1).locator("svg g.node").first.wait_for(
            timeout=120_000)
        tab.locator(".buddy-quickcheck").nth(2).wait_for(timeout=WAIT_MS)
        yield tab


# Where the step's changed node is, against the tree pane that scrolls to show it.
_CHANGED_IN_PANE = """(stepper) => {
  const pane = stepper.querySelector('.buddy-tree-pane');
  const view = pane.getBoundingClientRect();
  const changed = pane.querySelector('g.node.changed');
  if (!changed) return {inside: false};
  const node = changed.getBoundingClientRect();
  return {inside: node.left >= view.left - 1 && node.right <= view.right + 1 &&
                  node.top >= view.top - 1 && node.bottom <= view.bottom + 1,
          scrolled: pane.scrollLeft + pane.scrollTop, wide: pane.scrollWidth > pane.clientWidth};
}"""


def wait_changed_in_view(stepper) -> dict:
    stepper.page.wait_for_function(f"s => ({_CHANGED_IN_PANE})(s).inside",
                                   arg=stepper.element_handle(), timeout=WAIT_MS)
    return stepper.evaluate(_CHANGED_IN_PANE)


def test_lesson_03_trees_keep_labels_readable_and_scroll(lesson03, screens):
    fit = lesson03.evaluate(_LABELS)
    print("Fit:", fit)
    assert len(fit) == 2  # the checkerboard and the random workload
    for tree in fit:
        assert tree["labels"] > 10
        assert tree["min"] >= MIN_LABEL_PX
    assert fit[1]["scrolls"]  # too wide for the cell: scrolls rather than shrinks
    big = lesson03.locator(".buddy-stepper").nth(1)
    big.locator(".buddy-stepper-tree g.node.changed").first.scroll_into_view_if_needed()
    save_screen(lesson03, screens, "light-big-tree-fit.png")

    big.get_by_role("button", name="100%").click()
    lesson03.wait_for_function(
        "() => document.querySelectorAll('.buddy-tree-natural .buddy-stepper-tree').length")
    natural = lesson03.evaluate(_LABELS)
    print("100%:", natural)
    assert natural[1]["min"] > fit[1]["min"] and natural[1]["svg"] > fit[1]["svg"]
    assert natural[0] == fit[0]  # the other Stepper keeps its own zoom
    # The pane scrolls by itself to the node each step changed (issue 10: a lopsided
    # tree no longer opens on an empty corner).
    big.get_by_role("button", name="First").click()
    wait_narration(big, r"^Start")
    for button in ("Last", "Back", "Previous operation"):
        big.get_by_role("button", name=button).click()
        where = wait_changed_in_view(big)
        assert where["wide"], where
    save_screen(lesson03, screens, "light-big-tree-100.png")


def test_lesson_03_text_contrast_in_light_and_dark(lesson03, screens):
    board = lesson03.locator(".buddy-stepper").first
    board.get_by_role("radio").first.check()  # a marked prediction shows its feedback
    board.get_by_role("button", name="Check").click()
    board.get_by_text(re.compile(r"Score: \d / 1")).wait_for()
    work = lesson03.locator(".buddy-stepper").nth(1)
    work.get_by_role("textbox", name="Allocate size").fill("12Q")
    work.get_by_role("button", name="Allocate").click()
    work.get_by_role("alert").wait_for()
    check = lesson03.locator(".buddy-quickcheck").first
    check.get_by_role("textbox").fill("1")
    check.get_by_role("button", name="Check").click()
    check.locator("[role=status]").wait_for()
    check.get_by_role("textbox").fill("")
    check.get_by_role("button", name="Check").click()
    check.get_by_text("Type an answer first").wait_for()
    try:
        for theme, light in (("JupyterLab Light", "true"), ("JupyterLab Dark", "false")):
            lesson03.evaluate(
                "theme => { window.jupyterapp.commands.execute('apputils:change-theme',"
                " {theme}); return true; }", theme)
            lesson03.wait_for_function(
                "light => document.body.dataset.jpThemeLight === light", arg=light)
            lesson03.wait_for_function(  # the theme's stylesheet has arrived
                "light => (getComputedStyle(document.body).getPropertyValue("
                "'--jp-layout-color0').trim() === '#111') === (light === 'false')", arg=light)
            name = theme.split()[-1].lower()
            texts = lesson03.evaluate(  # the kit's widgets and the lesson's own chart
                _CONTRAST, '.buddy-stepper, .buddy-quickcheck, svg[aria-label^="Fragmentation"]')
            worst = min(texts, key=lambda t: t["ratio"])
            print(f"{theme}: {len(texts)} texts, lowest contrast {worst}")
            assert len(texts) > 100
            assert any(t["text"].startswith("Type an answer first") for t in texts)
            assert any(t["text"].startswith("Fragmentation over 300") for t in texts)
            low = [t for t in texts if t["ratio"] < MIN_CONTRAST]
            assert low == [], f"{theme}: text below {MIN_CONTRAST}:1: {low[:8]}"
            board.locator(".buddy-strip").scroll_into_view_if_needed()  # tree, strip, tables
            save_screen(lesson03, screens, f"{name}-stepper.png")
            check.scroll_into_view_if_needed()
            save_screen(lesson03, screens, f"{name}-quickcheck.png")
    finally:
        lesson03.evaluate("() => { window.jupyterapp.commands.execute("
                          "'apputils:change-theme', {theme: 'JupyterLab Light'}); return true; }")


_IN_VIEW = """(stepper) => {
    const parts = {
        narration: stepper.querySelector('.buddy-stepper-narration'),
        controls: [...stepper.querySelectorAll('button')].find(
            b => b.textContent.trim() === 'First'),
        strip: stepper.querySelector('.buddy-stepper-pane svg'),
        tree: stepper.querySelector('.buddy-stepper-tree').closest('.widget-html'),
        allocate: [...stepper.querySelectorAll('button')].find(
            b => b.textContent.trim() === 'Allocate'),
    };
    parts.narration.scrollIntoView({block: 'start'});
    const boxes = {};
    for (const [name, element] of Object.entries(parts)) {
        const box = element.getBoundingClientRect();
        boxes[name] = {top: Math.round(box.top), bottom: Math.round(box.bottom)};
    }
    boxes.viewport = window.innerHeight;
    return boxes;
}"""


def test_a_laptop_screen_shows_controls_narration_map_and_tree_together(lesson03, screens):
    """At 1366x768 (and on a 1920x1080 screen) with JupyterLab's default panels, one look
    shows the narration, the controls, the live row, the memory map and the tree's pane,
    with or without the predict panel, and the tree labels stay readable (issue 10)."""
    lesson03.locator("#jupyterlab-splash").wait_for(state="detached")  # after a theme switch
    try:
        for screen in (LAPTOP, DESKTOP):
            lesson03.set_viewport_size(screen)
            size = f"{screen['width']}x{screen['height']}"
            # The checkerboard is in predict mode (its question panel sits among the
            # controls); the random workload has the big tree.
            for index, name in ((0, "predict"), (1, "big-tree")):
                stepper = lesson03.locator(".buddy-stepper").nth(index)
                boxes = stepper.evaluate(_IN_VIEW)
                print(f"{name} layout at {size}:", boxes)
                save_screen(lesson03, screens, f"{size}-{name}-stepper.png")
                viewport = boxes.pop("viewport")
                for part, box in boxes.items():
                    assert 0 <= box["top"] and box["bottom"] <= viewport, (size, name, part)
            labels = lesson03.evaluate(_LABELS)
            print(f"labels at {size}:", labels)
            assert all(tree["min"] >= MIN_LABEL_PX for tree in labels)
    finally:
        lesson03.set_viewport_size(LAPTOP)


# ------------------------------------------ accessibility: keyboard, screen readers (issue 22)
LESSON_00 = "00-start-here.ipynb"

# Where focus is, and the name a screen reader gives it.
_FOCUSED = """(stepper) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {where: 'body', name: ''};
  const by = (el.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
    .map(id => document.getElementById(id)).filter(Boolean)
    .map(l => l.textContent.trim()).join(' ');
  const label = el.labels && el.labels.length ? el.labels[0].textContent.trim() : '';
  return {where: stepper.contains(el) ? 'stepper' : 'elsewhere',
          name: el.getAttribute('aria-label') || by || label || el.textContent.trim(),
          usable: !el.disabled && el.getClientRects().length > 0};
}"""
TAB_STOPS = ["First", "Back", "Play", "Forward", "Last", "Previous operation",
             "Next operation", "Event", "Event number", "Speed", "Allocate size", "name",
             "Allocate", "Free name", "Free", "Reset", "Fit", "100%",
             "Tree of blocks: scroll it with the arrow keys; the tree in words follows the "
             "picture"]


def next_speed(label: str) -> str:
    """The speed menu's entry after ``label`` (the last one stays)."""
    from buddy_edu.widget.controls import SPEEDS

    labels = [name for name, _ms in SPEEDS]
    return labels[min(labels.index(label) + 1, len(labels) - 1)]


def focused(stepper) -> dict:
    return stepper.evaluate(_FOCUSED)


def focus_kept(stepper) -> str:
    """Wait until the Stepper's redraw has settled with focus on a usable control inside
    it (never on <body>); its name."""
    stepper.page.wait_for_function(
        f"s => {{ const f = ({_FOCUSED})(s); return f.where === 'stepper' && f.usable; }}",
        arg=stepper.element_handle(), timeout=5_000)
    return focused(stepper)["name"]


def tab_to(stepper, name: str, limit: int = 25) -> None:
    """Press Tab (Shift+Tab with a leading '-') until focus is on the control ``name``."""
    key, name = ("Shift+Tab", name[1:]) if name.startswith("-") else ("Tab", name)
    for _ in range(limit):
        where = focused(stepper)
        if where["name"] == name and where["where"] == "stepper":
            return
        stepper.page.keyboard.press(key)
        where = focused(stepper)
        assert where["where"] == "stepper", f"{key} took focus out of the Stepper: {where}"
    raise AssertionError(f"{name!r} was not reached by {key}: focus is on {focused(stepper)}")


def key(stepper, name: str, pattern: str | None = None, focus: str | None = None) -> str:
    """Press key ``name``; wait for the narration to match ``pattern`` and, if given, for
    focus to reach the control named ``focus``; check focus stayed in the Stepper on a
    usable control, and return that control's name."""
    stepper.page.keyboard.press(name)
    if pattern:
        wait_narration(stepper, pattern)
    if focus:
        try:
            stepper.page.wait_for_function(
                f"([s, name]) => ({_FOCUSED})(s).name === name",
                arg=[stepper.element_handle(), focus], timeout=5_000)
        except Exception:
            raise AssertionError(f"after {name}, focus is on {focused(stepper)}, "
                                 f"not {focus!r}") from None
    return focus_kept(stepper)


def test_every_control_is_reached_by_tab_and_works_from_the_keyboard(page):
    """Keyboard only: Tab visits every control in order; each works with its keys; after
    Last, First, End, Undo and the live operations focus stays on a live control, so the
    next key still works (issue 22, WCAG 2.1.1 and 2.4.3)."""
    stepper = page.locator(".buddy-stepper").first
    jump(stepper, "First")
    wait_narration(stepper, r"^Start")
    stepper.evaluate("s => s.focus()")  # the Stepper itself (a click on its pictures does it)
    key(stepper, "PageDown", r"^Step 5 of 18")
    stops = []
    for _ in range(30):
        page.keyboard.press("Tab")
        where = focused(stepper)
        assert where["where"] != "body"
        if where["where"] != "stepper":
            break
        stops.append(where["name"])
    assert stops == TAB_STOPS

    stepper.evaluate("s => s.focus()")
    tab_to(stepper, "First")
    key(stepper, "Enter", r"^Start", focus="Play")  # First disabled itself: focus moved on
    key(stepper, "ArrowRight", r"^Step 1 of 18")  # and the next key works
    key(stepper, "Enter")  # Play...
    stepper.get_by_role("button", name="Pause").wait_for()
    assert focused(stepper)["name"] == "Pause"
    key(stepper, "Enter")  # ...and pause
    stepper.get_by_role("button", name="Play").wait_for()
    assert focused(stepper)["name"] == "Play"
    tab_to(stepper, "Forward")
    before = step_number(stepper)
    key(stepper, " ", rf"^Step {before + 1} of 18")  # Space works on buttons too
    key(stepper, "End", r"^Step 18 of 18")  # Forward turned itself off under the focus...
    key(stepper, "Home", r"^Start")  # ...and Home still works
    tab_to(stepper, "-Last")
    key(stepper, "Enter", r"^Step 18 of 18", focus="Previous operation")
    key(stepper, "Home", r"^Start")  # after Last, Home works (focus was not lost)
    key(stepper, "End", r"^Step 18 of 18")
    key(stepper, "Home", r"^Start")
    tab_to(stepper, "Event")  # the slider
    key(stepper, "ArrowRight", r"^Step 1 of 18")
    key(stepper, "End", r"^Step 18 of 18")
    key(stepper, "ArrowLeft", r"^Step 17 of 18")
    tab_to(stepper, "Event number")  # the slider's number box takes a number
    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    key(stepper, "Enter", r"^Step 5 of 18")
    tab_to(stepper, "Speed")
    speed = stepper.locator("select").input_value()
    assert key(stepper, "ArrowDown") == "Speed"  # the menu takes the arrow, not JupyterLab
    assert stepper.locator("select").input_value() == next_speed(speed)
    key(stepper, "ArrowUp")
    tab_to(stepper, "Allocate size")
    page.keyboard.type("100K")
    tab_to(stepper, "name")
    page.keyboard.type("E")
    tab_to(stepper, "Allocate")
    key(stepper, "Enter", r"Allocate the 128K block at \S+ to E")
    tab_to(stepper, "Undo")  # the live operation discarded events: Undo is offered
    key(stepper, "Enter", r"^Step 5 of 18", focus="Reset")  # Undo hid itself: the next
    key(stepper, "ArrowRight", r"^Step 6 of 18")
    tab_to(stepper, "-Free name")
    page.keyboard.type("A")
    tab_to(stepper, "Free")
    # A is freed at step 6 (later events discarded) and merges with the free 64K beside it
    key(stepper, "Enter", r"^Step 8 of 8: Merge the buddies at 0 and 64K")
    tab_to(stepper, "Reset")
    key(stepper, "Enter", r"^Start: 1M free\.$")
    tab_to(stepper, "100%")
    key(stepper, "Enter")
    toggle = stepper.get_by_role("button", name="100%")
    stepper.page.wait_for_function("b => b.getAttribute('aria-pressed') === 'true'",
                                   arg=toggle.element_handle())
    tab_to(stepper, "-Fit")
    key(stepper, "Enter")
    tab_to(stepper, TAB_STOPS[-1])  # the tree's pane: arrows scroll it, they do not step
    key(stepper, "ArrowRight")
    page.wait_for_timeout(300)
    assert narration(stepper) == "Start: 1M free."
    key(stepper, "PageDown", r"^Step 5 of 18")  # the other shortcuts still step


# The notebook around the focused Stepper: which cell is active, how many there are.
_NOTEBOOK = """() => { const nb = window.jupyterapp.shell.currentWidget.content;
  return [nb.activeCellIndex, nb.widgets.length, nb.mode]; }"""


def test_keys_pressed_in_the_stepper_stay_there(page):
    """↑/↓ on the speed menu or a button, and JupyterLab's one-letter commands, do not move,
    add or delete notebook cells while focus is in the Stepper (issue 22)."""
    stepper = page.locator(".buddy-stepper").first
    stepper.get_by_role("combobox", name="Speed").focus()
    before = page.evaluate(_NOTEBOOK)
    speed = stepper.locator("select").input_value()
    assert key(stepper, "ArrowDown") == "Speed"
    assert stepper.locator("select").input_value() == next_speed(speed)
    key(stepper, "ArrowUp")
    assert stepper.locator("select").input_value() == speed
    stepper.get_by_role("button", name="Reset").focus()
    for name in ("ArrowDown", "ArrowUp", "a", "b", "d", "d", "m", "x", "Enter"):
        page.keyboard.press(name)
        assert focused(stepper)["where"] == "stepper", name
    wait_narration(stepper, r"^Start")
    assert page.evaluate(_NOTEBOOK) == before


def test_predict_check_hands_focus_to_forward(page):
    """Check hides itself once the answer is marked: focus goes to Forward, so the student
    steps into the operation with the next key (issue 22, WCAG 2.4.3)."""
    stepper = page.locator(".buddy-stepper").nth(1)
    stepper.evaluate("s => s.focus()")
    key(stepper, "End")  # as far as the answers allow: the next question
    stepper.get_by_role("radiogroup", name="Your answer").wait_for()
    first = stepper.get_by_role("radio").first
    first.focus()
    key(stepper, " ")  # picks it
    tab_to(stepper, "Check")
    key(stepper, "Enter", focus="Forward")
    stepper.get_by_text(re.compile(r"Score: \d / \d correct")).wait_for()
    position = int(stepper.get_by_role("slider", name="Event").get_attribute("aria-valuenow")
                   .split(".")[0])
    key(stepper, "ArrowRight", rf"^Step {position + 1}: ")  # no "of N" in predict mode


def test_focus_ring_stands_out_from_the_button_and_the_page(page):
    """A 3 px ring at 3:1 or better against the button and the page, Light and Dark
    (issue 22, WCAG 2.4.7 and 1.4.11)."""
    stepper = page.locator(".buddy-stepper").first
    try:
        for theme, light in (("JupyterLab Light", "true"), ("JupyterLab Dark", "false")):
            page.evaluate("theme => { window.jupyterapp.commands.execute("
                          "'apputils:change-theme', {theme}); return true; }", theme)
            page.wait_for_function(
                "light => document.body.dataset.jpThemeLight === light", arg=light)
            page.wait_for_function(
                "light => (getComputedStyle(document.body).getPropertyValue("
                "'--jp-layout-color0').trim() === '#111') === (light === 'false')", arg=light)
            stepper.evaluate("s => s.focus()")
            for target in ("Play", "Speed", "Allocate size", "Fit", TAB_STOPS[-1]):
                tab_to(stepper, target)
                ring = page.evaluate(_a11y.FOCUS_RING)
                print(theme, ring)
                assert ring["style"] == "solid" and ring["width"] >= 3, ring
                against = (_a11y.contrast(ring["ring"], ring["own"]),
                           _a11y.contrast(ring["ring"], ring["page"]))
                assert min(against) >= 3, (theme, target, against, ring)
    finally:
        page.evaluate("() => { window.jupyterapp.commands.execute("
                      "'apputils:change-theme', {theme: 'JupyterLab Light'}); return true; }")


def test_the_accessibility_tree_names_every_part(page):
    """What Chromium hands a screen reader: names without icon characters, the slider and
    its number box named, the toggle's pressed state, the tree and the memory map as
    images named in words, the tree's pane a named region, the narration a polite live
    region (issue 22, WCAG 1.1.1 and 4.1.2)."""
    from buddy_edu import render

    stepper = page.locator(".buddy-stepper").first
    jump(stepper, "First")
    stepper.get_by_role("button", name="Next operation").click()
    wait_narration(stepper, r"^Step 5 of 18")
    page.wait_for_timeout(300)
    tree = _a11y.AXTree(page)
    nodes = tree.nodes(stepper)
    named = {(n["role"], n["name"]) for n in nodes}
    buttons = [n["name"] for n in nodes if n["role"] == "button"]
    assert buttons[:7] == TAB_STOPS[:7]
    assert not [b for b in buttons if re.search("[\ue000-\uf8ff]", b)]  # no icon characters
    assert ("slider", "Event") in named and ("textbox", "Event number") in named
    # Chromium's protocol leaves aria-valuetext out of its tree (even on a bare test page),
    # so the slider's text is read where Chromium reads it from.
    handle = stepper.get_by_role("slider", name="Event")
    assert handle.get_attribute("aria-valuetext") == (
        "event 5 of 18: Allocate the 64K block at 0 to A (requested 34K, wasting 30K "
        "inside the block).")
    toggles = {n["name"]: n["properties"].get("pressed") for n in nodes if n["role"] == "button"
               and n["name"] in ("Fit", "100%")}
    assert toggles == {"Fit": "true", "100%": "false"}
    assert ("group", "Tree of blocks") in named
    allocator = run_script(WIKIPEDIA)
    assert ("image", render.tree_summary(allocator, 5)) in named
    assert ("image", render.strip_summary(allocator, 5)) in named
    assert ("region", TAB_STOPS[-1]) in named
    assert not [n for n in nodes if n["role"] == "group" and re.match(r"b\d+_\d+", n["name"])]
    items = [tree.text(n) for n in nodes if n["role"] == "listitem"]  # a block, then its halves
    assert len(items) == len(expected_titles(5))
    assert items[0].startswith("1M at 0, split into two 512K halves512K at 0, split")
    assert items[-1] == "512K at 512K, free"
    (status, *_others) = [n for n in nodes if n["role"] == "status"]
    assert status["properties"].get("live") == "polite" and status["properties"]["atomic"]
    assert tree.text(status) == narration(stepper)
    predict = tree.nodes(page.locator(".buddy-stepper").nth(1))
    assert ("radiogroup", "Your answer") in {(n["role"], n["name"]) for n in predict}


# Keeps, in the page, what the narration's live region said and whether it was ever a
# different element; the same element must carry every step's text.
_WATCH = """(stepper) => {
  const region = stepper.querySelector('.buddy-stepper-narration [role=status]');
  window.__buddyRegion = region;
  window.__buddySaid = [region.textContent];
  new MutationObserver(() => {
    const now = stepper.querySelector('.buddy-stepper-narration [role=status]');
    const text = now.textContent;
    if (now !== region) window.__buddySaid.push('REPLACED');
    if (text !== window.__buddySaid[window.__buddySaid.length - 1]) window.__buddySaid.push(text);
  }).observe(stepper, {childList: true, subtree: true, characterData: true});
  return region.getAttribute('aria-live');
}"""


def test_each_step_is_announced_by_one_live_region_that_stays(page):
    """The narration's live region is the same element, and the same node in Chromium's
    accessibility tree, on every step, with the new text: what screen readers announce
    (issue 22, WCAG 4.1.3)."""
    stepper = page.locator(".buddy-stepper").first
    jump(stepper, "First")
    wait_narration(stepper, r"^Start")
    assert stepper.evaluate(_WATCH) == "polite"
    tree = _a11y.AXTree(page)
    (status, *_rest) = tree.nodes(stepper, role="status")
    allocator = run_script(WIKIPEDIA)
    stepper.evaluate("s => s.focus()")
    for step in range(1, 6):
        page.keyboard.press("ArrowRight")
        wait_narration(stepper, rf"^Step {step} of 18")
        (now, *_rest) = tree.nodes(stepper, role="status")
        assert now["backend"] == status["backend"]  # the same node...
        assert tree.text(now) == render_caption(allocator, step)  # ...saying the new step
    said = page.evaluate("() => window.__buddySaid")
    assert said == [render_caption(allocator, p) for p in range(6)]
    assert page.evaluate("s => s.querySelector('.buddy-stepper-narration [role=status]') "
                         "=== window.__buddyRegion", stepper.element_handle())


def render_caption(allocator, position: int) -> str:
    from buddy_edu import render

    return render.caption(allocator, position)


@pytest.fixture(scope="module")
def lesson00(lab, chromium):
    """Lesson 00 as students run it, on a 1366x768 laptop screen."""
    shutil.copy(NOTEBOOKS / LESSON_00, lab.root / LESSON_00)
    with opened(chromium, lab, LESSON_00, LAPTOP) as tab:
        tab.locator(".buddy-stepper").nth(1).locator("svg g.node").first.wait_for(
            timeout=120_000)
        tab.locator(".buddy-quickcheck").first.wait_for(timeout=WAIT_MS)
        yield tab


def test_predict_questions_and_quickcheck_results_are_announced(lesson00):
    """The predict question, its marking and a QuickCheck's result each change the text of
    a live region that stays, so they are announced too (issue 22)."""
    # Each live region in the widget, tagged on first sight, and its text.
    regions = """(root) => Array.from(root.querySelectorAll('[role=status]')).map(r => {
      window.__buddyCount = window.__buddyCount || 0;
      if (!r.__buddySeen) r.__buddySeen = ++window.__buddyCount;
      return [r.__buddySeen, r.textContent.trim()]; })"""
    predict = lesson00.locator(".buddy-stepper").nth(1)
    predict.scroll_into_view_if_needed()
    before = predict.evaluate(regions)
    assert any(text.startswith("Predict before you step") for _, text in before)
    predict.get_by_role("radio").first.check()
    predict.get_by_role("button", name="Check").click()
    predict.get_by_text(re.compile("Score: 1 / 1|Score: 0 / 1")).wait_for()
    after = predict.evaluate(regions)
    assert [seen for seen, _ in after] == [seen for seen, _ in before]  # the same regions
    assert any(text.startswith(("✔ Right", "✘ Not quite")) for _, text in after)
    check = lesson00.locator(".buddy-quickcheck").first
    check.scroll_into_view_if_needed()
    (first,) = check.evaluate(regions)
    check.get_by_role("textbox", name="Answer:").fill("64K")
    check.get_by_role("button", name="Check").click()
    check.get_by_text("Right").wait_for()
    (again,) = check.evaluate(regions)
    assert again[0] == first[0] and again[1].startswith("✓ Right.")


@pytest.mark.needs("npm")
@pytest.mark.parametrize("lesson", ["lesson00", "lesson03"])
def test_axe_finds_no_wcag_violation_in_the_kits_outputs(request, lesson):
    """axe-core (pinned, from npm, loaded from disk) with the WCAG 2.1 A and AA rules, on
    every Stepper, QuickCheck and picture of lessons 00 and 03 at 1366x768 (issue 22)."""
    tab = request.getfixturevalue(lesson)
    found = _a11y.axe_kit_outputs(tab, _a11y.axe_script())
    print(lesson, "axe", found["version"], "checked", found["checked"])
    assert found["version"] == _a11y.pinned_version()
    assert found["checked"].get("stepper", 0) >= 2
    assert found["checked"].get("quickcheck", 0) >= (1 if lesson == "lesson00" else 3)
    assert found["violations"] == []


def test_the_tree_pane_scrolls_with_the_arrow_keys(lesson03):
    """Lesson 03's wide tree: its pane takes focus by Tab and the arrows scroll it (issue 22,
    WCAG 2.1.1)."""
    big = lesson03.locator(".buddy-stepper").nth(1)
    pane = big.locator(".buddy-tree-pane")
    big.get_by_role("button", name="100%").click()
    lesson03.wait_for_function("p => p.scrollWidth > p.clientWidth + 100",
                               arg=pane.element_handle())
    big.get_by_role("button", name="100%").focus()
    tab_to(big, TAB_STOPS[-1])
    said = narration(big)
    pane.evaluate("p => { p.scrollLeft = 0; }")
    for name in ("ArrowRight", "ArrowRight", "ArrowDown"):
        lesson03.keyboard.press(name)
    lesson03.wait_for_function("p => p.scrollLeft > 0 && p.scrollTop > 0",
                               arg=pane.element_handle())
    assert narration(big) == said
    big.get_by_role("button", name="Fit").click()
