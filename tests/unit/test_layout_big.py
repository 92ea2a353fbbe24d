"""A 2,000-page PDF through the whole structure stage in bounded memory (slow: run with -m benchmark)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from fpdf import FPDF

pytestmark = pytest.mark.benchmark

PAGES = 2000
RSS_LIMIT_MB = 500


def _big_pdf(path, pages: int = PAGES) -> None:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for page in range(1, pages + 1):
        pdf.add_page()
        if page % 10 == 1:
            pdf.set_font("Helvetica", "B", 16)
            pdf.cell(0, 10, f"{page // 10 + 1} Chapter {page // 10 + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for k in range(45):
            pdf.cell(0, 5.5, f"Page {page} line {k}: words for the body text of a long report.",
                     new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.output(str(path))


def test_two_thousand_pages_stay_under_500_mb(tmp_path):
    path = tmp_path / "big.pdf"
    _big_pdf(path)
    script = textwrap.dedent(
        f"""
        import asyncio, json, resource
        from pathlib import Path
        from pageindex_tui.index.pipeline import Indexer
        from pageindex_tui.store.cache import ResponseCache
        from pageindex_tui.local.server import free_port
        from pageindex_tui.settings import Settings
        settings = Settings(endpoint=f"http://127.0.0.1:{{free_port()}}/v1", if_add_node_summary=False,
                            max_retries=0)
        async def go():
            out = Path({str(tmp_path / "out")!r})
            async with Indexer(settings, out, cache=ResponseCache(enabled=False)) as indexer:
                return await indexer.index(Path({str(path)!r}))
        result = asyncio.run(go())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({{"ok": result.ok, "error": result.error, "rss_mb": rss,
                          "source": result.run.structure_source, "nodes": result.run.nodes,
                          "seconds": result.run.wall_seconds}}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n2,000 pages: {figures}")
    assert figures["ok"], figures["error"]
    assert figures["source"] == "layout" and figures["nodes"] >= 200
    assert figures["rss_mb"] < RSS_LIMIT_MB
