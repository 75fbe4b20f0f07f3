"""The Stepper in a real browser: JupyterLab 4 in headless Chromium, driven by playwright.

What only a browser can show: the widgets render, buttons found by their
accessible names move the timeline, the slider answers the keyboard, the
tree and the narration change on screen, and Play advances on its own
(its timer runs in JavaScript).  Where Chromium or playwright is missing the
test skips and says how to get them, unless BUDDY_EDU_REQUIRE_BROWSER=1 (CI)
makes that a failure.
"""

from __future__ import annotations

import re
import sys

import pytest
from _jupyter import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LabServer,
    open_and_run,
    require_browser,
    write_notebook,
)
from examples import WIKIPEDIA

from buddy_edu import run_script, tree_nodes
from buddy_edu.render import node_name

pytestmark = pytest.mark.browser

K = 1024
NOTEBOOK = "stepper.ipynb"
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a notebook with a Stepper and a predict-mode Stepper."""
    require_browser()
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
def page(lab):
    """The notebook open in Chromium with all cells run and both Steppers on screen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1400})
            tab.set_default_timeout(WAIT_MS)
            open_and_run(tab, lab, NOTEBOOK)
            tab.locator(".buddy-stepper").nth(1).wait_for(timeout=90_000)
            yield tab
        except Exception:
            print(lab.log(), file=sys.stderr)
            raise
        finally:
            browser.close()


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
    assert "Right!" in stepper.inner_text()
    stepper.get_by_role("button", name="Forward").click()
    wait_narration(stepper, r"^Step 1 of 18: Split the 1M block")
