"""`pageindex-tui search PHRASE`: the library's saved trees searched by their words (the search index,
`store/search.py`): ranked sections with their document, node id, title, pages and a snippet, or ranked
documents (`--documents`). Text from the documents is shown through safe_text."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from ..jobs.pagetext import library_search
from ..safe_text import shown
from ..store.hitplace import found_at, hit_span
from ..store.library import Library
from .common import EXIT_OK, EXIT_USAGE, error


def build_search_parser() -> argparse.ArgumentParser:
    search = argparse.ArgumentParser(
        prog="pageindex-tui search",
        description="Search the library by words: its saved trees (titles, summaries, document names and "
        "descriptions) and its documents' page text, best first (BM25). Exit status 0 even when nothing "
        "matches.",
    )
    search.add_argument("phrase", nargs="+", help="words to look for (any of them; rarer words weigh more)")
    search.add_argument("-n", "--limit", type=int, default=10, help="how many results (default 10)")
    search.add_argument("--documents", action="store_true", help="rank documents rather than sections")
    search.add_argument("--json", action="store_true", help="print the results as JSON")
    search.add_argument(
        "--under", type=Path, metavar="DIR", help="only documents whose source file lies in DIR (or below)"
    )
    return search


def run_search(args: argparse.Namespace) -> int:
    phrase = " ".join(args.phrase)
    if not phrase.strip() or args.limit < 1:
        error("give the words to look for" if not phrase.strip() else "--limit must be 1 or more")
        return EXIT_USAGE
    if args.under is not None and not args.under.expanduser().is_dir():
        error(f"--under {args.under}: no such folder")
        return EXIT_USAGE
    search = library_search(Library())
    if args.documents:
        docs = search.documents(phrase, args.limit, args.under)
        if args.json:
            print(json.dumps([asdict(d) for d in docs], ensure_ascii=False, indent=1))
        for doc in docs if not args.json else []:
            print(f"{doc.score:7.2f}  {shown(doc.doc_name)}  ({doc.matches} matching sections)")
            if doc.outline:
                print(f"         {shown(doc.outline)[:150]}")
        if not docs and not args.json:
            print("no document matches")
        return EXIT_OK
    hits = search.search(phrase, args.limit, args.under)
    if args.json:
        print(json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=1))
        return EXIT_OK
    for hit in hits:
        at = f", found at {found_at(hit)}" if found_at(hit) else ""
        node = (
            f"[{shown(hit.node_id)}] {shown(hit.title)} ({hit_span(hit)}{at})"
            if hit.node_id
            else "(the document)"
        )
        print(f"{hit.score:7.2f}  {shown(hit.doc_name)}  {node}")
        if hit.snippet.strip():
            print(f"         {shown(hit.snippet)}")
    if not hits:
        print("no section matches")
    return EXIT_OK
