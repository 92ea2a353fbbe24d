"""The library search index at scale: synthetic libraries (10 to 10,000 documents of 50 nodes, about 60
pages each), titles, summaries and page text drawn from a Zipf-distributed vocabulary (so common words
are common), filed as the library files them; page text goes in through the same `passages` hook the
front ends use. Planted facts: one sentence each on a known page of a known document, made of words
from the vocabulary's rarer part (found in other rows too) and "reached"; its question asks for it in
other words ("What <attribute> did the <subject> of <name> reach?"), and the fact is in no title or
summary, only in the page text.

Prints per size: the time to build the index from the library, its size on disk, search latency (wall
and CPU time of this process, p50/p95, the per-search sync with the library included; the machine's
load average beside it, since wall time on shared cores is mostly waiting), how often a question's
answer document is among the top 5 documents the routing hands on (`documents`, as `ask --library`
asks for 12), how often a search hit names its document and page, and how often a node's title finds
its document (top 3, top 5).

With `--asks N` (default 5), N planted-fact questions are also asked of the library as `ask --library`
asks them (`LibraryScope` over this search, `Asker`), through the protocol-faithful fake vLLM server
(tests/fakes) scripted to choose the first candidate document and the first node offered: printed per size
are the prompt tokens (as the fake counts them) and calls a question costs, and the prompt tokens against
the first size's (issue 23's goal: within 1.5x at 10,000 documents). The synthetic trees have no source
file, so no page is read: the figures are the routing and picking a question costs, which is what grows
with a library.

With `--keep DIR` each library is built in DIR (one folder per size, query count and page words) and
kept; a later run with the same arguments reuses it (the same seeds give the same documents, facts and
queries) and times the searches only: its build time is not printed.

    python benchmarks/search_bench.py [--sizes 10 100 1000 10000] [--queries 200] [--page-words 30]
                                      [--asks 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fake vLLM server

from fakes import FakeVLLM, Script  # noqa: E402

from pageindex_tui.ask import Asker, LibraryScope  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.store.library import ENTRY_FILE, Library, LibraryEntry  # noqa: E402
from pageindex_tui.store.library_search import LibrarySearch  # noqa: E402
from pageindex_tui.store.search import Passage  # noqa: E402

NODES = 50
VOCABULARY = 20_000
RARE_FROM = 2_000  # the rank from which a planted fact's words are drawn
T = TypeVar("T")


@dataclass(frozen=True)
class Fact:
    number: int  # the document
    page: int
    sentence: str
    question: str


class Words:
    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.vocab = [f"w{n}" + "".join(rng.choices(letters, k=4)) for n in range(VOCABULARY)]
        self.weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(VOCABULARY)))

    def draw(self, rng: random.Random, count: int) -> str:
        return " ".join(rng.choices(self.vocab, cum_weights=self.weights, k=count))  # cumulative: once

    def rare(self, rng: random.Random) -> str:
        return self.vocab[rng.randrange(RARE_FROM, VOCABULARY)]


def synthetic_tree(rng: random.Random, number: int, words: Words) -> dict:
    nodes, page = [], 1
    for _top in range(NODES // 5):
        children = []
        for _ in range(4):
            span = rng.randint(1, 2)
            children.append(
                {
                    "title": words.draw(rng, rng.randint(3, 6)).title(),
                    "start_index": page,
                    "end_index": page + span - 1,
                    "summary": words.draw(rng, rng.randint(20, 40)),
                }
            )
            page += span
        nodes.append(
            {
                "title": words.draw(rng, rng.randint(2, 4)).title(),
                "start_index": children[0]["start_index"],
                "end_index": page - 1,
                "summary": words.draw(rng, 25),
                "nodes": children,
            }
        )
    return {"doc_name": f"doc{number:05d}.pdf", "doc_description": words.draw(rng, 15), "structure": nodes}


def make_library(
    root: Path, size: int, words: Words, seed: int = 7, write: bool = True
) -> tuple[Library, list[dict]]:
    """The library's documents (written under `root` unless `write` is false: a kept library's trees
    drawn again from the same seed)."""
    rng = random.Random(seed)
    library = Library(root)
    trees = []
    for number in range(size):
        tree = synthetic_tree(rng, number, words)
        if not write:
            trees.append(tree)
            continue
        digest = f"{number:064x}"
        folder = root / digest / "settings0000000"
        folder.mkdir(parents=True, exist_ok=True)  # a kept library whose build was cut short
        (folder / "doc_structure.json").write_text(json.dumps(tree))
        entry = LibraryEntry(folder, digest=digest, doc_name=tree["doc_name"],
                             structure_file="doc_structure.json", run_file="doc_run.json", nodes=NODES,
                             finished_at=f"2026-01-01T00:{number % 60:02d}:00")  # fmt: skip
        (folder / ENTRY_FILE).write_text(json.dumps(entry.to_json()))
        trees.append(tree)
    return library, trees


def plant(trees: list[dict], words: Words, count: int, seed: int = 13) -> list[Fact]:
    rng = random.Random(seed)
    facts = []
    for number in rng.sample(range(len(trees)), min(count, len(trees))):
        last = trees[number]["structure"][-1]["end_index"]
        subject, attribute, name = (words.rare(rng) for _ in range(3))
        amount = rng.randrange(100, 100_000)
        facts.append(Fact(
            number, rng.randint(1, last),
            f"In that year the {attribute} of the {subject} of {name} reached {amount} units.",
            f"What {attribute} did the {subject} of {name} reach?",
        ))  # fmt: skip
    return facts


def page_text(
    words: Words, trees: list[dict], facts: list[Fact], per_page: int
) -> Callable[[LibraryEntry], list[Passage]]:
    """The `passages` hook: each document's pages drawn from its number, with its planted fact."""
    planted = {(f.number, f.page): f.sentence for f in facts}

    def passages(entry: LibraryEntry) -> list[Passage]:
        number = int(entry.digest, 16)
        rng = random.Random(number * 1_000_003 + 1)
        last = trees[number]["structure"][-1]["end_index"]
        out = []
        for page in range(1, last + 1):
            text = words.draw(rng, per_page)
            fact = planted.get((number, page))
            out.append(Passage(page, page, f"{text} {fact}" if fact else text))
        return out

    return passages


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def timed(calls: list[Callable[[], T]]) -> tuple[list[T], list[float], list[float]]:
    results: list[T] = []
    wall: list[float] = []
    cpu: list[float] = []
    for call in calls:
        began, used = time.perf_counter(), time.process_time()
        results.append(call())
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - used)
    return results, wall, cpu


def first_offered(body: dict) -> Script:
    """The scripted model: the first candidate document, the first node offered, a short answer."""
    prompt = body["messages"][-1]["content"]
    if "Which documents" in prompt:
        return Script(answer='{"documents": ["D1"]}')
    if "Which sections" in prompt:
        first = re.search(r"\[?(\d{4})\]?", prompt.split("\n", 1)[-1])
        return Script(answer=json.dumps({"nodes": [first.group(1) if first else "0000"]}))
    return Script(answer="Not found in the pages read.")


def asked(library: Library, search: LibrarySearch, facts: list[Fact]) -> tuple[float, float]:
    """Mean prompt tokens and calls a question costs, asked of the whole library through the fake."""
    tokens, calls = [], []
    with FakeVLLM(default=first_offered) as fake:
        conf = Settings(endpoint=fake.base_url, cache=False, max_retries=0)
        scope = LibraryScope.of(library, search=search)

        async def go(question: str) -> tuple[int, int]:
            async with Asker(conf) as asker:
                result = await asker.ask([], question, scope=scope)
            return result.prompt_tokens, result.calls

        for fact in facts:
            spent, made = asyncio.run(go(fact.question))
            tokens.append(spent)
            calls.append(made)
    return statistics.mean(tokens), statistics.mean(calls)


@contextmanager
def place(keep: Path | None, name: str) -> Iterator[Path]:
    """Where a library is built: a kept folder in `keep`, else a scratch one removed afterwards."""
    if keep is not None:
        yield keep / name
        return
    with tempfile.TemporaryDirectory() as scratch:
        yield Path(scratch)


def run(size: int, queries: int, per_page: int, asks: int, first: list[float], keep: Path | None) -> None:
    words = Words(7)
    with place(keep, f"{size}-documents-{queries}-queries-{per_page}-words") as scratch:
        built = scratch / "built"  # written once the kept library's index is whole
        reused = built.exists()
        library, trees = make_library(scratch / "library", size, words, write=not reused)
        facts = plant(trees, words, queries)
        search = LibrarySearch(library, page_text(words, trees, facts, per_page))
        began = time.perf_counter()
        count = size if reused else search.rebuild()
        build = time.perf_counter() - began
        if keep is not None:
            built.write_text(f"{build:.1f}\n")
        rng = random.Random(11)
        titles = []
        for _ in range(queries):
            number = rng.randrange(size)
            node = rng.choice(rng.choice(trees[number]["structure"])["nodes"])
            titles.append((number, node["title"]))
        load = os.getloadavg()[0]
        routed, route_wall, route_cpu = timed([lambda f=f: search.documents(f.question, 12) for f in facts])
        found, node_wall, node_cpu = timed([lambda f=f: search.search(f.question, 10) for f in facts])
        by_title, title_wall, title_cpu = timed([lambda t=t: search.documents(t, 12) for _, t in titles])
        _, title_node_wall, title_node_cpu = timed([lambda t=t: search.search(t, 10) for _, t in titles])
        load = max(load, os.getloadavg()[0])
        pairs = zip(facts, routed, strict=True)
        top5 = sum(f"doc{f.number:05d}.pdf" in [h.doc_name for h in got[:5]] for f, got in pairs)
        paged = sum(
            any(h.doc_name == f"doc{f.number:05d}.pdf" and h.page == f.page for h in hits)
            for f, hits in zip(facts, found, strict=True)
        )
        names = [[h.doc_name for h in hits] for hits in by_title]
        title3 = sum(f"doc{n:05d}.pdf" in got[:3] for (n, _), got in zip(titles, names, strict=True))
        title5 = sum(f"doc{n:05d}.pdf" in got[:5] for (n, _), got in zip(titles, names, strict=True))
        entries = library.entries_for(f"{0:064x}")
        began = time.perf_counter()
        search.file(entries[0])
        filing = time.perf_counter() - began
        pages = sum(t["structure"][-1]["end_index"] for t in trees)
        made = "reused" if reused else f"build {build:.1f} s"
        print(
            f"{size:>6} documents ({count * (NODES + 1)} node rows, {pages} pages of {per_page} words): "
            f"{made}, index {search.index.size() / 1e6:.1f} MB, file one {filing * 1000:.0f} ms "
            f"(load average {load:.1f} on {os.cpu_count()} cores)\n"
            f"        questions: routing (12 documents) wall {percentiles(route_wall)}, "
            f"cpu {percentiles(route_cpu)}; search (10 sections) wall {percentiles(node_wall)}, "
            f"cpu {percentiles(node_cpu)}\n"
            f"        titles:    routing (12 documents) wall {percentiles(title_wall)}, "
            f"cpu {percentiles(title_cpu)}; search (10 sections) wall {percentiles(title_node_wall)}, "
            f"cpu {percentiles(title_node_cpu)}\n"
            f"        planted facts ({len(facts)}): answer document in the top 5 {top5 / len(facts):.1%}, "
            f"a hit names its document and page {paged / len(facts):.1%}\n"
            f"        a node's title finds its document: top 3 {title3 / queries:.1%}, "
            f"top 5 {title5 / queries:.1%} ({queries} titles)",
            flush=True,
        )
        if asks:
            tokens, calls = asked(library, search, facts[:asks])
            if not first:
                first.append(tokens)
            print(
                f"        asked ({min(asks, len(facts))} questions, scripted model): {tokens:,.0f} prompt "
                f"tokens and {calls:.1f} calls a question; {tokens / first[0]:.2f}x the first size's tokens",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--page-words", type=int, default=30, help="words of page text per page")
    parser.add_argument("--asks", type=int, default=5, help="questions asked through the fake server")
    parser.add_argument("--keep", type=Path, help="build the libraries in this folder and reuse them")
    args = parser.parse_args()
    first: list[float] = []  # the first size's prompt tokens a question
    for size in args.sizes:
        run(size, args.queries, args.page_words, args.asks, first, args.keep)


if __name__ == "__main__":
    main()
