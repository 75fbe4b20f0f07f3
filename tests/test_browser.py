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
    stepper.locator(".buddy-tree-pane svg").click()  # a click on the picture gives focus
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
    wait_narration(stepper, r"^Step 1 of 18: Split the 1M block")


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
