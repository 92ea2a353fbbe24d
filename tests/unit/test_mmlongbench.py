"""MMLongBench-Doc's samples read and scored (benchmarks/mmlongbench.py), on a made-up samples file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import mmlongbench  # noqa: E402

from pageindex_tui.ask import AskResult  # noqa: E402
from pageindex_tui.events import NodeRead  # noqa: E402


def sample(doc: str, pages: str, sources: str, question: str = "What is it?") -> dict[str, str]:
    return {
        "doc_id": doc,
        "doc_type": "Research report",
        "question": question,
        "answer": "It.",
        "evidence_pages": pages,
        "evidence_sources": sources,
        "answer_format": "Str",
    }


SAMPLES = [
    sample("a.pdf", "[5]", "['Chart']"),
    sample("a.pdf", "[3, 2, 3]", "['Pure-text (Plain-text)']", " Which year? "),
    sample("b.pdf", "[]", "[]"),  # not answerable: no evidence
    sample("b.pdf", "[4]", "['Pure-text (Plain-text)', 'Table']"),  # a table too: not text-only
    sample("b.pdf", "[0]", "['Pure-text (Plain-text)']"),  # no page to score by
    sample("c.pdf", "[7]", "['Generalized-text (Layout)']"),
    sample("c.pdf", "[1]", "['Pure-text (Plain-text)']"),
]


def test_only_text_questions_with_evidence_pages_are_kept(tmp_path):
    (tmp_path / "samples.json").write_text(json.dumps(SAMPLES))
    got = mmlongbench.load_questions(tmp_path)
    assert [(q.number, q.doc, q.pages) for q in got] == [(2, "a.pdf", (2, 3)), (7, "c.pdf", (1,))]
    assert got[0].question == "Which year?"


def test_a_broken_sample_is_named():
    with pytest.raises(mmlongbench.BenchError, match="sample 1: evidence_pages is not a list"):
        mmlongbench.text_questions([sample("a.pdf", "[5", "['Pure-text (Plain-text)']")])
    with pytest.raises(mmlongbench.BenchError, match="sample 2 has no field 'question'"):
        mmlongbench.text_questions([SAMPLES[0], {"doc_id": "a.pdf"}])


def result(documents: list[str], reads: list[tuple[str, tuple[int, ...]]]) -> AskResult:
    nodes = [NodeRead(doc, f"{n:04d}", "A section", pages, 1) for n, (doc, pages) in enumerate(reads)]
    return AskResult("What is it?", "", [], nodes, documents)


def test_routing_and_reading_are_scored_against_the_evidence():
    question = mmlongbench.Question(2, "a.pdf", "Which year?", (2, 3), "It.")
    candidates = ["b.pdf", "c.pdf", "a.pdf"]
    hit = mmlongbench.score(question, candidates, result(["b.pdf", "a.pdf"], [("a.pdf", (3, 4))]))
    assert hit == mmlongbench.Score(rank=3, routed=True, page_read=True)
    # the right pages of another document are no evidence; routed without reading an evidence page
    miss = mmlongbench.score(
        question, candidates, result(["a.pdf", "b.pdf"], [("b.pdf", (2,)), ("a.pdf", (9,))])
    )
    assert miss == mmlongbench.Score(rank=3, routed=True, page_read=False)
    # not found by the search nor chosen
    assert mmlongbench.score(question, ["c.pdf"], result(["c.pdf"], [])) == mmlongbench.Score(
        None, False, False
    )
    # no model: routed means among the search's first MAX_DOCUMENTS; nothing is read
    first = mmlongbench.score(question, ["a.pdf"], None)
    late = mmlongbench.score(question, [f"{n}.pdf" for n in range(10)] + ["a.pdf"], None)
    assert first == mmlongbench.Score(1, True, None) and late == mmlongbench.Score(11, False, None)


def test_a_quick_run_spreads_its_questions_over_the_set():
    questions = [mmlongbench.Question(n, f"{n // 10}.pdf", "Q?", (1,), "") for n in range(1, 31)]
    assert [q.number for q in mmlongbench.spread(questions, 3)] == [1, 11, 21]
    assert mmlongbench.spread(questions, 0) == questions and mmlongbench.spread(questions, 99) == questions
