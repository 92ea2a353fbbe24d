"""Scanned copies of real PDFs indexed like their born-digital originals (issue 20): structure recall of each
against the original's outline (tests/scoring.py, as the structure benchmark scores it), OCR character error
rate against the original's text layer (ocr_bench.py's: both sides normalised alike, reading order not
counted; the median over the document's pages), seconds per scanned page, and peak RSS.

Each document of the corpus split is read twice without a model (the stages that need none): the original
with its outline removed, and a scanned copy (every page rendered at 150 dpi to a greyscale image and
rebuilt as an image-only PDF; with --noisy every other document's pages are also turned 0.4 degrees and
given light noise). The OCR cache is a fresh folder: every page is recognised (--work reuses an earlier
run's folder: its scans and its cache).

    python benchmarks/ocr_structure.py --split check --max-pages 14 --docs 5 [--noisy]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import scoring  # noqa: E402
import structure_vs_flash as flash  # noqa: E402
from corpus_rule import read_outline  # noqa: E402
from ocr_bench import degrade, load, score_page  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from pageindex_tui.document.pdf import PdfDocument  # noqa: E402

SCAN_DPI = 150


def scanned_copy(path: Path, target: Path, noisy: bool) -> Path:
    """`path` as an image-only PDF, rendered one page at a time."""
    doc = PdfDocument(path, ocr=False)
    pages = []
    for number in range(1, doc.page_count + 1):
        image = doc.render(number, SCAN_DPI)
        pages.append(degrade(image) if noisy else image)
    target.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(target, "PDF", resolution=SCAN_DPI, save_all=True, append_images=pages[1:])
    return target


def recall(path: Path, truth: list[scoring.Heading], out: Path) -> tuple[float, float, str]:
    run, _written = flash.ours(flash.no_model_settings(), path, out)
    if run.error is not None:
        return 0.0, run.seconds, f"failed: {run.error}"
    return scoring.score(run.headings, truth).recall, run.seconds, run.source or ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", default="check", choices=["dev", "check", "all"])
    parser.add_argument("--docs", type=int, default=5)
    parser.add_argument("--max-pages", type=int, default=14)
    parser.add_argument(
        "--work",
        help="an earlier run's work folder: its scans and OCR cache reused (recall after a layout "
        "change without recognising again; the seconds then measure the cache)",
    )
    parser.add_argument("--noisy", action="store_true", help="turn and speckle every other document's scans")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="ocr-structure-"))
    print(f"work folder: {work}")
    docs = [d for d in corpus.documents(args.split) if d.pages <= args.max_pages][: args.docs]
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # a fresh OCR cache: every page recognised
    print(f"start: {load()}")
    print(f"{'document (mean: documents)':42} pages  recall born  recall scan  CER   s/page  source (scan)")
    rows = []
    for i, cdoc in enumerate(docs):
        truth = read_outline(PdfReader(cdoc.path))
        born = flash.without_outline(Path(cdoc.path), work, cdoc.name)
        scan = work / "scans" / f"{i}.pdf"
        if not scan.exists():
            scanned_copy(Path(cdoc.path), scan, args.noisy and i % 2 == 1)
        r_born, _s, _src = recall(born, truth, work / f"born{i}")
        started = time.perf_counter()
        r_scan, _s, source = recall(scan, truth, work / f"scan{i}")
        seconds = (time.perf_counter() - started) / cdoc.pages
        original, read = PdfDocument(cdoc.path, ocr=False), PdfDocument(scan, ocr=True)
        rates = []
        for page in range(1, cdoc.pages + 1):
            truth, found = original.page_lines(page), read.page_lines(page)
            if truth is not None and found is not None and truth.text.strip():
                rates.append(score_page(found, truth).cer)
        page_cer = statistics.median(rates) if rates else 0.0
        noisy = args.noisy and i % 2 == 1
        rows.append((r_born, r_scan, page_cer, seconds, noisy))
        print(
            f"{cdoc.path.name[:42]:42} {cdoc.pages:5}  {r_born:11.2f}  {r_scan:11.2f}  {page_cer:.3f} "
            f"{seconds:6.1f}  {source}{' (turned, noisy)' if noisy else ''}",
            flush=True,
        )
    for label, group in (("mean, clean", False), ("mean, noisy", True)):
        mine = [r for r in rows if r[4] == group]
        if mine:
            mean = lambda k: statistics.mean(r[k] for r in mine)  # noqa: E731, B023
            print(f"{label:42} {len(mine):5}  {mean(0):11.2f}  {mean(1):11.2f}  {mean(2):.3f} {mean(3):6.1f}")
    if rows:
        mean = lambda k: statistics.mean(r[k] for r in rows)  # noqa: E731
        print(
            f"{'mean':42} {'':5}  {mean(0):11.2f}  {mean(1):11.2f}  {mean(2):.3f} {mean(3):6.1f}   "
            f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB (this process), "
            f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024} MB (largest child process); "
            f"end: {load()}"
        )


if __name__ == "__main__":
    main()
