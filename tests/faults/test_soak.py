"""Soak: 200 documents against a server that fails 20% of calls at random, then a rerun from the cache.

Run by hand: `pytest -m soak tests/faults/test_soak.py -s` (prints RSS at start and end). Failures are
5xx, dropped connections (before and during the stream), garbled stream bytes and slow streams that meet
the deadline. Every document must end ok or failed with a reason from that list; none may hang; the rerun
answers every document that was ok from the cache without asking the server.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from pathlib import Path

import pytest
from fakes import FakeVLLM, Script, error, smart_model

from pageindex_tui import events
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache

DOCS = 200
FAILURE_RATE = 0.2
BOUND = 900.0  # seconds for one whole run: far beyond its need, only there so that a hang fails the test
REASONS = re.compile(
    r"failed \(500: |closed the reply stream|garbled reply stream|deadline for one request passed"
    r"|the connection to the model server .* failed"
)


class Chaos:
    """The fake's default reply: a good one, or with probability `rate` one of the failures."""

    def __init__(self, rate: float, seed: int = 10) -> None:
        self.rate, self.random, self.lock = rate, random.Random(seed), threading.Lock()
        self.faults: dict[str, int] = {}

    def __call__(self, body: dict) -> Script:
        with self.lock:
            roll, pick = self.random.random(), self.random.randrange(5)
        if roll >= self.rate:
            return smart_model(body)
        kind, script = [
            ("5xx", error(500, "engine hiccup")),
            ("dropped", Script(close=True)),
            ("dropped mid-stream", Script(answer="x" * 60, close_mid_stream=True)),
            ("garbage", Script(answer="x" * 60, raw=b"\xff\xfe not json")),
            ("slow", Script(answer="slow " * 40, drip=0.25)),
        ][pick]
        with self.lock:
            self.faults[kind] = self.faults.get(kind, 0) + 1
        return script


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_docs(folder: Path) -> list[Path]:
    folder.mkdir()
    docs = []
    for n in range(DOCS):
        text = f"# Document {n}\n\nIntro {n}.\n\n"
        for part in range(2):
            text += f"## Part {part} of {n}\n\n" + f"doc {n} part {part} words " * 120 + "\n\n"
        path = folder / f"doc{n:03}.md"
        path.write_text(text, encoding="utf-8")
        docs.append(path)
    return docs


def run_all(settings: Settings, docs: list[Path], out: Path, cache: ResponseCache):
    async def go():
        async with Indexer(settings, out, sink=events.ignore, cache=cache) as indexer:
            return await asyncio.wait_for(indexer.index_many(docs), BOUND)

    return asyncio.run(go())


@pytest.mark.soak
def test_soak_every_document_ends_and_the_rerun_comes_from_the_cache(tmp_path):
    docs = make_docs(tmp_path / "docs")
    cache = ResponseCache(tmp_path / "cache")
    chaos = Chaos(FAILURE_RATE)
    with FakeVLLM(default=chaos) as fake:
        settings = Settings(
            endpoint=fake.base_url, thinking=False, request_timeout=1.0, request_deadline=1.5, concurrency=8
        )
        start = rss_mib()
        first = run_all(settings, docs, tmp_path / "out", cache)
        middle = rss_mib()
        asked = len(fake.requests)
        second = run_all(settings, docs, tmp_path / "out", cache)
        end = rss_mib()
        asked_again = len(fake.requests) - asked
    ok = [r for r in first if r.ok]
    failed = [r for r in first if not r.ok]
    print(
        f"\nsoak: {len(docs)} documents, {asked} chat requests, faults injected {chaos.faults}; "
        f"first run {len(ok)} ok, {len(failed)} failed; rerun {sum(r.ok for r in second)} ok, "
        f"{asked_again} new requests; RSS {start:.0f} MiB at start, {middle:.0f} after the first run, "
        f"{end:.0f} at the end"
    )
    for result in failed:
        print(f"  failed {result.path.name}: {result.error}")
    assert len(first) == len(second) == DOCS
    assert sum(chaos.faults.values()) > 0.1 * asked
    assert all(REASONS.search(r.error) and r.kind == "server" for r in failed), [r.error for r in failed]
    by_path = {r.path: r for r in second}
    for result in ok:
        again = by_path[result.path]
        assert again.ok and again.run.llm.calls == 0 and again.run.llm.cached_calls > 0
    assert end - start < 200  # flat, not leaking with every document (MiB; generous for allocator noise)
