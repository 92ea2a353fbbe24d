"""`pageindex-tui index`: the job service headless, with a progress bar, and a summary of what was written."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError
from ..settings import Settings
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, maybe_local_server

if TYPE_CHECKING:
    from ..index.result import DocumentResult


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    from ..index.pipeline import find_documents
    from ..jobs.service import JobService
    from ..store.files import check_writable
    from ..store.library import Library
    from .progress import CliProgress

    paths: dict[Path, Path] = {}  # resolved -> as given: a file named twice is indexed once
    for path in args.paths:
        if not path.exists():
            error(f"{path} does not exist")
            return EXIT_USAGE
        found = find_documents(path)
        if path.is_dir() and not found:
            error(f"no PDF or Markdown files in {path}")
            return EXIT_USAGE
        for doc in found:
            paths.setdefault(doc.resolve(), doc)
    try:
        check_writable(args.out)
    except OutputError as err:
        error(f"--out: {err.message}", err.hint)
        return EXIT_USAGE
    with maybe_local_server(args, settings) as (settings, _server):
        progress = CliProgress(quiet=args.quiet, verbose=args.verbose)

        async def main() -> list[DocumentResult]:
            async with JobService(Library(), sink=progress.handle, password=args.password) as jobs:
                progress.counter = jobs.session(settings).tally  # the one count, the run records' too
                return await jobs.run_many(list(paths.values()), settings, args.out, force=args.force)

        with progress:
            results = asyncio.run(main())
    progress.print_summary(results, args.out)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
