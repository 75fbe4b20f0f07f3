"""The pictures in words (render/describe.py) and what does not rest on colour alone.

A screen reader reads the tree and the memory map by their names and the tree
node by node from the outline beside it; the same words reach the Stepper, the
exported page and the slides.  In the memory map, allocated blocks keep a dark
foot however narrow they are, so free and allocated differ in lightness, not
only in hue (issue 22).
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET

import pytest
from examples import WIKIPEDIA

import buddy_edu.render as render
from buddy_edu import BuddyAllocator, OutOfMemory, run_script
from buddy_edu.render import palette, strip
from buddy_edu.render.describe import SR_ONLY, STRIP_NAMES, SUMMARY_NAMES
from buddy_edu.render.tables import STAT_NAMES

K = 1024
SVG = "{http://www.w3.org/2000/svg}"
ALLOC_D = 9  # D lands in the 128K at 256K
SPLIT_256K_AT_256K = 8


@pytest.fixture()
def wiki() -> BuddyAllocator:
    return run_script(WIKIPEDIA)


def random_workload(steps: int = 150) -> BuddyAllocator:
    """Lesson 03's kind of workload: 1M in 4K blocks, random sizes 1K..128K, 40% frees."""
    rng = random.Random(4)
    work = BuddyAllocator(1024 * K, 4 * K)
    live = []
    for step in range(steps):
        if live and rng.random() < 0.4:
            work.free(live.pop(rng.randrange(len(live))))
        else:
            try:
                live.append(work.allocate(int(2 ** rng.uniform(10, 17)), f"P{step}").name)
            except OutOfMemory:
                pass
    return work


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# ------------------------------------------------------------------ the tree
def test_the_tree_is_named_by_what_it_shows(wiki):
    assert render.tree_summary(wiki, ALLOC_D) == (
        "Tree of 1M: 2 free blocks (128K at 384K, 512K at 512K), 4 allocated (A 64K at 0, "
        "C 64K at 64K, B 128K at 128K, D 128K at 256K); this step: allocate the 128K block "
        "at 256K to D (requested 67K, wasting 61K inside the block).")
    assert render.tree_summary(wiki, 0) == (
        "Tree of 1M: 1 free block (1M at 0), 0 allocated; before the first step.")
    assert render.tree_summary(wiki, 1).endswith(
        "this step: split the 1M block at 0 into buddies at 0 and 512K for A.")
    failed = run_script("memory 1M min 64K\nA = alloc 600K\nB = alloc 600K")
    assert render.tree_summary(failed).endswith(
        "this step: cannot allocate 600K for B: no free block of 1M or larger.")


def test_the_tree_svg_is_an_image_with_that_name(wiki, tmp_path):
    svg = render.to_svg(wiki, ALLOC_D)
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == render.tree_summary(wiki, ALLOC_D)
    (graph,) = list(root)  # the drawing, hidden from screen readers: the name says it
    assert graph.get("aria-hidden") == "true" and graph.get("class") == "graph"
    assert graph.find(f"{SVG}title").text == render.tree_summary(wiki, ALLOC_D)  # its tooltip
    saved = ET.parse(render.save_svg(wiki, tmp_path / "tree.svg", 0)).getroot()
    assert saved.get("role") == "img"  # a standalone file says what it shows too
    assert saved.get("aria-label") == render.tree_summary(wiki, 0)


def test_a_big_tree_names_a_few_blocks_and_counts_the_rest():
    work = random_workload()
    summary = render.tree_summary(work)
    free = [b for b in work.blocks() if b.name is None]
    used = [b for b in work.blocks() if b.name is not None]
    assert len(used) > SUMMARY_NAMES and len(free) > SUMMARY_NAMES
    assert f"{len(free)} free blocks (" in summary
    assert f"and {len(free) - SUMMARY_NAMES} more)" in summary
    assert f"and {len(used) - SUMMARY_NAMES} more)" in summary
    assert len(summary) < 600


def outline_items(html: str) -> list[tuple[int, str]]:
    """(depth, words) of every list item of the outline, in document order."""
    root = ET.fromstring(html)
    found = []

    def walk(element, depth):
        for child in element:
            if child.tag == "li":
                found.append((depth, (child.text or "").strip()))
            walk(child, depth + (child.tag == "ul"))

    walk(root, -1)
    return found


def test_the_outline_reads_the_whole_tree_parent_before_halves(wiki):
    html = render.tree_outline_html(wiki, SPLIT_256K_AT_256K)
    assert html.startswith(f'<div class="buddy-tree-outline" style="{SR_ONLY}">')
    items = outline_items(html)
    nodes = render.to_svg(wiki, SPLIT_256K_AT_256K).count('class="node')
    assert len(items) == nodes == 11
    assert items[:3] == [(0, "1M at 0, split into two 512K halves"),
                         (1, "512K at 0, split into two 256K halves"),
                         (2, "256K at 0, split into two 128K halves")]
    assert (3, "128K at 128K, allocated to B, requested 66K, waste 62K") in items
    assert items[-1] == (1, "512K at 512K, free")
    changed = [words for _depth, words in items if words.endswith(", changed by this step")]
    assert changed == ["256K at 256K, split into two 128K halves, changed by this step",
                       "128K at 256K, free, changed by this step",
                       "128K at 384K, free, changed by this step"]
    shown = render.tree_outline_html(wiki, 0, hidden=False)
    assert "style=" not in shown and outline_items(shown) == [(0, "1M at 0, free")]


# ------------------------------------------------------------ the memory map
def test_the_memory_map_is_named_block_by_block_in_address_order(wiki):
    assert render.strip_summary(wiki, ALLOC_D) == (
        "Memory map of 1M, 6 blocks in address order: A 64K at 0 (requested 34K), "
        "C 64K at 64K (requested 35K), B 128K at 128K (requested 66K), D 128K at 256K "
        "(requested 67K), free 128K at 384K, free 512K at 512K; this step changed D.")
    assert render.strip_summary(wiki, 1).endswith(
        "this step changed free 512K at 0, free 512K at 512K.")
    root = ET.fromstring(render.memory_strip_svg(wiki, ALLOC_D))
    assert root.get("role") == "img"
    assert root.get("aria-label") == render.strip_summary(wiki, ALLOC_D)
    (drawing,) = list(root)  # boxes, labels and legend: not read out one by one
    assert drawing.get("aria-hidden") == "true" and len(drawing.findall(f"{SVG}g")) > 6


def test_a_huge_memory_map_names_the_first_blocks_and_counts_the_rest():
    a = BuddyAllocator(1024 * K, K)
    for i in range(1024):
        a.allocate(1000, f"b{i}")
    summary = render.strip_summary(a)
    assert summary.count("(requested") == STRIP_NAMES
    assert f"and {1024 - STRIP_NAMES} more up to 1M" in summary


def feet(svg: str) -> list[tuple[float, float]]:
    """[start, end) of each dark foot drawn under the blocks, in strip units."""
    root = ET.fromstring(svg)
    (path,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "feet"]
    assert path.get("fill") == palette.INK
    return [(float(x), float(x) + float(w))
            for x, w in re.findall(r"M([\d.]+) [\d.]+h([\d.]+)v", path.get("d"))]


def test_allocated_blocks_keep_a_dark_foot_however_narrow():
    """Lesson 03's workload leaves blocks too narrow for a label or dashes; each allocated
    one still has its foot, no free one has, and the foot stands out from both fills
    by lightness (issue 22, WCAG 1.4.1)."""
    work = random_workload()
    svg = render.memory_strip_svg(work)
    runs = feet(svg)
    scale = strip.WIDTH / work.total
    blocks = work.blocks()
    thin = [b for b in blocks if b.size * scale < 8]
    assert [b for b in thin if b.name] and [b for b in thin if not b.name]
    for block in blocks:
        start, end = block.address * scale, block.end * scale
        under = any(a - 0.01 <= start and end <= b + 0.01 for a, b in runs)
        overlaps = any(a < end - 0.01 and start + 0.01 < b for a, b in runs)
        assert under if block.name else not overlaps, block
    assert len(runs) <= len([b for b in blocks if not b.name]) + 1  # one foot per run
    for fill in (palette.FREE, palette.ALLOCATED, palette.WASTE):
        assert contrast(palette.INK, fill) >= 3
    legend = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")][-1]
    assert legend == "dark foot: allocated, however narrow"


def test_a_map_with_nothing_allocated_has_no_feet(wiki):
    root = ET.fromstring(render.memory_strip_svg(wiki, 0))
    assert not [p for p in root.iter(f"{SVG}path") if p.get("class") == "feet"]


# ------------------------------------------------------- captions and tables
def test_the_caption_can_leave_out_the_number_of_events(wiki):
    assert render.caption(wiki, 3) == (
        "Step 3 of 18: Split the 256K block at 0 into buddies at 0 and 128K for A.")
    assert render.caption(wiki, 3, of_total=False) == (
        "Step 3: Split the 256K block at 0 into buddies at 0 and 128K for A.")
    assert render.caption(wiki, 0, of_total=False) == "Start: 1M free."


def test_stats_rows_can_be_hidden(wiki):
    hidden = ("largest free block", "external fragmentation")
    html = render.stats_html(wiki, 6, hidden=hidden)
    rows = {row: value.strip() for row, value in
            re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)', html)}
    assert list(rows) == list(STAT_NAMES)
    assert rows["largest free block"] == rows["external fragmentation"] == "hidden"
    assert "biggest request that fits" not in html
    assert rows["free"] == "832K"  # A's 64K and B's 128K are allocated
    shown = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)',
                            render.stats_html(wiki, 6)))
    assert shown["largest free block"].strip() == "512K"
    with pytest.raises(ValueError, match="no stats row named \\['largest'\\]"):
        render.stats_html(wiki, 6, hidden=("largest",))


# ------------------------------------------------ the same words everywhere
def test_the_exported_page_and_the_slides_carry_the_words(wiki, tmp_path):
    frames = render.frames_html(wiki, range(ALLOC_D, ALLOC_D + 1), tables=False)
    (frame,) = frames
    assert f'aria-label="{render.tree_summary(wiki, ALLOC_D)}"' in frame
    assert f'aria-label="{render.strip_summary(wiki, ALLOC_D)}"' in frame
    assert render.tree_outline_html(wiki, ALLOC_D) in frame
    assert re.search(r'<div class="tree" tabindex="0" role="region" aria-label="Tree of '
                     r'blocks: scroll it with the arrow keys', frame)
    page = render.export_html(wiki, tmp_path / "page.html").read_text(encoding="utf-8")
    assert f'<p id="said" aria-live="polite" aria-atomic="true" style="{SR_ONLY}"></p>' in page
    assert page.count('class="buddy-tree-outline"') == 19
    assert 'id="where" aria-live' not in page  # one live region, not two


@pytest.mark.browser
@pytest.mark.needs("npm")
def test_the_exported_page_passes_axe_and_announces_each_step(wiki, tmp_path):
    """The offline page in Chromium: no WCAG 2.1 A/AA violation (axe-core, pinned), each
    step's narration in one live region, the tree's pane reached by Tab (issue 22)."""
    import _a11y
    from _jupyter import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    path = render.export_html(run_script(CHECKERBOARD), tmp_path / "page.html", start=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(path.as_uri())
            page.add_script_tag(path=str(_a11y.axe_script()))
            result = page.evaluate(_a11y.AXE_RUN, [page.locator("body").element_handle(),
                                                   _a11y.WCAG_TAGS])
            assert result["violations"] == []
            said = page.locator("#said")
            region = said.element_handle()
            board = run_script(CHECKERBOARD)
            assert said.text_content() == render.caption(board, 0)
            page.get_by_role("button", name="Forward").click()
            assert said.text_content() == render.caption(board, 1)
            page.keyboard.press("End")
            assert said.text_content() == render.caption(board, board.event_count())
            assert page.evaluate("r => r === document.getElementById('said')", region)
            page.get_by_role("button", name="First").focus()
            stops = []
            for _ in range(6):
                page.keyboard.press("Tab")
                stops.append(page.evaluate("document.activeElement.getAttribute('aria-label')"
                                           " || document.activeElement.textContent.trim()"))
                if stops[-1].startswith("Tree of blocks"):
                    break
            assert stops == ["◀ Back", "Forward ▶", "Last »", "Tree at 100%",
                             render.export.TREE_REGION]
            page.keyboard.press("ArrowLeft")  # scrolls the pane; the page stays at the end
            assert said.text_content() == render.caption(board, board.event_count())
        finally:
            browser.close()


CHECKERBOARD = ("memory 1M min 64K\n" + "".join(f"P{i} = alloc 64K\n" for i in range(16))
                + "".join(f"free P{i}\n" for i in range(0, 16, 2)) + "big = alloc 128K\n")
