"""Many pages' lines read in worker processes: pdfium holds one lock per process, so a long document's
layout is read by several processes at once, each a contiguous run of pages.

Each worker is a fresh `python -m pageindex_tui.document.parallel` fed by a pipe: no process pool,
no fork of this process with its event loop and threads, and no re-import of the caller's main
script (which multiprocessing would do). Used only when enough pages are wanted at once and more
than one CPU is ours; otherwise pages are read in this process, one at a time, as before. A worker
that dies (pdfium crashing on a damaged page) loses only its run of pages: they are reported as
unreadable, and pypdf stands in for their text, as for any page pdfium cannot read.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .lines import PageLines, open_pdfium, read_page

MIN_PAGES_PER_WORKER = 48  # fewer, and starting a process costs more than it saves
MAX_WORKERS = 8
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])

Read = tuple[int, PageLines | None, str]  # (page, its lines or None, why not)


def workers_for(pages: int) -> int:
    """How many processes should read `pages` pages: 1 means read them here."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, pages // MIN_PAGES_PER_WORKER))


def read_run(data: bytes, password: str | None, pages: list[int]) -> list[Read]:
    """The lines of `pages`, read here; a page pdfium fails on is (page, None, why)."""
    doc = open_pdfium(data, password)
    out: list[Read] = []
    try:
        for page in pages:
            try:
                out.append((page, read_page(doc, page), ""))
            except Exception as err:  # a damaged page must not stop the others
                out.append((page, None, f"{type(err).__name__}: {err}"))
    finally:
        doc.close()
    return out


def _in_worker(data: bytes, password: str | None, run: list[int]) -> list[Read]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    )
    why = ""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", __name__],
            input=pickle.dumps((data, password, run), protocol=pickle.HIGHEST_PROTOCOL),
            capture_output=True,
            env=env,
            check=False,
        )
        if proc.returncode == 0:
            result: list[Read] = pickle.loads(proc.stdout)
            return result
        why = f"exit status {proc.returncode}" if proc.returncode > 0 else f"signal {-proc.returncode}"
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        why += f": {tail[0][:200]}" if tail else ""
    except (OSError, pickle.UnpicklingError, EOFError) as err:
        why = f"{type(err).__name__}: {err}"
    return [(page, None, f"the worker reading pages {run[0]}-{run[-1]} failed ({why})") for page in run]


def read_pages(data: bytes, password: str | None, pages: list[int], workers: int) -> list[Read]:
    """The lines of `pages` (1-based), read by `workers` processes in contiguous runs."""
    size = -(-len(pages) // workers)
    runs = [pages[i : i + size] for i in range(0, len(pages), size)]
    with ThreadPoolExecutor(len(runs)) as threads:
        return [
            read for reads in threads.map(lambda run: _in_worker(data, password, run), runs) for read in reads
        ]


def _main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the parent's to handle, not a traceback here
    data, password, pages = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps(read_run(data, password, pages), protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()
