"""Retrieval by the library search on real PDFs: the corpus (corpus.json, cached PDFs) indexed with no
model (outline, printed contents or layout; no summaries; node text saved, or not with --no-text), filed
into one library, then for each section whose title has at least two words a query made of that title's
words: is its document among the top 3 documents (`documents`), and is the section itself among the top 10
sections (`search`)? At most --per-doc sections per document (evenly spaced), so a 600-page book does not
outweigh the others. Prints per document and in total.

    python benchmarks/search_corpus.py --split check [--per-doc 20] [--no-text]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402

from pageindex_tui.jobs.service import JobService  # noqa: E402
from pageindex_tui.local.server import free_port  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.store.cache import ResponseCache  # noqa: E402
from pageindex_tui.store.library import Library  # noqa: E402
from pageindex_tui.store.library_search import LibrarySearch  # noqa: E402
from pageindex_tui.store.search import query_words  # noqa: E402


async def index_all(library: Library, paths: list[Path], settings: Settings) -> list[str]:
    failed = []
    async with JobService(library, cache=ResponseCache(enabled=False)) as jobs:
        for path in paths:
            result = await jobs.run(path, settings)
            if not result.ok:
                failed.append(f"{path.name}: {result.failure.error if result.failure else '?'}")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--split", default="check", choices=("dev", "check", "all"))
    parser.add_argument("--per-doc", type=int, default=20)
    parser.add_argument("--no-text", action="store_true", help="index titles only, no node text")
    args = parser.parse_args()
    docs = corpus.documents(args.split)
    settings = Settings(
        endpoint=f"http://127.0.0.1:{free_port()}/v1", if_add_node_summary=False,
        if_add_doc_description=False, if_add_node_text=not args.no_text, max_retries=0,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        library = Library(Path(scratch) / "library")
        began = time.perf_counter()
        failed = asyncio.run(index_all(library, [d.path for d in docs], settings))
        indexed = time.perf_counter() - began
        search = LibrarySearch(library)
        search.sync()
        print(f"{len(docs) - len(failed)} of {len(docs)} documents indexed in {indexed:.0f} s "
              f"(search index {search.index.size() / 1e6:.1f} MB)")  # fmt: skip
        for line in failed:
            print("  not indexed:", line)
        total = doc_top3 = node_top10 = 0
        for entry in library.entries():
            tree = entry.load().numbered()
            nodes = [
                n for n in tree.walk() if len(query_words(n.title)) >= 2 and re.search("[a-zA-Z]", n.title)
            ]
            step = max(1, len(nodes) // args.per_doc)
            chosen = nodes[::step][: args.per_doc]
            found3 = found10 = 0
            for node in chosen:
                top = [d.digest for d in search.documents(node.title, 3)]
                found3 += entry.digest in top
                hits = search.search(node.title, 10)
                found10 += any(h.digest == entry.digest and h.node_id == node.node_id for h in hits)
            total += len(chosen)
            doc_top3 += found3
            node_top10 += found10
            if chosen:
                a, b = found3 / len(chosen), found10 / len(chosen)
                print(f"  {entry.doc_name[:40]:40} {len(chosen):3} queries: document top 3 {a:6.1%}, "
                      f"section top 10 {b:6.1%}")  # fmt: skip
        share3, share10 = doc_top3 / max(1, total), node_top10 / max(1, total)
        print(f"{args.split}: {total} queries over {len(library.entries())} documents: document in the "
              f"top 3 {share3:.1%}, section in the top 10 {share10:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
