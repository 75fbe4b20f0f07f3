"""The zero-install site passes axe too: lessons 00 and 03 in JupyterLite (issue 22).

The site is built and served with the helpers of tests/_lite.py (shared with
tests/test_lite.py); the lessons run in Pyodide in headless Chromium, offline,
and axe-core (pinned in tests/axe/, loaded into the page from disk) checks the
kit's outputs with the WCAG 2.1 A and AA rules, as tests/test_browser.py does
in JupyterLab.  Should tests/_lite.py no longer offer what this module uses,
the module is skipped, saying so, rather than failing on an import.
"""

from __future__ import annotations

import pytest

try:
    from _lite import (
        RefusingProxy,
        SiteServer,
        build_site,
        errors,
        new_offline_page,
        offline_chromium,
        open_notebook,
        run_all,
    )
except ImportError as error:  # the JupyterLite helpers changed under this module
    pytest.skip(f"tests/_lite.py no longer offers what this module imports ({error})",
                allow_module_level=True)

import _a11y

pytestmark = [pytest.mark.browser, pytest.mark.lite]
LESSONS = ["notebooks/00-start-here.ipynb", "notebooks/03-fragmentation.ipynb"]
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built into a temporary folder and served on 127.0.0.1."""
    base = tmp_path_factory.mktemp("lite-a11y")
    build_site(base / "site")
    server = SiteServer(base / "site", base / "server.log")
    try:
        server.wait_ready()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tab(site):
    """One offline Chromium tab; every request outside 127.0.0.1 is refused and logged."""
    proxy = RefusingProxy()
    leaks: list[str] = []
    try:
        with offline_chromium(proxy) as chromium:
            page = new_offline_page(chromium, leaks, viewport=LAPTOP)
            page.set_default_timeout(60_000)
            yield page
            page.context.close()
            assert leaks == [] and proxy.site_requests() == []
    finally:
        proxy.close()


@pytest.mark.parametrize("path", LESSONS)
def test_axe_finds_no_wcag_violation_in_the_kits_outputs(site, tab, path):
    open_notebook(tab, site, path)
    cells = run_all(tab, path)
    assert errors(cells) == []
    tab.locator(".buddy-stepper").first.locator("svg g.node").first.wait_for()
    found = _a11y.axe_kit_outputs(tab, _a11y.axe_script())
    print(path, "axe", found["version"], "checked", found["checked"])
    assert found["version"] == _a11y.pinned_version()
    assert found["checked"].get("stepper", 0) >= 2
    assert found["checked"].get("quickcheck", 0) >= (3 if "03-" in path else 1)
    assert found["violations"] == []
