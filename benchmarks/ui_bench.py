"""The app's responsiveness, measured; run by hand (not part of the test run):

    .venv/bin/python benchmarks/ui_bench.py            # all four figures
    .venv/bin/python benchmarks/ui_bench.py --quick    # shorter runs

Prints:
1. launch to first paint: the real `pageindex-tui` in a pseudo-terminal (120x40), from spawning the
   process to the first frame holding the panes;
2. stream throughput: synthetic reasoning deltas (one token each, 8 calls interleaved) pushed through the
   app's own engine buffer from another thread, at rising rates, into the headless app; the highest rate
   whose 95th-percentile lag (event created -> applied to the widgets) stays under 250 ms;
3. key-to-repaint latency on a 5,000-node tree: the real app in a pseudo-terminal showing a saved
   5,000-node index; time from writing a key to the first byte of the repaint, for `j`, `k`, `G`, `g`;
4. idle CPU: the real app, settled, over 10 seconds (percent of one core).
Everything runs in a throwaway folder; nothing touches your settings or library.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pageindex_tui import events  # noqa: E402
from pageindex_tui.settings import Settings  # noqa: E402
from pageindex_tui.store.library import Library  # noqa: E402

DEAD_ENDPOINT = "http://127.0.0.1:9/v1"  # refused at once: the banner shows, nothing waits


# -- a real terminal -------------------------------------------------------------------------------------
class Terminal:
    """The app in a pseudo-terminal of a given size; bytes it writes are read as they come."""

    def __init__(self, args: list[str], env: dict[str, str], size: tuple[int, int] = (120, 40)) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.buffer = b""

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return b""
        self.buffer += data
        return data

    def wait_for(self, needle: bytes, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while needle not in self.buffer:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{needle!r} never appeared")
            self.read(0.05)
        return time.perf_counter()

    def drain(self, quiet: float = 0.3, limit: float = 10.0) -> None:
        """Read until the app has been silent for `quiet` seconds."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and self.read(quiet):
            pass

    def key_latency(self, key: bytes, timeout: float = 5.0) -> tuple[float, float]:
        """Seconds from writing `key` to the first and to the last byte of the app's repaint."""
        self.drain(0.15)
        sent = time.perf_counter()
        os.write(self.master, key)
        deadline = sent + timeout
        while time.perf_counter() < deadline:
            if self.read(0.01):
                first = last = time.perf_counter()
                while self.read(0.03):  # the frame ends when the app falls silent
                    last = time.perf_counter()
                return first - sent, last - sent
        raise TimeoutError(f"no repaint after {key!r}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, b"\x11")  # ctrl+q
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(5)
        os.close(self.master)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def app_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("VLLM_ENDPOINT", "OPENAI_BASE_URL", "VLLM_MODEL_NAME", "OPENAI_MODEL"):
        env.pop(var, None)
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        TEXTUAL_ANIMATIONS="none",
    )
    return env


def app_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "pageindex_tui", str(folder), "--endpoint", DEAD_ENDPOINT]


# -- 1 and 4: first paint, idle CPU ----------------------------------------------------------------------
def first_paint_and_idle(home: Path, runs: int, idle_seconds: float) -> tuple[list[float], float]:
    paints = []
    for _ in range(runs):
        term = Terminal(app_command(ROOT / "sample_docs"), app_env(home))
        try:
            paints.append(term.wait_for(b"Documents") - term.started)
        finally:
            term.close()
    term = Terminal(app_command(ROOT / "sample_docs"), app_env(home))
    try:
        term.wait_for(b"Documents")
        term.drain(quiet=1.0)
        time.sleep(2)
        before, started = term.cpu_seconds(), time.perf_counter()
        end = started + idle_seconds
        while time.perf_counter() < end:
            term.read(0.2)  # keep the pty drained, as a terminal would
        idle = (term.cpu_seconds() - before) / (time.perf_counter() - started) * 100
    finally:
        term.close()
    return paints, idle


# -- 3: key-to-repaint on a 5,000-node tree --------------------------------------------------------------
def big_structure(total: int = 5000, width: int = 50) -> list[dict]:
    out, number = [], 0
    for part in range(total // width):
        children = []
        number += 1
        for child in range(width - 1):
            page = part * 10 + 1 + child % 10
            item = {"title": f"Section {part}.{child}", "node_id": f"{number:04d}"}
            children.append(item | {"start_index": page, "end_index": page})
            number += 1
        node = {"title": f"Part {part}", "node_id": f"{number - width:04d}", "start_index": part * 10 + 1}
        node |= {"end_index": part * 10 + 10, "nodes": children}
        out.append(node)
    return out


def saved_big_index(home: Path) -> Path:
    """A folder with one 'PDF' whose saved index (in the library) has 5,000 nodes."""
    folder = home / "big"
    folder.mkdir(parents=True, exist_ok=True)
    doc = folder / "big.pdf"
    doc.write_bytes(b"%PDF-1.4 benchmark stand-in\n")
    library = Library(home / "data" / "pageindex-tui" / "library")
    digest = library.digest(doc)
    settings = Settings(endpoint=DEAD_ENDPOINT)
    entry = library.folder_for(digest, settings)
    entry.mkdir(parents=True, exist_ok=True)
    structure = big_structure()
    (entry / "big_structure.json").write_text(json.dumps({"doc_name": "big.pdf", "structure": structure}))
    (entry / "big_run.json").write_text("{}")
    run = {"nodes": 5000, "structure_source": "model", "finished_at": "2026-01-01T00:00:00+00:00"}
    library.save(doc, digest, settings, entry / "big_structure.json", entry / "big_run.json", run)
    return folder


def key_latencies(home: Path, presses: int) -> dict[str, list[tuple[float, float]]]:
    folder = saved_big_index(home)
    term = Terminal(app_command(folder), app_env(home))
    out: dict[str, list[tuple[float, float]]] = {"j": [], "k": [], "G": [], "g": [], "l (expand 49)": []}
    try:
        term.wait_for(b"Documents")
        term.drain(quiet=0.5)
        os.write(term.master, b"j")  # highlight big.pdf: its saved tree loads
        term.wait_for(b"5000 nodes", timeout=30)
        os.write(term.master, b"2")  # focus the tree
        term.drain(quiet=0.5)
        for _ in range(presses):
            out["j"].append(term.key_latency(b"j"))
        for _ in range(presses):
            out["k"].append(term.key_latency(b"k"))
        for _ in range(max(3, presses // 5)):
            out["G"].append(term.key_latency(b"G"))
            out["g"].append(term.key_latency(b"g"))
        for _ in range(max(3, presses // 5)):
            out["l (expand 49)"].append(term.key_latency(b"l"))
            term.key_latency(b"h")  # collapse again
            term.key_latency(b"j")
    finally:
        term.close()
    return out


# -- 2: stream throughput --------------------------------------------------------------------------------
async def stream_rates(rates: list[int], seconds: float) -> list[tuple[int, float, float, float]]:
    """For each rate (tokens/s): achieved rate, p95 lag, max lag (seconds)."""
    from pageindex_tui.ui.app import PageIndexApp
    from pageindex_tui.ui.messages import EngineBatch

    applied = [0]

    class Counting(PageIndexApp):
        def on_engine_batch(self, message: EngineBatch) -> None:
            super().on_engine_batch(message)
            applied[0] += len(message.items)

    home = Path(tempfile.mkdtemp(prefix="ui-bench-"))
    (home / "docs").mkdir()
    app = Counting(
        Settings(endpoint=DEAD_ENDPOINT),
        home / "docs",
        library=Library(home / "lib"),
        config_file=home / "config.toml",
        prefs_file=home / "ui.toml",
        probe=False,
    )
    results = []
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause(0.5)
        doc = str(home / "docs" / "x.pdf")
        for rate in rates:
            sent_at: list[float] = []
            stop = threading.Event()
            base = applied[0]

            def feed(rate: int = rate, sent_at: list[float] = sent_at, stop: threading.Event = stop) -> None:
                sink, start = app.engine.sink, time.perf_counter()
                for call in range(8):
                    sink(events.CallStarted(doc, 10_000 * rate + call, f"summarize {call:04d}", 1000))
                    sent_at.append(time.perf_counter())
                count = 0
                while not stop.is_set():
                    due = int((time.perf_counter() - start) * rate)
                    while count < due:
                        call = 10_000 * rate + count % 8
                        kind = events.ReasoningDelta if count % 5 else events.AnswerDelta
                        sink(kind(doc, call, "word "))
                        sent_at.append(time.perf_counter())
                        count += 1
                    time.sleep(0.002)

            thread = threading.Thread(target=feed, daemon=True)
            lags: list[float] = []
            thread.start()
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                await asyncio.sleep(0.02)
                done = applied[0] - base
                if 0 < done <= len(sent_at):
                    lags.append(time.perf_counter() - sent_at[done - 1])
            stop.set()
            thread.join()
            elapsed = time.perf_counter() - started
            achieved = (applied[0] - base) / elapsed
            # let the backlog clear before the next rate
            deadline = time.perf_counter() + 30
            while applied[0] - base < len(sent_at) and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            lags.sort()
            p95 = lags[int(len(lags) * 0.95)] if lags else float("nan")
            results.append((rate, achieved, p95, lags[-1] if lags else float("nan")))
    return results


def main() -> None:
    form = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=form)
    parser.add_argument("--quick", action="store_true", help="fewer runs and shorter phases")
    args = parser.parse_args()
    runs, presses, idle, phase = (2, 10, 5.0, 1.5) if args.quick else (5, 40, 10.0, 3.0)
    home = Path(tempfile.mkdtemp(prefix="ui-bench-"))
    print(f"pageindex-tui UI benchmark · python {sys.version.split()[0]} · {os.cpu_count()} CPUs")

    paints, idle_cpu = first_paint_and_idle(home, runs, idle)
    print(
        f"1. launch to first paint (process start, 120x40 pty): median {statistics.median(paints):.2f} s "
        f"(min {min(paints):.2f}, max {max(paints):.2f}, {runs} runs)"
    )

    rates = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]
    results = asyncio.run(stream_rates(rates, phase))
    print("2. stream pane throughput (8 calls interleaved, 200x60, headless):")
    best = 0
    for rate, achieved, p95, worst in results:
        ok = p95 < 0.25
        best = rate if ok else best
        print(
            f"   offered {rate:>7,} tok/s  applied {achieved:>9,.0f} tok/s  lag p95 {p95 * 1000:6.0f} ms"
            f"  max {worst * 1000:6.0f} ms  {'keeps up' if ok else 'LAGS'}"
        )
    print(f"   -> absorbs {best:,} tokens/s with p95 lag under 250 ms")

    latencies = key_latencies(home, presses)
    print("3. key to repaint on a 5,000-node tree (120x40 pty; first byte / whole frame written):")
    for key, pairs in latencies.items():
        firsts, lasts = [p[0] * 1000 for p in pairs], [p[1] * 1000 for p in pairs]
        print(
            f"   {key:<14} median {statistics.median(firsts):6.1f} / {statistics.median(lasts):6.1f} ms"
            f"   max {max(firsts):6.1f} / {max(lasts):6.1f} ms   ({len(pairs)} presses)"
        )
    print(f"4. idle CPU (settled, {idle:.0f} s): {idle_cpu:.1f} % of one core")


if __name__ == "__main__":
    main()
