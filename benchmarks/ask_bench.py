"""Ask the question set (ask_questions.json, beside this script) over sample_docs/; print retrieval figures.

    python benchmarks/ask_bench.py --local --rounds 1 --no-summaries      # the embedded llama-server
    python benchmarks/ask_bench.py --endpoint http://gpu-box:8000/v1 --thinking yes   # vLLM + Qwen3

Each document is taken from the library (or indexed and filed there first). Per question and in total:
- hit: the nodes read include a page (Markdown: a line) that holds the answer;
- precision: of the pages the citations name, the share that hold the answer (Markdown: of the citations,
  those whose lines hold it);
- verified: citations the engine verified (page read, quote found on it), of all citations;
- calls, prompt+completion tokens, seconds.
Replies are not cached, so every figure is paid for (pass --cache to reuse them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from pageindex_tui.ask import Asker, AskOptions, AskResult, load_entry
from pageindex_tui.cli.common import maybe_local_server
from pageindex_tui.cli.parsers import add_server_flags, flag_values
from pageindex_tui.jobs.filing import ensure_indexed
from pageindex_tui.safe_text import one_line
from pageindex_tui.settings import Settings
from pageindex_tui.settings.file import load_settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import Library

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Question:
    doc: str
    question: str
    pages: tuple[int, ...]
    answer: str


@dataclass(frozen=True)
class Score:
    hit: bool
    cited: int  # pages named by citations
    cited_right: int  # of those, pages that hold the answer
    citations: int
    verified: int


def load_questions(path: Path) -> list[Question]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Question(q["doc"], q["question"], tuple(q["pages"]), q.get("answer", "")) for q in data["questions"]
    ]


def score(question: Question, result: AskResult, unit: str) -> Score:
    wanted = set(question.pages)
    hit = any(wanted & set(read.pages) for read in result.nodes_read)
    if unit == "line":  # a Markdown citation names a section's lines: it is right when they hold the answer
        spans = [range(min(c.pages), max(c.pages) + 1) for c in result.citations if c.pages]
        cited, right = len(spans), sum(1 for span in spans if wanted & set(span))
    else:
        pages = [p for c in result.citations for p in c.pages]
        cited, right = len(pages), sum(1 for p in pages if p in wanted)
    return Score(hit, cited, right, len(result.citations), result.verified)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


async def run(args: argparse.Namespace, settings: Settings) -> int:
    questions = load_questions(args.questions)[: args.limit or None]
    library = Library()
    index_settings = settings.with_values("ask_bench", if_add_node_summary=not args.no_summaries)
    cache = ResponseCache(enabled=settings.cache)
    docs = {}
    for name in dict.fromkeys(q.doc for q in questions):
        path = args.docs / name
        filed = await ensure_indexed(path, index_settings, library, cache=cache)
        docs[name] = load_entry(filed.entry)
        print(
            f"{'reused ' if filed.reused else 'indexed'} {name}: {sum(1 for _ in docs[name].nodes())} nodes"
        )
    print()
    header = f"{'#':>2} {'doc':<12} {'hit':<4} {'prec':>6} {'verif':>6} {'calls':>5} {'tokens':>12} {'s':>7}"
    print(header + "  question")
    totals = {"hit": 0, "cited": 0, "right": 0, "citations": 0, "verified": 0, "calls": 0}
    tokens = [0, 0]
    seconds = 0.0
    failed = 0
    options = AskOptions(max_rounds=args.rounds)
    async with Asker(settings, cache=cache, options=options) as asker:
        for number, question in enumerate(questions, start=1):
            try:
                result = await asker.ask([docs[question.doc]], question.question, run=f"q{number}")
            except Exception as err:  # a server error costs this question, not the run
                failed += 1
                print(f"{number:>2} {question.doc[:12]:<12} FAILED: {one_line(str(err), 100)}")
                continue
            got = score(question, result, docs[question.doc].unit)
            totals["hit"] += got.hit
            totals["cited"] += got.cited
            totals["right"] += got.cited_right
            totals["citations"] += got.citations
            totals["verified"] += got.verified
            totals["calls"] += result.calls
            tokens[0] += result.prompt_tokens
            tokens[1] += result.completion_tokens
            seconds += result.seconds
            print(
                f"{number:>2} {question.doc[:12]:<12} {'yes' if got.hit else 'no':<4} "
                f"{_pct(got.cited_right, got.cited):>6} {got.verified:>2}/{got.citations:<3} "
                f"{result.calls:>5} "
                f"{result.prompt_tokens:>6}+{result.completion_tokens:<5} {result.seconds:>7.1f}  "
                f"{one_line(question.question, 60)}"
            )
            if args.verbose:
                print(f"   answer: {one_line(result.answer, 200)}")
    asked = len(questions) - failed
    print()
    print(
        f"total: {asked} asked, {failed} failed; retrieval hit rate {totals['hit']}/{asked} "
        f"({_pct(totals['hit'], asked).strip()}); citation precision "
        f"{totals['right']}/{totals['cited']} cited pages "
        f"({_pct(totals['right'], totals['cited']).strip()}); verified citations "
        f"{totals['verified']}/{totals['citations']}; {totals['calls']} calls, "
        f"{tokens[0]}+{tokens[1]} tokens, {seconds:.1f} s"
    )
    return 0 if not failed else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=Path, default=HERE / "ask_questions.json")
    parser.add_argument("--docs", type=Path, default=ROOT / "sample_docs", help="where the documents are")
    parser.add_argument("--rounds", type=int, default=2, help="reading rounds at most (default 2)")
    parser.add_argument("--no-summaries", action="store_true", help="index without node summaries")
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions")
    parser.add_argument("--cache", action="store_true", help="reuse cached model replies")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each answer")
    add_server_flags(parser)
    args = parser.parse_args()
    flags = flag_values(args) | {"cache": args.cache}
    settings = load_settings(flags)
    with maybe_local_server(args, settings) as (local, _server):
        return asyncio.run(run(args, local))


if __name__ == "__main__":
    sys.exit(main())
