"""One reader: every answer form a student may write scores the same in the notebook
(``ex.check``) as in the batch grader, which reads it out of a real kernel.

Each assignment's notebook is filled once per form index (form k of every
question), graded in one batch, and every question's points and message are
compared with ``Question.check`` run here on the same value.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from buddy_edu import format_size
from buddy_edu.exercises import ASSIGNMENTS, variant
from buddy_edu.grading.batch import grade

pytestmark = [pytest.mark.sandbox, pytest.mark.kernel]  # one sandboxed batch per assignment
ROOT = Path(__file__).resolve().parents[1]
K = 1024


def size_forms(value: int) -> list[str]:
    forms = [repr(value), repr(format_size(value)), repr(hex(value)), repr(f"{value:,}"),
             repr(f"{value} bytes"), repr(float(value)), repr(value + 64 * K)]
    if value and value % K == 0:
        forms += [repr(f"{value // K}K bytes"), repr(f"{value // K} KiB")]
    if value and value % (K * K // 2) == 0:
        forms.append(repr(f"{value / (K * K)}M"))  # "0.5M", "1.5M"
    if value and value & (value - 1) == 0:
        forms.append(repr(f"2^{value.bit_length() - 1}"))
    return forms


def count_forms(value: int, word: str) -> list[str]:
    return [repr(value), repr(str(value)), repr(f"{value} {word}"), repr(float(value)),
            repr(value + 1), repr(max(0, value - 1)), repr("lots")]


def block_forms(blocks: list[list[int]]) -> list[str]:
    pairs = [tuple(b) for b in blocks]
    text = ", ".join(f"{format_size(a)}-{format_size(a + s)}" for a, s in pairs)
    forms = [repr(pairs), repr(set(pairs)), repr({a: s for a, s in pairs}),
             repr({format_size(a): format_size(s) for a, s in pairs}), repr(text),
             repr(" ".join(f"({format_size(a)}, {format_size(s)})" for a, s in pairs)),
             repr([{"address": a, "size": s} for a, s in pairs]),
             repr(pairs[:-1]), repr([]), repr(frozenset(pairs))]
    if len(pairs) == 1:
        forms.append(repr(pairs[0]))
    return forms


def counts_forms(counts: list[int], min_block: int) -> list[str]:
    return [repr(counts), repr(tuple(counts)), repr(" ".join(map(str, counts))),
            repr({j: c for j, c in enumerate(counts) if c}),  # {order: count}, int keys
            repr({format_size(min_block << j): c for j, c in enumerate(counts) if c}),
            repr("Node 0, zone Normal " + " ".join(map(str, counts))),
            repr([0] * len(counts)), repr(counts[::-1]), repr(set(counts))]


OUTCOME_FORMS = ['"succeeds"', '"fails: external fragmentation"', '"fails: not enough memory"',
                 "True", "False", '(False, "external fragmentation")', '"it never fits"',
                 '"no room in one block"', '"not external fragmentation"', '"doesn\'t fail"',
                 '"it is not fragmentation, memory is exhausted"', '"no"']


def forms_for(question) -> list[str]:
    answer, kind = question.answer, question.kind
    if kind == "will_succeed":
        return OUTCOME_FORMS
    if kind in ("split_count", "merge_count"):
        return count_forms(answer, kind.split("_")[0] + "s")
    if kind == "block_order":
        return count_forms(answer, "") + [repr(f"order {answer}")]
    if kind == "buddyinfo":
        return counts_forms(answer, question.params["min_block"])
    if kind == "buddy_pfn":
        return count_forms(answer, "")
    if kind == "which_is_true":
        return [repr(answer), repr(answer.upper()), repr(f"({answer})"),
                repr(f"statement {answer}"), '"z"', '"a and b"', "1"]
    if isinstance(answer, list):
        return block_forms(answer)
    forms = size_forms(answer)
    if kind in ("buddy_address", "landing_address", "policy_landing"):
        block = question.params.get("block", question.params.get("size"))
        forms += [repr((answer, block)), repr((format_size(answer), format_size(block))),
                  repr(f"{format_size(answer)}-{format_size(answer + block)}")]
    return forms


def filled(assignment: str, student: str, codes: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "exercises" / f"{assignment}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace('student="your-id"', f'student="{student}"')
            for qid, code in codes.items():
                cell.source = re.sub(rf"^{qid} = None.*$", lambda _m, q=qid, c=code: f"{q} = {c}",
                                     cell.source, flags=re.M)
    return nb


@pytest.fixture(scope="module")
def parity(tmp_path_factory):
    """Per assignment, one batch of notebooks: student pK answers form K of each question."""
    root = tmp_path_factory.mktemp("parity")
    cases, results = [], {}
    for name in ASSIGNMENTS:
        if any(slot.kind == "function" for slot in ASSIGNMENTS[name].slots):
            continue  # answered with functions: graded in test_build_your_own.py
        folder = root / name
        folder.mkdir()
        rounds = max(len(forms_for(q)) for q in variant(name, "p00"))
        for index in range(rounds):
            student = f"p{index:02d}"
            questions = variant(name, student)
            codes = {q.id: forms_for(q)[index % len(forms_for(q))] for q in questions}
            nbformat.write(filled(name, student, codes), folder / f"{student}.ipynb")
            cases.append((name, student, codes))
        for result in grade(name, [folder], out=folder / "grades.csv", jobs=2, timeout=60,
                            cell_timeout=10):
            results[(name, result.student)] = result
    return cases, results


def test_every_form_scores_the_same_in_the_notebook_and_the_grader(parity):
    cases, results = parity
    compared = 0
    for name, student, codes in cases:
        result = results[(name, student)]
        assert result.error is None, (name, student, result.error)
        graded = {q.id: q for q in result.questions}
        for question in variant(name, student):
            value = eval(codes[question.id], {})  # noqa: S307 - our own literal forms
            notebook = question.check(value)
            got = graded[question.id]
            expected = round(notebook.score * question.points, 2)
            assert got.earned == expected, (name, question.id, codes[question.id], got.message,
                                            notebook.message)
            assert got.message == notebook.message, (name, question.id, codes[question.id])
            compared += 1
    assert compared >= 200


def test_int_keyed_dicts_and_sets_are_graded_not_refused(parity):
    cases, results = parity
    full = set()
    for name, student, codes in cases:
        for graded in results[(name, student)].questions:
            code = codes[graded.id]
            if graded.score == 1 and (code.startswith("{") or code.startswith("frozenset")):
                full.add(code[:1])
    assert full >= {"{", "f"}  # dicts ({0: 1, 3: 1}, {address: size}), sets and frozensets
