"""The library search index at scale: synthetic libraries of 1,000 and 10,000 documents (50 nodes each,
titles and summaries drawn from a Zipf-distributed vocabulary, so common words are common), filed as the
library files them. Prints per size: the time to build the index from the library, its size on disk, the
latency of node search and of document routing (p50/p95, the per-search sync with the library included),
the time to file one more document, and how often a query made of one node's title words puts that
node's document in the top 3 and top 5.

    python benchmarks/search_bench.py [--sizes 1000 10000] [--queries 200]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pageindex_tui.store.library import ENTRY_FILE, Library, LibraryEntry
from pageindex_tui.store.library_search import LibrarySearch

NODES = 50
VOCABULARY = 20_000


def words(rng: random.Random, count: int, weights: list[float], vocab: list[str]) -> str:
    return " ".join(rng.choices(vocab, cum_weights=weights, k=count))  # cumulative: not summed per call


def synthetic_tree(rng: random.Random, number: int, weights: list[float], vocab: list[str]) -> dict:
    nodes, page = [], 1
    for top in range(NODES // 5):
        children = []
        for _ in range(4):
            span = rng.randint(1, 4)
            children.append(
                {
                    "title": words(rng, rng.randint(3, 6), weights, vocab).title(),
                    "start_index": page,
                    "end_index": page + span - 1,
                    "summary": words(rng, rng.randint(20, 40), weights, vocab),
                }
            )
            page += span
        nodes.append(
            {
                "title": words(rng, rng.randint(2, 4), weights, vocab).title(),
                "start_index": children[0]["start_index"],
                "end_index": page - 1,
                "summary": words(rng, 25, weights, vocab),
                "nodes": children,
            }
        )
        del top
    return {"doc_name": f"doc{number:05d}.pdf", "doc_description": words(rng, 15, weights, vocab),
            "structure": nodes}  # fmt: skip


def make_library(root: Path, size: int, seed: int = 7) -> tuple[Library, list[dict]]:
    rng = random.Random(seed)
    vocab = [f"w{n}" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=4)) for n in range(VOCABULARY)]
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(VOCABULARY)))
    library = Library(root)
    trees = []
    for number in range(size):
        digest = f"{number:064x}"
        folder = root / digest / "settings0000000"
        folder.mkdir(parents=True)
        tree = synthetic_tree(rng, number, weights, vocab)
        (folder / "doc_structure.json").write_text(json.dumps(tree))
        entry = LibraryEntry(folder, digest=digest, doc_name=tree["doc_name"],
                             structure_file="doc_structure.json", run_file="doc_run.json", nodes=NODES,
                             finished_at=f"2026-01-01T00:{number % 60:02d}:00")  # fmt: skip
        (folder / ENTRY_FILE).write_text(json.dumps(entry.to_json()))
        trees.append(tree)
    return library, trees


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def run(size: int, queries: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        library, trees = make_library(Path(scratch) / "library", size)
        search = LibrarySearch(library)
        began = time.perf_counter()
        count = search.rebuild()
        build = time.perf_counter() - began
        rng = random.Random(11)
        picks = []
        for _ in range(queries):
            number = rng.randrange(size)
            top = rng.choice(trees[number]["structure"])
            node = rng.choice(top["nodes"])
            picks.append((number, node["title"]))
        node_times, doc_times, top3, top5 = [], [], 0, 0
        for number, title in picks:
            began = time.perf_counter()
            search.search(title, 10)
            node_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            found = search.documents(title, 5)
            doc_times.append(time.perf_counter() - began)
            names = [hit.doc_name for hit in found]
            wanted = f"doc{number:05d}.pdf"
            top3 += wanted in names[:3]
            top5 += wanted in names[:5]
        entries = library.entries_for(f"{0:064x}")
        began = time.perf_counter()
        search.file(entries[0])
        filing = time.perf_counter() - began
        print(
            f"{size:>6} documents ({count * (NODES + 1)} rows): build {build:.1f} s, "
            f"index {search.index.size() / 1e6:.1f} MB, file one {filing * 1000:.0f} ms\n"
            f"        node search {percentiles(node_times)}; document routing {percentiles(doc_times)}\n"
            f"        a node's title finds its document: top 3 {top3 / queries:.1%}, "
            f"top 5 {top5 / queries:.1%} ({queries} queries)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    for size in args.sizes:
        run(size, args.queries)


if __name__ == "__main__":
    main()
