"""Seconds for the structure stage (no model server, summaries off) on long PDFs, pages read by one
process and by worker processes, beside pypdf extracting the same pages' text.

    python benchmarks/structure_speed.py            # builds the three documents below in a temp folder
    python benchmarks/structure_speed.py a.pdf b.pdf

Documents: "outline 408" (the reg-bi release's first 8 pages, outline and all, then the Fed report
excerpt 8 times: a coarse outline whose last node holds 400 pages and is split at its sub-headings),
"contents 408" (the same without the outline at the front: the printed contents stage), and
"layout 400" (generated: no outline, no contents, headings from the layout). Each run is a fresh
process, so the worker processes' start-up is paid every time. Goals (issue 8): the outline path
under 1.5 s, a 400-page PDF without an outline under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_docs"

RUN = """
import asyncio, json, sys, time
from pathlib import Path
from pageindex_tui.document import parallel
from pageindex_tui.index.pipeline import Indexer
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.local.server import free_port
from pageindex_tui.settings import Settings
if sys.argv[2] == "1":
    parallel.workers_for = lambda pages: 1
settings = Settings(endpoint=f"http://127.0.0.1:{free_port()}/v1", if_add_node_summary=False, max_retries=0)
async def go():
    async with Indexer(settings, Path(sys.argv[3]), cache=ResponseCache(enabled=False)) as indexer:
        return await indexer.index(Path(sys.argv[1]))
wall, cpu = time.perf_counter(), time.process_time()
result = asyncio.run(go())
print(json.dumps({"ok": result.ok, "seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "source": result.run.structure_source if result.run else None,
                  "nodes": result.run.nodes if result.run else 0}))
"""

PYPDF = """
import json, sys, time
from pypdf import PdfReader
wall = time.perf_counter()
chars = sum(len(page.extract_text() or "") for page in PdfReader(sys.argv[1]).pages)
print(json.dumps({"seconds": time.perf_counter() - wall, "chars": chars}))
"""


def build(folder: Path) -> list[tuple[str, Path]]:
    from fpdf import FPDF
    from pypdf import PdfWriter

    fed, regbi = SAMPLES / "fed-annual-report-2023-excerpt.pdf", SAMPLES / "reg-bi-interpretive-release.pdf"
    outline = PdfWriter()
    outline.append(str(regbi), pages=(0, 8))
    contents = PdfWriter()
    for _ in range(8):
        outline.append(str(fed))
        contents.append(str(fed))
    contents.append(str(regbi), pages=(0, 8), import_outline=False)
    outline.write(folder / "outline408.pdf")
    contents.write(folder / "contents408.pdf")
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    words = ["the", "of", "report", "bank", "capital", "market", "policy", "rate", "risk", "reserve"]
    rnd = random.Random(1)
    for page in range(1, 401):
        pdf.add_page()
        if page % 8 == 1:
            pdf.set_font("Helvetica", "B", 16)
            pdf.cell(
                0, 10, f"{page // 8 + 1} Chapter about topic {page // 8 + 1}", new_x="LMARGIN", new_y="NEXT"
            )
        if page % 4 == 3:
            pdf.set_font("Helvetica", "B", 12)
            pdf.cell(
                0, 8, f"{page // 8 + 1}.{page % 8} Section heading {page}", new_x="LMARGIN", new_y="NEXT"
            )
        pdf.set_font("Helvetica", size=10)
        for _ in range(44):
            line = " ".join(rnd.choice(words) for _ in range(14)).capitalize() + "."
            pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(folder / "layout400.pdf"))
    return [
        ("outline 408", folder / "outline408.pdf"),
        ("contents 408", folder / "contents408.pdf"),
        ("layout 400", folder / "layout400.pdf"),
    ]


def run(code: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docs = [(p.name, p) for p in args.pdfs] or build(folder)
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"CPUs here: {workers}; load average {os.getloadavg()[0]:.1f}")
        header = (
            f"{'document':14s} {'source':>8s} {'nodes':>5s} | {'1 process':>9s} {'workers':>8s}"
            f" | {'pypdf text':>10s}"
        )
        print(header)
        print("-" * len(header))
        for name, path in docs:
            serial = [run(RUN, str(path), "1", str(folder / "out")) for _ in range(args.repeat)]
            spread = [run(RUN, str(path), "0", str(folder / "out")) for _ in range(args.repeat)]
            plain = min(run(PYPDF, str(path))["seconds"] for _ in range(max(1, args.repeat // 2)))
            best = min(serial, key=lambda r: r["seconds"])
            print(
                f"{name:14s} {best['source']:>8s} {best['nodes']:5d} | {best['seconds']:8.2f}s"
                f" {min(r['seconds'] for r in spread):7.2f}s | {plain:9.2f}s"
            )


if __name__ == "__main__":
    main()
