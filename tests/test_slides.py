"""``buddy-edu slides``: lessons as Reveal.js decks with the Steppers as static steps.

The fast tests build notebooks in this process (the static view is the same
code the lesson's kernel runs) and check the slide layout: a Stepper with N
events becomes N + 1 steps on a sub-slide of its own, one fragment each after
the first; an answer is a later fragment than its question; the deck loads
nothing from outside its folder.  The browser test exports lesson 1 for
real, opens it in headless Chromium with every non-local request refused,
and presses PageDown (a presenter's clicker) through the whole deck,
checking that each Stepper's steps come on screen one at a time, in order.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest
from examples import WIKIPEDIA

from buddy_edu import Stepper
from buddy_edu.cli import deck, main, revealjs, slides
from buddy_edu.cli.static_view import static_bundle, stepper_steps_html

ROOT = Path(__file__).resolve().parents[1]
EVENTS = 18  # the Wikipedia scenario's timeline


def displayed(widget) -> nbformat.NotebookNode:
    """The output a kernel running :func:`show_widgets_statically` records for ``widget``."""
    data, metadata = static_bundle(widget)
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata)


def lesson_like() -> nbformat.NotebookNode:
    """An executed lesson in miniature: headings, a Predict, a Stepper, a folded reveal."""
    nb = nbformat.v4.new_notebook()
    stepper_cell = nbformat.v4.new_code_cell("Stepper.from_script(WIKIPEDIA)")
    stepper_cell.outputs = [displayed(Stepper.from_script(WIKIPEDIA))]
    folded = nbformat.v4.new_code_cell("print(answer)",
                                       metadata={"jupyter": {"outputs_hidden": True}})
    folded.outputs = [nbformat.v4.new_output("stream", name="stdout", text="THE ANSWER\n")]
    helper = nbformat.v4.new_code_cell("def helper(): pass",
                                       metadata={"jupyter": {"source_hidden": True}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lesson 9 · Testing\n\n[next](02-freeing.ipynb)"),
        nbformat.v4.new_markdown_cell("## Merging\n**Predict.** How many merges?",
                                      metadata={"buddy_edu": {"predict": ["four"]}}),
        stepper_cell,
        nbformat.v4.new_markdown_cell("<details><summary>Show the answer</summary>\n\n"
                                      "It merges **four** times.\n\n</details>"),
        helper,
        nbformat.v4.new_markdown_cell("Now run it: *(The output is folded until you want it: "
                                      "click the **···** under the cell to unfold it.)*"),
        folded,
        nbformat.v4.new_markdown_cell("### Aside\nMore."),
    ]
    return nb


def slide_types(nb) -> list[str]:
    return [cell.metadata["slideshow"]["slide_type"] for cell in nb.cells]


def test_a_stepper_becomes_one_static_step_per_position_on_a_subslide_of_its_own():
    slide_nb = deck.to_slides(lesson_like())
    assert deck.stepper_steps(slide_nb) == [EVENTS + 1]
    # title, "## Merging", the Stepper's code, its frames, the answer after them (a slide
    # of its own, so the frames keep theirs), "Now run it", the folded code, its output,
    # "### Aside"
    assert slide_types(slide_nb) == ["slide", "slide", "-", "subslide", "subslide", "-", "-",
                                     "fragment", "subslide"]
    frames_cell = slide_nb.cells[3]
    assert frames_cell.metadata["tags"] == [deck.OUTPUT_ONLY] and frames_cell.source == ""
    html = frames_cell.outputs[0]["data"]["text/html"]
    steps = re.findall(r'<div class="buddy-step( fragment)?" data-position="(\d+)">', html)
    assert [int(position) for _, position in steps] == list(range(EVENTS + 1))
    assert [bool(fragment) for fragment, _ in steps] == [False] + [True] * EVENTS
    assert html.count("<svg") == 2 * (EVENTS + 1)  # the tree and the memory strip each
    assert "Start: 1M free." in html and f"Step {EVENTS} of {EVENTS}: " in html
    assert slide_nb.metadata["title"] == "Lesson 9 · Testing"
    assert "(02-freeing.slides.html)" in slide_nb.cells[0].source


def test_answers_come_as_later_fragments_than_their_questions():
    slide_nb = deck.to_slides(lesson_like())
    answer = slide_nb.cells[4].source  # the <details> answer, after the Stepper's slide
    assert "<details>" not in answer and 'class="fragment buddy-answer"' in answer
    assert answer.index("fragment") < answer.index("It merges")
    assert slide_nb.cells[5].source == "Now run it:"  # a deck needs no unfolding hint
    code, reveal = slide_nb.cells[6], slide_nb.cells[7]
    assert code.source == "print(answer)" and code.outputs == []
    assert reveal.metadata["slideshow"]["slide_type"] == "fragment"
    assert reveal.outputs[0]["text"] == "THE ANSWER\n"
    assert all(cell.source != "def helper(): pass" for cell in slide_nb.cells)
    assert len(slide_nb.cells) == 9  # the folded helper without output left no cell


def test_an_output_folded_in_details_is_a_later_fragment_shown_open():
    cell = nbformat.v4.new_code_cell("folded(answer)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<details><summary>Show the answer</summary><pre>THE ANSWER</pre>"
                     "</details>"})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), cell])
    slide_nb = deck.to_slides(nb)
    code, reveal = slide_nb.cells[1], slide_nb.cells[2]
    assert code.source == "folded(answer)" and code.outputs == []
    assert reveal.metadata["slideshow"]["slide_type"] == "fragment"
    html = reveal.outputs[0]["data"]["text/html"]
    assert "THE ANSWER" in html and "<details>" not in html


def test_the_lesson_files_are_not_changed():
    nb = lesson_like()
    before = json.dumps(nb, sort_keys=True)
    deck.to_slides(nb)
    assert json.dumps(nb, sort_keys=True) == before


def test_predict_mode_asks_each_question_before_its_operation_is_shown():
    html = stepper_steps_html(Stepper.from_script(WIKIPEDIA, predict=True))
    asked = re.findall(r'data-position="(\d+)"><p class="caption">[^<]*</p>'
                       r'<p class="buddy-predict">', html)
    run = Stepper.from_script(WIKIPEDIA).allocator
    starts = [run.operation_span(op).start for op in range(run.operation_count())]
    assert [int(position) for position in asked] == starts


def test_predict_mode_slides_do_not_say_how_many_events_are_to_come():
    """As in the notebook: "Step 4 of 9" would tell the room how many splits are left."""
    html = stepper_steps_html(Stepper.from_script(WIKIPEDIA, predict=True), limit=5)
    captions = re.findall(r'<p class="caption">([^<]*)</p>', html)
    assert captions[1].startswith("Step 1: ") and not any(" of " in c for c in captions[1:])
    assert "Positions 0 to 4;" in html and f"of {EVENTS}" not in html
    plain = stepper_steps_html(Stepper.from_script(WIKIPEDIA), limit=5)
    assert f"Step 1 of {EVENTS}: " in plain


def test_a_long_timeline_is_cut_and_says_so():
    stepper = Stepper.from_script(WIKIPEDIA, position=3)
    html = stepper_steps_html(stepper, limit=5)
    assert re.findall(r'data-position="(\d+)"', html) == ["3", "4", "5", "6", "7"]
    assert f"Positions 3 to 7 of {EVENTS}" in html


def test_each_stepper_in_tabs_gets_its_own_subslide_under_its_title():
    tabs = widgets.Tab(children=[Stepper.from_script(WIKIPEDIA),
                                 Stepper.from_script(WIKIPEDIA, policy="lifo")])
    tabs.titles = ("lowest", "lifo")
    cell = nbformat.v4.new_code_cell("tabs")
    cell.outputs = [displayed(tabs)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), cell])
    slide_nb = deck.to_slides(nb)
    assert deck.stepper_steps(slide_nb) == [EVENTS + 1, EVENTS + 1]
    assert slide_types(slide_nb) == ["slide", "-", "subslide", "subslide"]
    assert "lifo" in slide_nb.cells[3].outputs[0]["data"]["text/html"]


def test_other_widgets_say_they_need_the_notebook():
    data, _ = static_bundle(widgets.IntSlider())
    assert "open the lesson in JupyterLab" in data["text/html"]


def test_the_deck_loads_nothing_from_outside_its_folder():
    html = deck.export(deck.to_slides(lesson_like()))
    assert local_only(html)
    assert len(re.findall(r'class="buddy-step[ "]', html)) == EVENTS + 1
    assert not re.search(r"require\.js|mathjax|mermaid|@jupyter-widgets", html, re.I)


def local_only(html: str) -> list[str]:
    """Every file the page loads; fails on one outside the deck's folder."""
    loads = re.findall(r'<(?:script|img|iframe)[^>]*\ssrc="([^"]*)"', html) + re.findall(
        r'<link[^>]*\shref="([^"]*)"', html)
    for url in loads:
        assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//|^/", url, re.I), f"{url} is not local"
        assert ".." not in Path(url).parts, f"{url} leaves the deck's folder"
    return loads


def test_the_pinned_reveal_js_is_the_one_in_the_npm_lock():
    lock = json.loads((ROOT / "slides" / "package-lock.json").read_text())
    package = json.loads((ROOT / "slides" / "package.json").read_text())
    entry = lock["packages"]["node_modules/reveal.js"]
    assert package["dependencies"]["reveal.js"] == entry["version"] == revealjs.VERSION
    assert entry["integrity"] == revealjs.INTEGRITY


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path):
    fake = tmp_path / f"reveal.js-{revealjs.VERSION}.tgz"
    fake.write_bytes(b"not reveal.js")
    with pytest.raises(revealjs.RevealUnavailable, match="delete it"):
        revealjs.tarball(tmp_path)


def test_a_folder_without_reveal_js_is_refused(tmp_path):
    with pytest.raises(revealjs.RevealUnavailable, match="lacks LICENSE, dist/reveal.js"):
        revealjs.install(tmp_path / "out", tmp_path)


@pytest.mark.parametrize("name", ["1", "01", "01-splitting", "01-splitting.ipynb"])
def test_a_lesson_is_found_by_number_or_name(name):
    assert slides.find_lesson(name) == ROOT / "notebooks" / "01-splitting.ipynb"


@pytest.mark.parametrize("name, says", [
    ("07", "no lesson '07': name one of 00-start-here, 01-splitting,"),
    ("nowhere/lesson.ipynb", "no notebook at 'nowhere/lesson.ipynb': check the path"),
])
def test_cli_errors_name_the_fix_without_a_traceback(capsys, tmp_path, name, says):
    assert main(["slides", name, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # nothing is fetched or written for a bad name


@pytest.mark.kernel  # runs the broken lesson
@pytest.mark.needs("npm")  # fetches reveal.js first
def test_a_lesson_that_fails_or_is_not_a_notebook_is_a_clear_error(capsys, tmp_path):
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), broken)
    text = tmp_path / "notes.ipynb"
    text.write_text("just some notes", encoding="utf-8")
    out = tmp_path / "out"
    for path, says in [(broken, "the lesson failed while running for the slides: "
                                "ZeroDivisionError: division by zero"),
                       (text, "notes.ipynb is not a Jupyter notebook")]:
        assert main(["slides", str(path), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err


# ------------------------------------------------------------------ in a browser
@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Lesson 1 exported by the command, as a lecturer would."""
    out = tmp_path_factory.mktemp("slides")
    assert main(["slides", "01", "--out", str(out)]) == 0
    return out


@pytest.mark.browser
@pytest.mark.kernel  # the export runs lesson 1
@pytest.mark.needs("npm")  # and fetches reveal.js
def test_every_step_of_every_stepper_shows_in_turn_offline(exported):
    from _jupyter import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    page_file = exported / "01-splitting.slides.html"
    html = page_file.read_text(encoding="utf-8")
    for url in local_only(html):
        assert (exported / url).is_file(), f"the deck loads {url}, which was not written"
    expected = [int(n) for n in re.findall(r'class="buddy-steps r-stack" data-steps="(\d+)"',
                                           html)]
    assert expected == [7, 21]  # lesson 1: A and B, then Stallings' walk, both in predict mode

    refused, errors = [], []

    def only_the_deck(route):
        url = route.request.url
        if url.startswith(exported.as_uri() + "/"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 800})
            tab.route("**/*", only_the_deck)
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(page_file.as_uri())
            tab.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
            seen = walk(tab)
        finally:
            browser.close()
    assert refused == [] and errors == []
    assert [len(steps) for steps in seen] == expected
    # Both Steppers are in predict mode: their captions do not say how many steps remain.
    for steps, count in zip(seen, expected, strict=True):
        assert [position for position, _ in steps] == list(range(count))
        assert steps[0][1] == "Start: 1M free."
        assert all(caption.startswith(f"Step {position}: ") for position, caption in steps[1:])


def walk(tab, limit: int = 400) -> list[list[tuple[int, str]]]:
    """Press PageDown through the deck; for each Stepper, the (position, caption) seen in turn.

    At every stop at most one step is on screen, and its tree is visible.
    """
    seen: dict[int, list[tuple[int, str]]] = {}
    for _ in range(limit):
        shown = tab.locator(".reveal .slides section.present:not(.stack) .buddy-step:visible")
        assert shown.count() <= 1, "two steps of a Stepper are on screen at once"
        if shown.count():
            step = shown.first
            assert step.locator(".tree svg g.node").first.is_visible()
            stepper = tab.evaluate(
                "s => [...document.querySelectorAll('.buddy-steps')].indexOf(s.parentElement)",
                step.element_handle())
            position = int(step.get_attribute("data-position"))
            caption = step.locator(".caption").inner_text().strip()
            if not seen.get(stepper) or seen[stepper][-1][0] != position:
                seen.setdefault(stepper, []).append((position, caption))
        if tab.evaluate("Reveal.isLastSlide() && !Reveal.availableFragments().next"):
            return [seen[key] for key in sorted(seen)]
        tab.keyboard.press("PageDown")
    print(tab.evaluate("JSON.stringify(Reveal.getIndices())"), file=sys.stderr)
    raise AssertionError(f"the deck did not end within {limit} presses")
