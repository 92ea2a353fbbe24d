"""`pageindex-tui library check [--repair]`: read every saved index whole and list the damaged ones (and
those set aside before); `--repair` sets each damaged one aside (moved, never deleted) so that indexing
the document again makes a fresh one. `pageindex-tui library reindex`: the search index built again."""

from __future__ import annotations

import argparse

from ..jobs.pagetext import library_search
from ..safe_text import counted, shown
from ..store.library import Library
from .common import EXIT_FAILED, EXIT_OK


def run_library(args: argparse.Namespace) -> int:
    library = Library()
    if args.action == "reindex":
        count = library_search(library).rebuild()
        print(f"search index of {counted(count, 'document')} built in {shown(str(library.root))}")
        return EXIT_OK
    count, damaged = library.check(repair=args.repair)
    for err in damaged:
        print(f"damaged: {shown(err.message)}")
    for item in library.set_aside_all():
        name = f" ({shown(item.doc_name)})" if item.doc_name else ""
        print(f"set aside: {shown(str(item.folder))}{name}: {shown(item.error)}")
    saved = counted(count, "saved index", "saved indexes")
    verdict = f"{saved} in {shown(str(library.root))}, {len(damaged)} damaged"
    if damaged and args.repair:
        print(f"{verdict}: set aside; index those documents again")
        return EXIT_OK
    if damaged:
        print(f"{verdict}: `pageindex-tui library check --repair` sets them aside")
        return EXIT_FAILED
    print(verdict)
    return EXIT_OK
