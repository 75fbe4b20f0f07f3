"""The Stepper in the other front ends students use: Jupyter Notebook 7 and Voilà.

JupyterLab gets the full treatment in test_browser.py; here each front end
must show the Stepper and step it with its Forward button, which proves the
widget needs nothing JupyterLab alone provides.
"""

from __future__ import annotations

import pytest
from _jupyter import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LabServer,
    open_and_run,
    write_notebook,
)
from examples import WIKIPEDIA

pytestmark = [pytest.mark.browser, pytest.mark.kernel]  # Notebook 7, Voila and their kernels
WAIT_MS = 60_000
NOTEBOOK = "stepper.ipynb"


@pytest.fixture(params=["notebook", "voila"])
def server(request, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / NOTEBOOK, [
        f"from buddy_edu import Stepper\nStepper.from_script({WIKIPEDIA!r})",
    ])
    lab = LabServer(root, tmp_path / "home", app=request.param, voila=NOTEBOOK)
    try:
        lab.wait_ready()
        yield lab
    finally:
        lab.stop()


def test_the_stepper_steps_forward(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1200})
            tab.set_default_timeout(WAIT_MS)
            if server.app == "voila":
                tab.goto(server.url + "/")  # Voilà runs the notebook as the page loads
            else:
                open_and_run(tab, server, NOTEBOOK)
            stepper = tab.locator(".buddy-stepper")
            stepper.locator("svg g.node").first.wait_for()
            assert stepper.locator("svg g.node").count() == 1  # the whole 1M, free
            assert "Start" in stepper.inner_text()
            stepper.get_by_role("button", name="Forward").click()
            tab.wait_for_function(
                "() => document.querySelectorAll('.buddy-stepper svg g.node').length === 3")
            assert "Split the 1M block at 0 into buddies at 0 and 512K" in stepper.inner_text()
            # The keyboard shortcuts' browser module (anywidget) loads here too.
            page_down = "() => document.querySelectorAll('.buddy-stepper svg g.node').length > 3"
            stepper.get_by_role("button", name="Forward").focus()
            tab.keyboard.press("PageDown")
            tab.wait_for_function(page_down)
            assert "Allocate the 64K block at 0 to A" in stepper.inner_text()
        except Exception:
            print(server.log())
            raise
        finally:
            browser.close()
