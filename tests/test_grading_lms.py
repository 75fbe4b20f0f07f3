"""LMS downloads: zips opened safely, layouts recognised, each notebook mapped to one roster row.

Fast tests build downloads as Canvas, Moodle and Gradescope make them (file
names, folders, metadata) with tiny notebooks and check the layouts, the roster
match and its report, and the CSV's status column, without starting a kernel.
The ``kernel`` tests grade one class handed in through every layout, as folders
and as zips, and compare the scores.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import zipfile
from pathlib import Path

import pytest
from _submissions import handed_in, released_course

from buddy_edu import InvalidRequest
from buddy_edu.exercises import ASSIGNMENTS
from buddy_edu.exercises.course.roster import RosterEntry
from buddy_edu.grading.gradebook import Gradebook
from buddy_edu.grading.lms import safe_zip
from buddy_edu.grading.lms.gradescope_export import parse_yaml, read_metadata
from buddy_edu.grading.lms.layouts import identify
from buddy_edu.grading.lms.roster_match import (
    RosterReport,
    close_report,
    collect,
    csv_extras,
    name_key,
)
from buddy_edu.grading.results import QuestionResult, Result
from buddy_edu.grading.submissions import find_submissions

NAME = "coalescing"
ROSTER = [
    RosterEntry("jdoe", "Jane Doe", "jdoe@uni.edu", "12345", "S1", "301", "S1"),
    RosterEntry("bsmith", "Bo Smith", "bs@uni.edu", "12346", "S2", "302", "S2"),
    RosterEntry("carol", "Carol King", "ck@uni.edu", "12347", "S3", "", "S3"),
    RosterEntry("dave", "Dave Null", "dn@uni.edu", "12348", "S4", "304", "S4"),
]


def tiny(student: str) -> bytes:
    """A notebook whose first cell starts ``student``'s variant (never run here)."""
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": f'ex = buddy_edu.exercises.start("{NAME}", student="{student}")'}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


def write(folder: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
    return target


#: One class as each LMS lays it out: jdoe on time, bsmith twice (late, then again),
#: carol's notebook says jdoe, an unknown student, dave hands in nothing.
CANVAS = {
    "doejane_12345_90001_coalescing.ipynb": tiny("jdoe"),
    "smithbo_LATE_12346_90002_coalescing.ipynb": tiny("bsmith"),
    "smithbo_LATE_12346_90005_coalescing-1.ipynb": tiny("bsmith"),
    "kingcarol_12347_90003_coalescing.ipynb": tiny("jdoe"),
    "mallory_99999_90004_coalescing.ipynb": tiny("jdoe"),
}
MOODLE = {
    "Jane Doe_301_assignsubmission_file_/coalescing.ipynb": tiny("jdoe"),
    "Bo Smith_302_assignsubmission_file_/coalescing.ipynb": tiny("bsmith"),
    "Bo Smith_302_assignsubmission_file_/scratch.ipynb": tiny("bsmith"),
    "Carol King_777_assignsubmission_file/coalescing.ipynb": tiny("jdoe"),  # Moodle 4.1+
    "Mallory Moe_999_assignsubmission_file_/coalescing.ipynb": tiny("jdoe"),
}
GRADESCOPE_META = """\
submission_5001:
  :submitters:
  - :name: Jane Doe
    :sid: S1
    :email: JDoe@uni.edu
  :created_at: 2024-02-01 10:00:00.000000000 -08:00
  :score: 0.0
  :history: []
submission_5002:
  :submitters:
  - :name: Bo Smith
    :sid: 'S2'
    :email: bs@uni.edu
  :results:
    tests:
    - name: 'q1: it''s'
      output: |-
        - not a submitter
        :sid: S4
submission_5003:
  :submitters:
  - :name: Carol King
    :sid: "S3"
submission_5004:
  :submitters:
  - :name: Mallory Moe
    :sid: '999'
    :email: m@evil.example
"""
GRADESCOPE = {
    "submission_metadata.yml": GRADESCOPE_META.encode(),
    "submission_5001/coalescing.ipynb": tiny("jdoe"),
    "submission_5002/coalescing.ipynb": tiny("bsmith"),
    "submission_5002/old/coalescing-draft.ipynb": tiny("bsmith"),
    "submission_5003/coalescing.ipynb": tiny("jdoe"),
    "submission_5004/coalescing.ipynb": tiny("jdoe"),
}


# ------------------------------------------------------------------ safe zips
def _bad_zip(path: Path, name: str, content: bytes = b"{}", mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fine/jdoe.ipynb", tiny("jdoe"))
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        archive.writestr(info, content)
    return path


@pytest.mark.parametrize("entry", ["../escape.ipynb", "fine/../../escape.ipynb",
                                   "/tmp/escape.ipynb", "C:\\escape.ipynb",
                                   "..\\escape.ipynb"])
def test_a_zip_slip_entry_refuses_the_whole_zip_and_writes_nothing(tmp_path, entry):
    download = _bad_zip(tmp_path / "download.zip", entry)
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(safe_zip.UnsafeZip, match="zip-slip") as caught:
        find_submissions(NAME, [download])
    assert repr(entry)[1:-1].split("\\")[0] in str(caught.value)
    assert "nothing was extracted" in str(caught.value)
    assert set(tmp_path.parent.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download.zip"]


def test_a_link_entry_is_refused(tmp_path):
    download = _bad_zip(tmp_path / "d.zip", "jdoe2.ipynb", b"/etc/passwd",
                        mode=stat.S_IFLNK | 0o777)
    with pytest.raises(safe_zip.UnsafeZip, match="symbolic link"):
        find_submissions(NAME, [download])


def test_a_zip_bomb_is_refused_by_its_size_and_by_its_ratio(tmp_path, monkeypatch):
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.ipynb", b"\0" * (safe_zip.MAX_ENTRY_BYTES + 1))
    with pytest.raises(safe_zip.UnsafeZip, match="would unpack to 64 MB.*zip bomb"):
        find_submissions(NAME, [big])
    dense = tmp_path / "dense.zip"
    with zipfile.ZipFile(dense, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.ipynb", b"\0" * (8 << 20))
    with pytest.raises(safe_zip.UnsafeZip, match=r"compressed \d+ to 1: refused as a zip bomb"):
        find_submissions(NAME, [dense])
    monkeypatch.setattr(safe_zip, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(safe_zip.UnsafeZip, match="would unpack to"):
        find_submissions(NAME, [_bad_zip(tmp_path / "total.zip", "x.ipynb", b"x" * 2000)])


def test_too_many_entries_or_a_repeated_name_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(safe_zip, "MAX_ENTRIES", 3)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(4):
            archive.writestr(f"s{number}.ipynb", tiny(f"s{number}"))
    with pytest.raises(safe_zip.UnsafeZip, match="holds 4 entries"):
        find_submissions(NAME, [many])
    monkeypatch.undo()
    twice = tmp_path / "twice.zip"
    with pytest.warns(UserWarning), zipfile.ZipFile(twice, "w") as archive:
        archive.writestr("jdoe.ipynb", tiny("jdoe"))
        archive.writestr("jdoe.ipynb", tiny("kim"))
    with pytest.raises(safe_zip.UnsafeZip, match="appears twice"):
        find_submissions(NAME, [twice])


def test_a_file_that_is_not_a_zip_is_named(tmp_path):
    (tmp_path / "d.zip").write_text("not a zip")
    with pytest.raises(InvalidRequest, match="is not a zip file"):
        find_submissions(NAME, [tmp_path / "d.zip"])


def test_a_plain_zip_of_notebooks_grades_as_its_folder_would_and_leaves_no_folder(tmp_path):
    import tempfile

    folder = write(tmp_path / "subs", {"jdoe.ipynb": tiny("jdoe"), "kim.ipynb": tiny("kim"),
                                       "notes.pdf": b"%PDF", ".hidden/x.ipynb": tiny("x")})
    before = set(Path(tempfile.gettempdir()).glob("buddy-edu-zip-*"))
    found = find_submissions(NAME, [zipped(folder, tmp_path / "subs.zip")])
    assert [(s.student, s.path.name) for s in found] == [("jdoe", "jdoe.ipynb"),
                                                        ("kim", "kim.ipynb")]
    assert str(found[0].path) == f"{tmp_path / 'subs.zip'}/jdoe.ipynb"
    assert found[0].content == tiny("jdoe")
    assert set(Path(tempfile.gettempdir()).glob("buddy-edu-zip-*")) == before


# ------------------------------------------------------------------ Gradescope metadata
def test_the_gradescope_metadata_subset_is_read_with_ruby_tags_and_block_text(tmp_path):
    text = GRADESCOPE_META + (
        "submission_5005:\n  :submitters:\n  - :name: Lee\n    :sid: '5'\n"
        "  :created_at: !ruby/object:ActiveSupport::TimeWithZone\n"
        "    utc: 2024-02-01 18:00:00.000000000 Z\n"
        "    zone: &1 !ruby/object:ActiveSupport::TimeZone\n      name: Etc/UTC\n")
    path = tmp_path / "submission_metadata.yml"
    path.write_text(text)
    people = read_metadata(path)
    assert [p.sid for p in people["submission_5002"]] == ["S2"]  # not the block text's S4
    assert people["submission_5001"][0].email == "JDoe@uni.edu"
    assert people["submission_5003"][0].email == ""
    assert people["submission_5005"][0].name == "Lee"
    assert parse_yaml("a:\n  - b\n  - 'c: d'\n") == {"a": ["b", "c: d"]}
    path.write_text("submission_1:\n  :submitters:\n\t- :name: x\n")
    with pytest.raises(InvalidRequest, match="line 3: a tab in the indentation"):
        read_metadata(path)


# ------------------------------------------------------------------ layouts
@pytest.mark.parametrize("name, layout, claims, late, order", [
    ("doejane_12345_90001_coalescing.ipynb", "canvas", (("canvas_id", "12345"),), False,
     (0, 90001)),
    ("smithbo_LATE_12346_90005_coalescing-2.ipynb", "canvas", (("canvas_id", "12346"),),
     True, (2, 90005)),
    ("o_brien_mary_ann_555_7_My_Notebook.ipynb", "canvas", (("canvas_id", "555"),), False,
     (0, 7)),
    ("Jane Doe_301_assignsubmission_file_coalescing.ipynb", "moodle",
     (("moodle_id", "301"), ("name", "Jane Doe")), False, ()),
    ("jdoe.ipynb", "file", (("student_id", "jdoe"),), False, ()),
    ("j.doe@uni.edu.ipynb", "file", (("student_id", "j.doe@uni.edu"),
                                     ("email", "j.doe@uni.edu")), False, ()),
])
def test_file_names_are_recognised_by_layout(tmp_path, name, layout, claims, late, order):
    found = identify(tmp_path / name, tmp_path, name, NAME)
    assert (found.layout, found.claims, found.late, found.order, found.skip) == (
        layout, claims, late, order, None)


def test_anonymous_canvas_files_and_moodle_blind_marking_say_what_they_hide(tmp_path):
    anon = identify(tmp_path / "x_anon_Xy12z_900_coalescing.ipynb", tmp_path, "a", NAME)
    assert anon.skip.startswith("Canvas's anonymous grading hides")
    blind = identify(tmp_path / "Participant 8_8_assignsubmission_file_c.ipynb", tmp_path,
                     "b", NAME)
    assert blind.claims == (("moodle_id", "8"),)


def test_the_outermost_folder_decides_so_a_student_cannot_name_a_file_as_someone_else(
        tmp_path):
    inside = "Bo Smith_302_assignsubmission_file_/doejane_12345_1_coalescing.ipynb"
    write(tmp_path, {inside: tiny("jdoe")})
    found = identify(tmp_path / inside, tmp_path, inside, NAME)
    assert found.layout == "moodle" and found.claims[0] == ("moodle_id", "302")


def test_an_lms_download_without_a_roster_is_refused_naming_the_fix(tmp_path):
    folder = write(tmp_path / "canvas", CANVAS)
    with pytest.raises(InvalidRequest, match="Canvas download.*give the roster.*--roster"):
        find_submissions(NAME, [folder])


# ------------------------------------------------------------------ the roster match
def _collect(paths, roster=ROSTER):
    warnings: list[str] = []
    submissions, report = collect(NAME, paths, roster, warnings.append)
    return {s.student: s for s in submissions}, report, warnings


@pytest.mark.parametrize("layout, files, graded", [
    ("canvas", CANVAS, {"jdoe": "doejane_12345_90001_coalescing.ipynb",
                        "bsmith": "smithbo_LATE_12346_90005_coalescing-1.ipynb",
                        "carol": "kingcarol_12347_90003_coalescing.ipynb"}),
    ("moodle", MOODLE, {"jdoe": "Jane Doe_301_assignsubmission_file_/coalescing.ipynb",
                        "bsmith": "Bo Smith_302_assignsubmission_file_/coalescing.ipynb",
                        "carol": "Carol King_777_assignsubmission_file/coalescing.ipynb"}),
    ("gradescope", GRADESCOPE, {"jdoe": "submission_5001/coalescing.ipynb",
                                "bsmith": "submission_5002/coalescing.ipynb",
                                "carol": "submission_5003/coalescing.ipynb"}),
])
@pytest.mark.parametrize("as_zip", [False, True])
def test_every_layout_maps_the_class_and_reports_what_does_not_fit(tmp_path, layout, files,
                                                                   graded, as_zip):
    folder = write(tmp_path / layout, files)
    given = zipped(folder, tmp_path / f"{layout}.zip") if as_zip else folder
    submissions, report, _ = _collect([given])
    assert {s: Path(str(sub.path)).relative_to(given).as_posix()
            for s, sub in submissions.items()} == graded
    unknown = {"canvas": "mallory_99999_90004_coalescing.ipynb",
               "moodle": "Mallory Moe_999_assignsubmission_file_/coalescing.ipynb",
               "gradescope": "submission_5004/coalescing.ipynb"}[layout]
    assert [shown.split(str(given) + "/")[1] for shown, _ in report.unmatched] == [unknown]
    assert "Mallory" in report.unmatched[0][1] or "99999" in report.unmatched[0][1]
    assert "the notebook says student='jdoe'" in report.unmatched[0][1]
    assert [(student, len(others)) for student, _, others in report.duplicates] == [
        ("bsmith", 1)]
    assert [(student, declared) for student, _, declared in report.mismatched] == [
        ("carol", "jdoe")]
    assert report.late == (("bsmith",) if layout == "canvas" else ())
    if layout == "canvas":
        assert submissions["bsmith"].notes == ("handed in late (Canvas marks it late)",)
    assert report.sources["carol"].flags == ("id mismatch",)
    lines = report.lines()
    assert lines[0].startswith("roster: 4 students, 3 matched to a notebook")
    assert any(line.startswith("  id mismatch: carol:") and "graded as carol" in line
               for line in lines)


def test_moodle_names_match_loosely_but_two_students_of_one_name_match_nobody(tmp_path):
    assert name_key("Doe, Jane") == name_key("jane  DOE") == name_key("Jäne Doe")
    twins = [*ROSTER, RosterEntry("carol2", "Carol King")]
    folder = write(tmp_path / "m", {"Carol King_777_assignsubmission_file_/x.ipynb":
                                    tiny("carol")})
    submissions, report, _ = _collect([folder], twins)
    assert submissions == {}
    assert "2 roster rows have the name 'Carol King'" in report.unmatched[0][1]


def test_files_named_by_student_ids_need_the_id_in_the_roster(tmp_path):
    folder = write(tmp_path / "f", {"jdoe.ipynb": tiny("jdoe"), "BS@uni.edu.ipynb": tiny("x"),
                                    "stranger.ipynb": tiny("your-id")})
    submissions, report, _ = _collect([folder])
    assert sorted(submissions) == ["bsmith", "jdoe"]  # bsmith by email, case aside
    assert report.unmatched[0][1].startswith("the file name 'stranger' is in no roster row's")
    assert report.mismatched == (("bsmith", str(folder / "BS@uni.edu.ipynb"), "x"),)


def test_a_gradescope_group_is_graded_for_the_member_whose_questions_it_answers(tmp_path):
    meta = ("submission_7:\n  :submitters:\n  - :name: Jane Doe\n    :sid: S1\n"
            "  - :name: Bo Smith\n    :sid: S2\n")
    folder = write(tmp_path / "g", {"submission_metadata.yml": meta.encode(),
                                    "submission_7/a.ipynb": tiny("bsmith")})
    submissions, report, _ = _collect([folder])
    assert list(submissions) == ["bsmith"] and report.mismatched == ()


def test_the_report_survives_the_gradebook_and_fills_in_who_is_missing(tmp_path):
    folder = write(tmp_path / "canvas", CANVAS)
    submissions, report, _ = _collect([folder])
    with Gradebook(tmp_path / "g.sqlite") as book:
        for submission in submissions.values():
            book.record(_result(submission.student, submission.file_hash, 3))
        closed = close_report(book, NAME, report, list(submissions.values()))
        assert closed.missing == ("dave",)
        assert RosterReport.from_json(book.report(NAME)) == closed
        assert json.loads(book.sources(NAME)["bsmith"])["lms_name"] == \
            "smithbo_LATE_12346_90005"
        book.export_csv(NAME, tmp_path / "g.csv", ["q1"], **csv_extras(closed, "course:abc"))
    rows = {row["student_id"]: row for row in
            csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8"))}
    assert list(rows) == ["bsmith", "carol", "dave", "jdoe"]
    assert (rows["dave"]["score"], rows["dave"]["status"], rows["dave"]["mode"]) == (
        "0", "missing", "course")
    assert rows["bsmith"]["status"] == "duplicate; late"
    assert rows["carol"]["status"] == "id mismatch" and rows["jdoe"]["status"] == ""
    assert closed.lines()[-1] == "  missing (0 points in the CSV): dave"


def _result(student: str, file_hash: str, score: float) -> Result:
    question = QuestionResult("q1", 3, score, score / 3, "ok")
    return Result(student, NAME, f"{student}.ipynb", score, 3, (question,),
                  file_hash=file_hash, mode="course:abc")


def test_no_roster_keeps_todays_csv_columns(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(_result("ann", "a" * 64, 1))
        book.export_csv(NAME, tmp_path / "g.csv", ["q1"])
    header = next(csv.reader(io.StringIO((tmp_path / "g.csv").read_text())))
    assert header == ["student_id", "assignment", "score", "max_score", "q1", "mode"]


# ------------------------------------------------------------------ one class, every layout
COURSE_ROSTER = ("student_id,name,email,canvas_id,sis_id,moodle_id,gradescope_sid\n"
                 "jdoe,Jane Doe,jdoe@uni.edu,12345,S1,301,S1\n"
                 "bsmith,Bo Smith,bs@uni.edu,12346,S2,302,S2\n"
                 "carol,Carol King,ck@uni.edu,12347,S3,,S3\n"
                 "dave,Dave Null,dn@uni.edu,12348,S4,304,S4\n")


@pytest.fixture(scope="module")
def lms_class(tmp_path_factory):
    """A course of four and the notebooks three of them hand in, laid out by every LMS."""
    from buddy_edu.exercises import answer_key
    base = tmp_path_factory.mktemp("lms")
    course, released = released_course(base / "course", COURSE_ROSTER, NAME)
    secret = course.secret()
    key = {s: answer_key(NAME, s, secret) for s in ("jdoe", "bsmith", "carol")}
    half = dict(list(key["bsmith"].items())[:3])
    notebooks = {
        "jdoe": handed_in(released, "jdoe", key["jdoe"]),
        "bsmith": handed_in(released, "bsmith", key["bsmith"]),
        "bsmith-first": handed_in(released, "bsmith", half),
        "carol": handed_in(released, "jdoe", key["jdoe"]),  # carol hands in jdoe's work
        "mallory": handed_in(released, "jdoe", key["jdoe"]),
    }
    layouts = {
        "canvas": {
            "doejane_12345_90001_coalescing.ipynb": notebooks["jdoe"],
            "smithbo_LATE_12346_90002_coalescing.ipynb": notebooks["bsmith-first"],
            "smithbo_LATE_12346_90005_coalescing-1.ipynb": notebooks["bsmith"],
            "kingcarol_12347_90003_coalescing.ipynb": notebooks["carol"],
            "mallory_99999_90004_coalescing.ipynb": notebooks["mallory"],
        },
        "moodle": {
            "Jane Doe_301_assignsubmission_file_/coalescing.ipynb": notebooks["jdoe"],
            "Bo Smith_302_assignsubmission_file_/coalescing.ipynb": notebooks["bsmith"],
            "Bo Smith_302_assignsubmission_file_/first try.ipynb": notebooks["bsmith-first"],
            "Carol King_777_assignsubmission_file_/coalescing.ipynb": notebooks["carol"],
            "Mallory Moe_999_assignsubmission_file_/coalescing.ipynb": notebooks["mallory"],
        },
        "moodle-flat": {
            "Jane Doe_301_assignsubmission_file_coalescing.ipynb": notebooks["jdoe"],
            "Bo Smith_302_assignsubmission_file_coalescing.ipynb": notebooks["bsmith"],
            "Bo Smith_302_assignsubmission_file_first try.ipynb": notebooks["bsmith-first"],
            "Carol King_777_assignsubmission_file_coalescing.ipynb": notebooks["carol"],
            "Mallory Moe_999_assignsubmission_file_coalescing.ipynb": notebooks["mallory"],
        },
        "gradescope": {
            "submission_metadata.yml": GRADESCOPE_META.encode(),
            "submission_5001/coalescing.ipynb": notebooks["jdoe"],
            "submission_5002/coalescing.ipynb": notebooks["bsmith"],
            "submission_5002/drafts/first.ipynb": notebooks["bsmith-first"],
            "submission_5003/coalescing.ipynb": notebooks["carol"],
            "submission_5004/coalescing.ipynb": notebooks["mallory"],
        },
    }
    downloads = {}
    for layout, files in layouts.items():
        folder = write(base / layout, files)
        downloads[layout] = folder
        downloads[f"{layout}.zip"] = zipped(folder, base / f"{layout}.zip")
    return types_namespace(base=base, course=course, key=key, downloads=downloads)


def types_namespace(**values):
    import types

    return types.SimpleNamespace(**values)


@pytest.fixture(scope="module")
def graded(lms_class):
    """Every download graded on its own (own gradebook, so nothing is reused)."""
    from buddy_edu.grading import grade

    done = {}
    for name in ("canvas.zip", "canvas", "moodle", "moodle-flat.zip", "gradescope.zip"):
        out = lms_class.base / f"grades-{name}.csv"
        progress = io.StringIO()
        results = grade(NAME, [lms_class.downloads[name]], out=out, sandbox=False, jobs=2,
                        timeout=60, cell_timeout=10, course=lms_class.course,
                        progress=progress)
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        done[name] = types_namespace(results={r.student: r for r in results},
                                     report=results.report, rows=rows,
                                     progress=progress.getvalue())
    return done


@pytest.mark.kernel
def test_one_class_grades_the_same_through_every_lms_as_folder_or_zip(lms_class, graded):

    full = ASSIGNMENTS[NAME].max_score
    scores = {name: {s: r.score for s, r in run.results.items()} for name, run in graded.items()}
    first = scores["canvas.zip"]
    assert all(table == first for table in scores.values()), scores
    assert sorted(first) == ["bsmith", "carol", "jdoe"]
    assert first["jdoe"] == first["bsmith"] == full  # bsmith's later, complete file counts
    assert first["carol"] < full  # jdoe's answers checked against carol's questions
    for run in graded.values():
        assert run.report.missing == ("dave",)
        assert [student for student, _, _ in run.report.duplicates] == ["bsmith"]
        assert [(s, d) for s, _, d in run.report.mismatched] == [("carol", "jdoe")]
        assert len(run.report.unmatched) == 1
        assert any("the notebook starts the variant of 'jdoe'" in note
                   for note in run.results["carol"].notes)


@pytest.mark.kernel
def test_the_csv_says_missing_late_duplicate_and_mismatch(graded):
    rows = {row["student_id"]: row for row in graded["canvas.zip"].rows}
    assert list(rows) == ["bsmith", "carol", "dave", "jdoe"]
    assert (rows["dave"]["score"], rows["dave"]["status"]) == ("0", "missing")
    assert rows["bsmith"]["status"] == "duplicate; late"
    assert rows["carol"]["status"] == "id mismatch"
    assert {row["mode"] for row in rows.values()} == {"course"}
    assert "late" not in {row["status"] for row in graded["gradescope.zip"].rows}
    assert "handed in late (Canvas marks it late)" in graded["canvas"].results["bsmith"].notes


@pytest.mark.kernel
def test_buddy_edu_grade_prints_the_report_block(lms_class, capsys, tmp_path):
    from buddy_edu.cli import main

    status = main(["grade", NAME, str(lms_class.downloads["canvas.zip"]), "--course",
                   str(lms_class.course.root), "--no-sandbox", "--out",
                   str(tmp_path / "g.csv"), "--jobs", "2", "--timeout", "60"])
    out = capsys.readouterr().out
    assert status == 0, out
    block = [line for line in out.splitlines() if line.startswith(("roster:", "  "))]
    assert block[0] == ("roster: 4 students, 3 matched to a notebook, 1 missing, "
                        "1 notebook matched to nobody")
    zip_name = str(lms_class.downloads["canvas.zip"])
    assert block[1] == (
        f"  not graded: {zip_name}/mallory_99999_90004_coalescing.ipynb: Canvas user 99999 "
        "(mallory) is in no roster row's canvas_id: add it to that student's row of the "
        "roster; the notebook says student='jdoe'")
    assert block[2] == (f"  two notebooks: bsmith: graded {zip_name}/smithbo_LATE_12346_90005_"
                        f"coalescing-1.ipynb (not {zip_name}/smithbo_LATE_12346_90002_"
                        "coalescing.ipynb)")
    assert block[3].startswith("  id mismatch: carol: ") and "says student='jdoe'" in block[3]
    assert block[4].startswith("  late: bsmith: ")
    assert block[5] == "  missing (0 points in the CSV): dave"


# ------------------------------------------------------------------ exports
def _graded_book(tmp_path: Path, layout: str, files: dict) -> Path:
    """A gradebook as a batch of this download leaves it (fake scores, real sources)."""
    folder = write(tmp_path / layout, files)
    submissions, report, _ = _collect([folder])
    book_path = tmp_path / f"{layout}.sqlite"
    with Gradebook(book_path) as book:
        for number, submission in enumerate(sorted(submissions.values(),
                                                   key=lambda s: s.student)):
            book.record(_result(submission.student, submission.file_hash, 1 + number))
        close_report(book, NAME, report, list(submissions.values()))
    return book_path


def _moodle_import_reads(entry: str) -> str | None:
    """The participant id Moodle's feedback importer reads from a zip entry's path
    (assignfeedback_file_zip_importer::is_valid_filename_for_import, Moodle 4.1+)."""
    for part in entry.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit() and (info[2], info[3]) == (
                "assignsubmission", "file"):
            return info[1]
    return None


def test_canvas_and_moodle_grade_csvs_have_the_columns_they_import(tmp_path):
    from buddy_edu.grading.lms.exports import export

    roster = [*ROSTER, RosterEntry("erin", "Erin Noid")]  # no LMS id, no email
    book = _graded_book(tmp_path, "canvas", CANVAS)
    done = export("canvas", book, NAME, roster, tmp_path / "canvas.csv")
    rows = list(csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", NAME]
    assert rows[1] == ["Points Possible", "", "", "", "", str(ASSIGNMENTS[NAME].max_score)]
    assert rows[2:] == [["Jane Doe", "12345", "S1", "", "", "3"],
                        ["Bo Smith", "12346", "S2", "", "", "1"],
                        ["Carol King", "12347", "S3", "", "", "2"],
                        ["Dave Null", "12348", "S4", "", "", "0"]]
    assert done.written == 4 and done.left_out[0][0] == "erin"
    export("moodle", book, NAME, roster, tmp_path / "moodle.csv", column="Coalescing (real)")
    rows = list(csv.reader((tmp_path / "moodle.csv").open(encoding="utf-8")))
    assert rows[0] == ["Email address", "ID number", "Full name", "Coalescing (real)"]
    assert rows[1] == ["jdoe@uni.edu", "S1", "Jane Doe", "3"] and rows[-1][-1] == "0"
    assert len(rows) == 5


@pytest.mark.parametrize("files", [MOODLE, {
    "Jane Doe_301_assignsubmission_file_coalescing.ipynb": tiny("jdoe"),
    "Bo Smith_302_assignsubmission_file_coalescing.ipynb": tiny("bsmith")}])
def test_the_moodle_feedback_zip_uses_the_downloads_own_folder_names(tmp_path, files):
    from buddy_edu.grading.lms.exports import export

    book = _graded_book(tmp_path, "moodle", files)
    done = export("moodle-feedback", book, NAME, ROSTER, tmp_path / "feedback.zip")
    with zipfile.ZipFile(tmp_path / "feedback.zip") as archive:
        names = archive.namelist()
        page = archive.read(names[0]).decode()
    folders = {name.rsplit("/", 1)[0] for name in names}
    downloaded = {name.split("/")[0] if "/" in name else name[:-len("coalescing.ipynb")]
                  for name in files}
    assert folders <= downloaded and len(folders) == len(names) == done.written
    assert {_moodle_import_reads(name) for name in names} <= {"301", "302", "777"}
    assert all(name.endswith(f"/{NAME}-feedback.html") for name in names)
    assert "feedback for" in page and "dave" in dict(done.left_out)


def test_the_canvas_feedback_zip_names_each_page_for_canvas_to_attach(tmp_path):
    from buddy_edu.grading.lms.exports import export

    book = _graded_book(tmp_path, "canvas", CANVAS)
    export("canvas-feedback", book, NAME, ROSTER, tmp_path / "feedback.zip")
    with zipfile.ZipFile(tmp_path / "feedback.zip") as archive:
        names = sorted(archive.namelist())
    # Canvas reads the user and attachment ids as the first two all-digit '_' fields.
    ids = [[part for part in name.split("_") if part.isdigit()][:2] for name in names]
    assert ids == [["12345", "90001"], ["12347", "90003"], ["12346", "90005"]]


def test_exports_check_their_inputs_before_writing(tmp_path):
    from buddy_edu.grading.lms.exports import export

    with pytest.raises(InvalidRequest, match="there is no gradebook .*grade first"):
        export("canvas", tmp_path / "none.sqlite", NAME, ROSTER, tmp_path / "c.csv")
    with Gradebook(tmp_path / "empty.sqlite"):
        pass
    with pytest.raises(InvalidRequest, match="holds no grade of 'coalescing'"):
        export("canvas", tmp_path / "empty.sqlite", NAME, ROSTER, tmp_path / "c.csv")
    with pytest.raises(InvalidRequest, match="unknown export 'blackboard'"):
        export("blackboard", tmp_path / "empty.sqlite", NAME, ROSTER, tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()


def test_buddy_edu_export_writes_and_names_who_was_left_out(tmp_path, capsys, monkeypatch):
    from buddy_edu.cli import main

    book = _graded_book(tmp_path, "canvas", CANVAS)
    roster = tmp_path / "roster.csv"
    roster.write_text(COURSE_ROSTER + "erin,Erin Noid,,,,,\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status = main(["export", "canvas", NAME, "--gradebook", str(book), "--roster", str(roster)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.splitlines()[0].startswith(f"wrote the grades of 4 students to canvas-{NAME}.csv")
    assert "  left out erin: no canvas_id or sis_id in the roster" in out
    assert (tmp_path / f"canvas-{NAME}.csv").is_file()
    status = main(["export", "moodle", NAME, "--gradebook", str(book)])
    assert status == 2 and "an LMS file is made for a roster" in capsys.readouterr().err
