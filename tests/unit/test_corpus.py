"""The benchmark corpus's selection rule, split rule and list handling (benchmarks/corpus.py)."""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import corpus  # noqa: E402
import corpus_rule  # noqa: E402
import pdfgen  # noqa: E402

PAGE = (
    "2.1 Data\nData are collected from three sources.\nRetrieval Augmented Generaton for\n"
    "Large Language Models\n"
)


def test_a_title_is_found_with_its_numbering_set_aside() -> None:
    assert corpus_rule.title_found("Data", PAGE)
    assert corpus_rule.title_found("2.1 Data", PAGE)


def test_a_title_is_found_over_wrapped_lines_and_small_differences() -> None:
    assert corpus_rule.title_found("Retrieval-Augmented Generation for Large Language Models", PAGE)


def test_a_short_title_must_be_a_whole_line() -> None:
    assert not corpus_rule.title_found("Data are", "Many data are here\n")
    assert not corpus_rule.title_found("Results", PAGE)


def test_a_generated_outline_passes(tmp_path: Path) -> None:
    vetting = corpus_rule.vet(pdfgen.make_outline_pdf(tmp_path).read_bytes())
    assert len(vetting.outline) == len(pdfgen.OUTLINE_SECTIONS)
    assert vetting.share == 1.0 and vetting.shifted == 0
    assert vetting.passes


def test_an_outline_a_page_early_fails(tmp_path: Path) -> None:
    source = pdfgen.make_outline_pdf(tmp_path)
    writer = PdfWriter(clone_from=source)
    writer._root_object.pop("/Outlines", None)
    for title, _level, page, _last in pdfgen.OUTLINE_SECTIONS:
        writer.add_outline_item(
            title=title, page_number=max(page - 2, 0)
        )  # one page before (0-based page - 1)
    target = tmp_path / "early.pdf"
    with target.open("wb") as out:
        writer.write(out)
    assert len(PdfReader(target).outline) == len(pdfgen.OUTLINE_SECTIONS)
    vetting = corpus_rule.vet(target.read_bytes())
    assert vetting.shifted_share > corpus_rule.MAX_SHIFTED
    assert not vetting.passes


def _entry(kind: str, n: int) -> corpus.Entry:
    return corpus.Entry("o/r", "0" * 40, f"{kind}-{n}.pdf", kind, "", f"{kind}{n:062d}", 10, 5)


def test_the_split_is_stratified_balanced_and_independent_of_order() -> None:
    entries = [
        _entry(k, i)
        for k, n in (("manual", 5), ("paper-1col", 3), ("book", 1), ("thesis", 2))
        for i in range(n)
    ]
    split = corpus.assign_splits(entries)
    shuffled = entries[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(map(asdict, corpus.assign_splits(shuffled)), key=str) == sorted(map(asdict, split), key=str)
    halves = [sum(e.split == s for e in split) for s in corpus.SPLITS]
    assert abs(halves[0] - halves[1]) <= 1
    for kind in {e.kind for e in entries}:
        per_kind = [sum(e.split == s and e.kind == kind for e in split) for s in corpus.SPLITS]
        assert abs(per_kind[0] - per_kind[1]) <= 1


def test_missing_documents_name_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(corpus.CorpusError, match=r"corpus\.py build"):
        corpus.documents("dev", cache=tmp_path)


def test_a_list_naming_a_file_twice_is_refused(tmp_path: Path) -> None:
    row = asdict(_entry("manual", 1))
    listing = tmp_path / "corpus.json"
    listing.write_text(json.dumps([row, row]), encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="twice"):
        corpus.load(listing)


def test_a_list_naming_one_pdf_at_two_places_is_refused(tmp_path: Path) -> None:
    row = asdict(_entry("manual", 1))
    listing = tmp_path / "corpus.json"
    listing.write_text(json.dumps([row, {**row, "repo": "o/copy"}]), encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="sha256"):
        corpus.load(listing)


def test_names_are_stems_unless_two_files_share_one() -> None:
    a = corpus.Entry("o/first", "0" * 40, "x/notes.pdf", "book", "dev", "a" * 64, 1, 5)
    b = corpus.Entry("o/second", "0" * 40, "notes.pdf", "book", "check", "b" * 64, 1, 5)
    c = corpus.Entry("o/second", "0" * 40, "guide.pdf", "book", "check", "c" * 64, 1, 5)
    d = corpus.Entry("me/notes", "0" * 40, "notes.pdf", "book", "check", "d" * 64, 1, 5)
    assert corpus.names([a, b, c, d]) == {a: "first.notes", b: "second.notes", c: "guide", d: "me.notes"}
