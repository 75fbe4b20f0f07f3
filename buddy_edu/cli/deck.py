"""A lesson notebook as a Reveal.js slide deck that needs no kernel and no network.

Three steps, each a function:

1. :func:`execute` runs a copy of the lesson in a fresh local kernel, with a
   first cell (removed again afterwards) that makes every widget display as
   static HTML (:mod:`buddy_edu.cli.static_view`): a Stepper becomes one frame
   per timeline position.
2. :func:`to_slides` decides the slides, in the executed copy only (the
   lesson files stay free of slide metadata and outputs):

   * a Markdown cell opening with a ``#`` or ``##`` heading starts a slide, a
     ``###`` heading a sub-slide, any other cell continues the slide;
   * a Stepper's frames get a sub-slide of their own (they need the room),
     one Reveal.js fragment per position;
   * what a lesson hides until the student has predicted is a later fragment
     than its question: a folded output (an HTML ``<details>``, or
     ``jupyter.outputs_hidden``) appears after its code, a ``<details>`` answer in
     Markdown after the text before it;
   * code whose source the lesson folds (``jupyter.source_hidden``) shows only
     its output, or nothing;
   * links between lessons point to the other decks.
3. :func:`export` writes the deck with nbconvert's SlidesExporter and a small
   template of ours that loads reveal.js from a folder next to the deck, and
   nothing else (no require.js, MathJax, Mermaid or widget scripts: the
   lessons need none of them).
"""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path

import nbformat

from ..core.errors import BuddyError

PART_BREAK = "<!-- buddy-edu: next part -->"  # between a widget's parts in one output
STEPPER = "stepper"  # metadata["buddy_edu"]["static"] of a Stepper's frames
OUTPUT_ONLY = "buddy-edu-output-only"  # a cell tag: the exporter shows only the outputs
REVEAL_FOLDER = "reveal.js"  # the folder next to the deck that holds reveal.js
CELL_TIMEOUT = 120  # seconds for one cell; a lesson takes a few seconds
_SETUP = ("from buddy_edu.cli.static_view import show_widgets_statically\n"
          "show_widgets_statically()")
_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*)")
_DETAILS = re.compile(r"<details>\s*<summary>.*?</summary>(.*?)</details>", re.S)
_LESSON_LINK = re.compile(r"\]\((\d\d-[\w-]+)\.ipynb\)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours of a kernel's traceback
# The lessons tell students how to unfold a folded output; in a deck the next press does it.
_UNFOLD_HINT = re.compile(r"\s*\*\(The output is folded until you want it:[^)]*\)\*")


class LessonFailed(BuddyError):
    """A lesson raised an error while it was executed for the slides."""


def execute(nb: nbformat.NotebookNode, folder: Path,
            timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """A copy of ``nb`` run top to bottom in a fresh ``python3`` kernel started in ``folder``.

    Widgets come out as static HTML; the setup cell that arranges it is
    gone from the result, and so is saved widget state (the deck loads no
    widget scripts).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    run = copy.deepcopy(nb)
    run.cells.insert(0, nbformat.v4.new_code_cell(_SETUP))
    client = NotebookClient(run, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    # The kernel's own chatter (a TCP warning on every start) would bury the command's
    # output; it is kept aside and shown only when the kernel itself failed.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        try:
            client.execute(stderr=log)
        except CellExecutionError as error:
            lines = [line for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
            raise LessonFailed(f"the lesson failed while running for the slides: {lines[-1]} "
                               "(run it in JupyterLab to see the whole error)") from None
        except Exception as error:  # the kernel could not start or died
            log.seek(0)
            said = " / ".join(log.read().strip().splitlines()[-3:])
            raise LessonFailed(f"the lesson's kernel failed ({type(error).__name__}: {error}); "
                               f"it said: {said or 'nothing'}") from None
    run.cells.pop(0)
    run.metadata.pop("widgets", None)
    return run


def to_slides(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed lesson ``nb`` with slide metadata and the reveal order set (a new notebook)."""
    slides = copy.deepcopy(nb)
    cells = []
    for cell in slides.cells:
        made = _markdown(cell) if cell.cell_type == "markdown" else (
            _code(cell) if cell.cell_type == "code" else [])
        if made and cells and _is_steps(cells[-1]) \
                and made[0].metadata["slideshow"]["slide_type"] in ("-", "fragment"):
            _slide(made[0], "subslide")  # the frames keep their slide to themselves
        cells += made
    slides.cells = cells
    title = next((match.group(2) for cell in cells if cell.cell_type == "markdown"
                  for match in [_HEADING.match(cell.source)] if match), None)
    if title:
        slides.metadata["title"] = title.strip()
    return slides


def stepper_steps(nb: nbformat.NotebookNode) -> list[int]:
    """How many steps each Stepper of a slide notebook shows, in order (for checks and tests)."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            found += [int(n) for n in re.findall(r'class="buddy-steps r-stack" data-steps="(\d+)"',
                                                 html)]
    return found


def export(nb: nbformat.NotebookNode, reveal_prefix: str = REVEAL_FOLDER) -> str:
    """The deck's HTML for a slide notebook (from :func:`to_slides`)."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {OUTPUT_ONLY}
    exporter = SlidesExporter(
        config=config,
        extra_loaders=[DictLoader({"buddy_deck.html.j2": _TEMPLATE})],
        template_file="buddy_deck.html.j2",
        reveal_url_prefix=reveal_prefix,
        reveal_theme="white",
        reveal_transition="none",
        reveal_number="c/t",
        reveal_width="1280",
        reveal_height="800",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _resources = exporter.from_notebook_node(nb)
    return body


# ------------------------------------------------------------------ cell by cell
def _slide(cell, slide_type: str):
    cell.metadata.setdefault("slideshow", {})["slide_type"] = slide_type
    return cell


def _markdown(cell) -> list:
    """A Markdown cell as slide cells: its heading decides the slide, answers are fragments."""
    text = _UNFOLD_HINT.sub("", _LESSON_LINK.sub(r"](\1.slides.html)", cell.source))
    match = _HEADING.match(text)
    kind = "-" if match is None else ("subslide" if len(match.group(1)) >= 3 else "slide")
    cell.source = _DETAILS.sub(r'<div class="fragment buddy-answer">\n\1\n</div>', text)
    return [_slide(cell, kind)]


def _code(cell) -> list:
    """A code cell as slide cells: the code, then any folded output as a fragment, then each
    Stepper's frames on a sub-slide of their own."""
    folding = cell.metadata.get("jupyter", {})
    shown, later, own = [], [], []  # outputs: with the code, a fragment after it, own slides
    for output in cell.get("outputs", []):
        static = output.get("metadata", {}).get("buddy_edu", {}).get("static")
        if static == STEPPER:
            for part in output["data"]["text/html"].split(PART_BREAK):
                own.append(nbformat.v4.new_output(
                    "display_data", data={"text/html": part.strip()},
                    metadata={"buddy_edu": {"static": STEPPER}}))
        elif folding.get("outputs_hidden"):
            later.append(output)
        elif _DETAILS.search(str(output.get("data", {}).get("text/html", ""))):
            later.append(_unfolded(output))  # an answer the lesson folds in <details>
        else:
            shown.append(output)
    cells = []
    if cell.source.strip() and not folding.get("source_hidden"):
        code = copy.deepcopy(cell)
        code.outputs = shown
        code.metadata.pop("jupyter", None)  # the exporter would fold what we lay out
        cells.append(_slide(code, "-"))
        shown = []
    if shown:
        cells.append(_slide(_output_cell(shown), "-"))
    if later:
        cells.append(_slide(_output_cell(later), "fragment"))
    cells += [_slide(_output_cell([output]), "subslide") for output in own]
    return cells


def _unfolded(output):
    """An output whose HTML folds an answer in <details>, shown open (it is a fragment of
    its own, one press after the code)."""
    output = copy.deepcopy(output)
    output["data"]["text/html"] = _DETAILS.sub(r"<div>\1</div>", output["data"]["text/html"])
    return output


def _is_steps(cell) -> bool:
    return any(output.get("metadata", {}).get("buddy_edu", {}).get("static") == STEPPER
               for output in cell.get("outputs", []))


def _output_cell(outputs: list):
    cell = nbformat.v4.new_code_cell("", metadata={"tags": [OUTPUT_ONLY]})
    cell.outputs = outputs
    return cell


# ------------------------------------------------------------------ the template
_TEMPLATE = r"""{%- extends 'reveal/index.html.j2' -%}
{#- Everything is loaded from the deck's own folder: no CDN, no require.js, MathJax,
    Mermaid or widget manager (the lessons need none of them). -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_css -%}
<style type="text/css">
.reveal .slides { text-align: left; }
.reveal .slides section { height: 100%; }
.reveal section.buddy-scroll { overflow-y: auto; }
.reveal .buddy-steps .buddy-step { background: var(--jp-layout-color0, #fff); }
.reveal .buddy-steps .buddy-step.fragment { transition: none; }
/* One frame at a time: a frame hides once a later one is shown. */
.reveal .buddy-steps > .buddy-step:has(~ .buddy-step.visible) { visibility: hidden !important; }
.reveal .buddy-step .caption { font-size: 24px; margin: 0 0 8px 0; min-height: 2.4em; }
.reveal .r-stack.buddy-steps { grid-template-columns: minmax(0, 1fr); }
.reveal .r-stack.buddy-steps > .buddy-step { margin: 0; min-width: 0; align-self: start; }
/* A slide has a fixed size: a wide tree shrinks to fit it (the notebook scrolls instead). */
.reveal .buddy-step .tree svg { min-width: 0 !important; width: auto; height: auto;
  max-width: 100%; max-height: 420px; }
.reveal .buddy-step .strip svg { max-width: 100%; height: auto; }
.reveal .buddy-predict { font-size: 20px; border-left: 4px solid #2a7ab0;
  padding-left: 10px; margin: 6px 0; }
.reveal .buddy-steps-note, .reveal .buddy-widget-note { font-size: 16px; color: #666; }
.reveal .buddy-part-title { font-weight: bold; font-size: 22px; margin: 0 0 4px 0; }
.reveal .buddy-answer { border-left: 4px solid #3a9a3a; padding-left: 10px; }
.reveal .buddy-quickcheck-static svg { max-width: 100%; height: auto; }
</style>
{%- endblock html_head_css -%}
{% block footer_js %}
{%- set prefix = resources.reveal.url_prefix -%}
<script src="{{ prefix }}/dist/reveal.js"></script>
<script>
(function () {
  var height = {{ resources.reveal.height | default('800', true) }};
  function fit(section) {
    // A slide taller than the screen scrolls instead of spilling over its bottom edge.
    if (section && !section.querySelector("section"))
      section.classList.toggle("buddy-scroll", section.scrollHeight > height);
  }
  Reveal.initialize({
    controls: true, progress: true, hash: true, center: false,
    transition: "{{ resources.reveal.transition }}",
    slideNumber: "{{ resources.reveal.number }}",
    width: {{ resources.reveal.width | default('1280', true) }}, height: height,
  }).then(function () { fit(Reveal.getCurrentSlide()); });
  Reveal.on("slidechanged", function (event) { fit(event.currentSlide); });
  Reveal.on("fragmentshown", function (event) {
    event.fragment.scrollIntoView({block: "nearest"});
  });
})();
</script>
{% endblock footer_js %}
"""
