"""The outage journey, headless: about 200 summary calls queued, the vLLM stand-in taken away mid-batch for
`--down` seconds (connections refused on its port), then started again on the same port. Run by hand (not
part of the test run):

    .venv/bin/python benchmarks/outage_journey.py              # the server away for 90 s
    .venv/bin/python benchmarks/outage_journey.py --down 20    # a shorter outage

The engine runs as the CLI and the app run it (`JobService.run_many`) against tests/fakes/vllm_server.py
with a small fixed bound on calls in flight. Prints: chat calls made (requests the servers received),
calls failed (attempts that ended `error`: given up), retry rows (attempts that ended `retry`), documents
complete / partial / failed, the pause the client reported, and the seconds from the server's return to
the first call answered after it. Bounded: the run is cut off `--down` + `--bound` seconds after it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fakes

from fakes import FakeVLLM, Script  # noqa: E402

from pageindex_tui import events  # noqa: E402
from pageindex_tui.jobs.service import JobService  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.store.cache import ResponseCache  # noqa: E402
from pageindex_tui.store.library import Library  # noqa: E402

DOCS = 4
SECTIONS = 50  # a summary each: 200 summary calls, plus one description a document
SECTION = "word " * 300  # long enough to need a model summary
REPLY_SECONDS = 0.25  # the stand-in's time to first byte for each call
CONCURRENCY = 4
DOWN_AFTER = 60  # answered calls before the server goes away


@dataclass
class Model:
    """The stand-in's replies; counts the calls answered, and when, across both server lives."""

    answered: int = 0
    answered_at: list[float] = field(default_factory=list)  # monotonic, one per call answered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, body: dict) -> Script:
        with self.lock:
            self.answered += 1
            self.answered_at.append(time.monotonic())
        if "Write a summary" in body["messages"][-1]["content"]:
            return Script(answer="This section explains its topic in detail.", delay=REPLY_SECONDS)
        return Script(answer="A generated guide in many sections.", delay=REPLY_SECONDS)


@dataclass
class Seen:
    """What the engine reported: finished attempts by outcome, the pause and when calls were answered."""

    outcomes: Counter[str] = field(default_factory=Counter)
    started: int = 0
    paused: list[events.ServerPaused] = field(default_factory=list)
    resumed: list[events.ServerResumed] = field(default_factory=list)
    ok_at: list[float] = field(default_factory=list)  # monotonic, one per call answered (outcome ok)

    def __call__(self, event: events.Event) -> None:
        if isinstance(event, events.CallStarted):
            self.started += 1
        elif isinstance(event, events.CallFinished):
            self.outcomes[event.outcome] += 1
            if event.outcome == "ok":
                self.ok_at.append(time.monotonic())
        elif isinstance(event, events.ServerPaused):
            self.paused.append(event)
        elif isinstance(event, events.ServerResumed):
            self.resumed.append(event)


def make_docs(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for n in range(DOCS):
        parts = "".join(f"## Part {p} of guide {n}\n\n{SECTION}\n\n" for p in range(1, SECTIONS + 1))
        path = folder / f"guide{n}.md"
        path.write_text(f"# Guide {n}\n\nIntro.\n\n{parts}", encoding="utf-8")
        paths.append(path)
    return paths


async def outage(model: Model, first: FakeVLLM, port: int, down: float, lives: list[FakeVLLM]) -> float:
    """Take the server away once `DOWN_AFTER` calls are answered, bring it back `down` s later; when."""
    while model.answered < DOWN_AFTER:
        await asyncio.sleep(0.05)
    await asyncio.to_thread(first.__exit__)
    print(f"server stopped after {model.answered} calls answered; away for {down:g} s", flush=True)
    await asyncio.sleep(down)
    lives.append(FakeVLLM(default=model, port=port).__enter__())
    print("server back on its port", flush=True)
    return time.monotonic()


async def journey(down: float, bound: float, work: Path) -> None:
    model, seen = Model(), Seen()
    first = FakeVLLM(default=model).__enter__()
    port = first._server.server_address[1] if first._server is not None else 0
    lives = [first]
    settings = Settings(endpoint=first.base_url, thinking=False, concurrency=CONCURRENCY)
    docs = make_docs(work / "docs")
    began = time.monotonic()
    try:
        library = Library(work / "library")
        async with JobService(library, sink=seen, cache=ResponseCache(work / "cache", enabled=False)) as jobs:
            back = asyncio.ensure_future(outage(model, first, port, down, lives))
            run = jobs.run_many(docs, settings, work / "out", force=True)
            results = await asyncio.wait_for(run, down + bound)
            returned = await asyncio.wait_for(back, 1.0)
    finally:
        for server in lives:
            server.__exit__()
    after = [at for at in seen.ok_at if at >= returned]
    complete = sum(r.ok for r in results)
    partial = sum(r.partial is not None for r in results)
    failed = sum(r.failure is not None for r in results)
    print(f"calls made (requests the servers received): {sum(len(s.requests) for s in lives)}")
    print(f"calls sent (attempts the client started): {seen.started}")
    print(f"calls failed (attempts given up): {seen.outcomes['error']}")
    print(f"retry rows: {seen.outcomes['retry']}")
    print(f"attempts by outcome: {dict(sorted(seen.outcomes.items()))}")
    print(f"documents: {complete} complete, {partial} partial, {failed} failed, of {len(results)}")
    for pause in seen.paused:
        print(f"paused: {pause.reason}")
    for resume in seen.resumed:
        print(f"resumed after {resume.seconds:.1f} s paused")
    first_answer = f"{after[0] - returned:.2f} s" if after else "never"
    print(f"server's return to the first call answered: {first_answer}")
    print(f"whole run: {time.monotonic() - began:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down", type=float, default=90.0, help="seconds the server is away (default 90)")
    parser.add_argument("--bound", type=float, default=300.0, help="seconds allowed beyond --down")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outage-journey-") as work:
        asyncio.run(journey(args.down, args.bound, Path(work)))


if __name__ == "__main__":
    main()
