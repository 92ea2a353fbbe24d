"""OCR engines measured on real pages (issue 20): character error rate, seconds per page, per resolution.

Ground truth: born-digital pages of the structure benchmark's real corpus (benchmarks/corpus.py), whose
text layer is what the page says. Each page is rendered with pdfium at each resolution, recognised, and
its text compared with the text layer: both read in rows top to bottom, left to right, whitespace runs
made one space; CER = edit distance / reference length ("CER" keeps the spaces, "CER-ns" drops them:
an engine that runs words together loses on the first only). Real scanned PDFs (--scanned DIR) have no
ground truth: for them it prints the pages found to need OCR and the seconds per page.

    python benchmarks/ocr_bench.py --split dev --docs 6 --pages 2 --dpi 100,150,200
    python benchmarks/ocr_bench.py --engines rapidocr,tesseract --split check
    python benchmarks/ocr_bench.py --scanned ~/.cache/pageindex-tui/scanned
    python benchmarks/ocr_bench.py --engines vision --endpoint http://gpu:8000/v1 \
        --model Qwen/Qwen2.5-VL-7B-Instruct

Engines: "tesseract" (the embedded engine, pageindex_tui/document/ocr_engine.py), "rapidocr" (for comparison
only: `pip install rapidocr-onnxruntime`), "vision" (the settings' OCR model path, at --endpoint).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

try:
    import numpy
except ImportError:  # the edit distance in plain Python; RapidOCR (which brings numpy) not measured
    numpy = None

from pageindex_tui.document.ocr import OcrLine, page_lines, usable_text  # noqa: E402
from pageindex_tui.document.ocr_engine import EmbeddedRecognizer  # noqa: E402
from pageindex_tui.document.pdf import PdfDocument  # noqa: E402


def distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row at a time (insertions by a running minimum)."""
    if not a or not b:
        return max(len(a), len(b))
    if numpy is None:
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        return row[-1]
    bb = numpy.frombuffer(b.encode("utf-32-le"), dtype=numpy.uint32)
    steps = numpy.arange(len(b) + 1)
    row = steps.copy()
    codes = numpy.frombuffer(a.encode("utf-32-le"), dtype=numpy.uint32)
    for i, code in enumerate(codes, 1):
        swap = row[:-1] + (bb != code)
        best = numpy.empty_like(row)
        best[0] = i
        best[1:] = numpy.minimum(row[1:] + 1, swap)
        row = numpy.minimum.accumulate(best - steps) + steps
    return int(row[-1])


def cer(found: str, truth: str, spaces: bool = True) -> float:
    norm = (lambda s: " ".join(s.split())) if spaces else (lambda s: "".join(s.split()))
    ref = norm(truth)
    return distance(norm(found), ref) / max(1, len(ref))


class RapidOcr:
    """RapidOCR (rapidocr-onnxruntime, PP-OCRv4 in ONNX Runtime), measured for comparison only."""

    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.engine = RapidOCR(max_side_len=2400)

    def recognize(self, image: object) -> list[OcrLine]:
        found, _elapsed = self.engine(numpy.asarray(image.convert("RGB")))  # type: ignore[attr-defined]
        out = []
        for box, text, score in found or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            out.append(OcrLine(str(text), min(xs), min(ys), max(xs), max(ys), float(score)))
        return out


def engine(name: str, args: argparse.Namespace) -> object:
    if name == "rapidocr":
        return RapidOcr()
    if name == "tesseract":
        return EmbeddedRecognizer()
    if name == "vision":
        from pageindex_tui.index.ocr_vision import blocking_recognizer

        return blocking_recognizer(args.endpoint, args.model)
    raise SystemExit(f"unknown engine {name!r}: rapidocr, tesseract or vision")


@dataclass
class Row:
    engine: str
    dpi: int
    cer: float
    cer_ns: float
    seconds: float


def pages_of(doc: PdfDocument, wanted: int) -> list[int]:
    """Up to `wanted` pages with a usable text layer, spread over the document (not the first)."""
    good = [p for p in range(2, doc.page_count + 1) if usable_text(doc.page_text(p))]
    if len(good) <= wanted:
        return good
    return [good[round(i * (len(good) - 1) / max(1, wanted - 1))] for i in range(wanted)]


def warm_up(recognizers: list[object]) -> None:
    """One small page each first: model loading is not a page's time."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).text((20, 80), "Warm up the engine", fill=0)
    for recognizer in recognizers:
        recognizer.recognize(image)  # type: ignore[attr-defined]


def measure(args: argparse.Namespace) -> None:
    engines = [(name, engine(name, args)) for name in args.engines.split(",")]
    warm_up([recognizer for _n, recognizer in engines])
    dpis = [int(d) for d in args.dpi.split(",")]
    rows: list[Row] = []
    docs = corpus.documents(args.split)[: args.docs]
    for cdoc in docs:
        doc = PdfDocument(cdoc.path)
        for page in pages_of(doc, args.pages):
            truth = doc.page_lines(page)
            if truth is None:
                continue
            for dpi in dpis:
                image = doc.render(page, dpi)
                for name, recognizer in engines:
                    started = time.perf_counter()
                    found = recognizer.recognize(image)  # type: ignore[attr-defined]
                    seconds = time.perf_counter() - started
                    text = page_lines(page, truth.width, truth.height, dpi, found).text
                    row = Row(name, dpi, cer(text, truth.text), cer(text, truth.text, False), seconds)
                    rows.append(row)
                    print(
                        f"{cdoc.path.name[:40]:40} p{page:<4} {name:10} {dpi:4} dpi  CER {row.cer:6.3f}  "
                        f"CER-ns {row.cer_ns:6.3f}  {seconds:5.2f} s",
                        flush=True,
                    )
    print(f"\nsummary ({len(docs)} documents of the {args.split} split; median and mean over pages)")
    for name, _r in engines:
        for dpi in dpis:
            mine = [r for r in rows if r.engine == name and r.dpi == dpi]
            if not mine:
                continue
            print(
                f"{name:10} {dpi:4} dpi  pages {len(mine):3}  "
                f"CER median {statistics.median(r.cer for r in mine):.3f} "
                f"mean {statistics.mean(r.cer for r in mine):.3f}  "
                f"CER-ns median {statistics.median(r.cer_ns for r in mine):.3f}  "
                f"s/page median {statistics.median(r.seconds for r in mine):.2f}"
            )


def scanned(args: argparse.Namespace) -> None:
    name = args.engines.split(",")[0]
    recognizer = engine(name, args)
    warm_up([recognizer])
    dpi = int(args.dpi.split(",")[0])
    for path in sorted(Path(args.scanned).expanduser().glob("*.pdf")):
        doc = PdfDocument(path, ocr=True)
        need = doc.scanned_pages()
        seconds, lines = [], 0
        for page in need:
            started = time.perf_counter()
            found = recognizer.recognize(doc.render(page, dpi))  # type: ignore[attr-defined]
            seconds.append(time.perf_counter() - started)
            lines += len(found)
        per = statistics.mean(seconds) if seconds else 0.0
        print(
            f"{path.name[:44]:44} pages {doc.page_count:3}  need OCR {len(need):3}  lines {lines:4}  "
            f"{per:5.2f} s/page"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engines", default="tesseract", help="rapidocr, tesseract, vision (comma-separated)"
    )
    parser.add_argument("--dpi", default="150", help="render resolutions, comma-separated")
    parser.add_argument("--split", default="dev", choices=["dev", "check", "all"])
    parser.add_argument("--docs", type=int, default=6, help="documents of the split")
    parser.add_argument("--pages", type=int, default=2, help="pages per document")
    parser.add_argument(
        "--scanned", help="a folder of real scanned PDFs: pages needing OCR, seconds per page"
    )
    parser.add_argument("--endpoint", default=os.environ.get("VLLM_ENDPOINT", "http://localhost:8000/v1"))
    parser.add_argument("--model", default="", help="the vision model (engine 'vision')")
    args = parser.parse_args()
    if args.scanned:
        scanned(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
