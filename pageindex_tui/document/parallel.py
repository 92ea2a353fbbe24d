"""Many pages' lines read in worker processes: pdfium holds one lock per process, so a long document's
layout is read by several processes at once, each a contiguous run of pages. The calling process
reads the first run itself meanwhile (a longer one: it need not start), so two CPUs take one worker.

Each worker is a fresh `python -m pageindex_tui.document.parallel` fed by a pipe (its pages, then the
file's bytes as they are: a pickle holding them would copy the whole file once more): no process pool,
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .lines import PageLines, read_page
from .pdfium_file import PdfiumFile

MIN_PAGES_PER_WORKER = 48  # fewer, and starting a process costs more than it saves
MAX_WORKERS = 8
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])

HEAD_START = 64  # pages this process reads while a worker starts and reads its cold first pages

Read = tuple[int, PageLines | None, str]  # (page, its lines or None, why not)
Here = Callable[[list[int]], list[Read]]  # this process reading a run of pages itself


def workers_for(pages: int) -> int:
    """How many processes, this one included, should read `pages` pages: 1 means read them here."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, pages // MIN_PAGES_PER_WORKER))


def read_run_in(file: PdfiumFile, pages: list[int]) -> list[Read]:
    """The lines of `pages` of an opened document; a page pdfium fails on is (page, None, why)."""
    out: list[Read] = []
    for page in pages:
        try:
            out.append((page, file.on_page(page, read_page), ""))
        except Exception as err:  # a damaged page must not stop the others
            out.append((page, None, f"{type(err).__name__}: {err}"))
    return out


def read_run(data: bytes, password: str | None, pages: list[int]) -> list[Read]:
    """The lines of `pages`, read here from the file's bytes."""
    file = PdfiumFile(data, password)
    try:
        return read_run_in(file, pages)
    finally:
        file.close()


def _in_worker(data: bytes, password: str | None, run: list[int]) -> list[Read]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
    )
    why = ""
    try:
        with subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        ) as proc:
            assert proc.stdin is not None
            _send(proc.stdin.fileno(), pickle.dumps((password, run), protocol=pickle.HIGHEST_PROTOCOL))
            out, err = proc.communicate(data)  # the file's bytes as they are: no copy of a large file
        if proc.returncode == 0:
            result: list[Read] = pickle.loads(out)
            return result
        why = f"exit status {proc.returncode}" if proc.returncode > 0 else f"signal {-proc.returncode}"
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:]
        why += f": {tail[0][:200]}" if tail else ""
    except (OSError, pickle.UnpicklingError, EOFError) as err:
        why = f"{type(err).__name__}: {err}"
    return [(page, None, f"the worker reading pages {run[0]}-{run[-1]} failed ({why})") for page in run]


def _send(fd: int, header: bytes) -> None:
    """`header` written straight to the worker's pipe, unbuffered (a buffer left holding it when the worker
    is gone would fail again when the pipe closes); a worker gone already says why by its exit status."""
    view = memoryview(header)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        pass


def runs_for(pages: list[int], readers: int, head_start: int = 0) -> list[list[int]]:
    """`pages` cut into `readers` contiguous runs; the first `head_start` pages longer than the others."""
    size = max(1, -(-(len(pages) - head_start) // readers))
    first = min(len(pages), size + head_start)
    return [pages[:first]] + [pages[i : i + size] for i in range(first, len(pages), size)]


def read_pages(
    data: bytes, password: str | None, pages: list[int], workers: int, here: Here | None = None
) -> list[Read]:
    """The lines of `pages` (1-based), read by `workers` readers in contiguous runs, in page order.

    With `here` (this process's own reader) the first run is read here, meanwhile, and only the
    others by worker processes; it is longer by what a worker's start-up costs (`HEAD_START`)."""
    runs = runs_for(pages, workers, HEAD_START if here is not None else 0)
    remote = runs[1:] if here is not None else runs
    with ThreadPoolExecutor(max(1, len(remote))) as threads:
        started = [threads.submit(_in_worker, data, password, run) for run in remote]
        local = here(runs[0]) if here is not None else []
        return local + [read for job in started for read in job.result()]


def _main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the parent's to handle, not a traceback here
    password, pages = pickle.load(sys.stdin.buffer)  # then the file's bytes, to the end
    data = sys.stdin.buffer.read()
    sys.stdout.buffer.write(pickle.dumps(read_run(data, password, pages), protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()
