"""OCR engines measured on real pages (issue 20): character error rate, seconds per page, per resolution.

Ground truth: born-digital pages of the structure benchmark's real corpus (benchmarks/corpus.py), whose
text layer is what the page says. Each page is rendered with pdfium at each resolution and recognised.

CER = edit distance / reference length, after both sides are normalised the same way (`normalize`):
Unicode NFKC (ligatures such as U+FB01 become "fi"), curly quotes, dashes and bullets folded to ASCII,
private-use glyphs dropped (symbol fonts' check marks and arrows: no text to read), a word hyphenated at
a line end joined, dot and underscore leaders dropped, whitespace runs made one space. Reading order is
not counted against the engine: each recognised line is put where the text-layer line its box overlaps
most stands (`in_layer_order`), so a two-column page read column by column is compared line by line.
Recognised lines over no text-layer line (words drawn as paths in a chart, text inside a picture) are
left out of the CER and counted apart as "extra" (their characters over the reference's). "raw" is the
old figure: whitespace made one space, each side in its own order.

Text-layer lines the page image cannot show are left out of the reference (`shown`): a line wholly
outside the page as displayed (pdfium's crop box; a cover spread whose front half's title lies beyond the
back cover's crop box) is in the layer but on no rendered pixel, so no engine can read it. The rule is
read off the PDF itself (the line's box against the page's width and height, both in crop-box points),
never off a document's name. "all" is the CER with every layer line kept, the figure before this rule,
printed beside it.

Each page is scored clean (rendered as it is) and "noisy" (--variants; both by default): the same image turned
0.4 degrees and speckled (`degrade`, as benchmarks/ocr_structure.py --noisy makes its scanned copies); the
summary gives each variant apart, and the goal of issue 20 ("CER <= 3% on clean scans") is read off the
clean rows.

    python benchmarks/ocr_bench.py --split dev --docs 8 --pages 2 --dpi 150,200,300
    python benchmarks/ocr_bench.py --split check --docs 8 --pages 2 --variants clean
    python benchmarks/ocr_bench.py --throughput --docs 6 --pages 2   # one process vs two, 2 cores
    python benchmarks/ocr_bench.py --engines rapidocr,tesseract --split check
    python benchmarks/ocr_bench.py --scanned ~/.cache/pageindex-tui/scanned
    python benchmarks/ocr_bench.py --engines vision --endpoint http://gpu:8000/v1 \
        --model Qwen/Qwen2.5-VL-7B-Instruct

Engines: "tesseract" (the embedded engine, pageindex_tui/document/ocr_engine.py), "rapidocr" (for comparison
only: `pip install rapidocr-onnxruntime`), "vision" (the settings' OCR model path, at --endpoint). Every
run prints the machine's load average (os.getloadavg) beside the seconds: on a shared machine they
measure the load as much as the engine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

try:
    import numpy
except ImportError:  # the edit distance in plain Python; RapidOCR (which brings numpy) not measured
    numpy = None

from pageindex_tui.document.lines import PageLines, TextLine  # noqa: E402
from pageindex_tui.document.ocr import OcrLine, page_lines, usable_text  # noqa: E402
from pageindex_tui.document.ocr_engine import PSM, SETTINGS, EmbeddedRecognizer  # noqa: E402
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
    """The raw rate: whitespace runs made one space (or dropped), nothing else normalised."""
    norm = (lambda s: " ".join(s.split())) if spaces else (lambda s: "".join(s.split()))
    ref = norm(truth)
    return distance(norm(found), ref) / max(1, len(ref))


_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u2022\u00b7\u25cf\u25aa\u2023\u2043\u25e6", "*"),
        "\u00ad": "",
    }
)
_HYPHENATED = re.compile(r"(\w)-[ \t]*\n\s*(\w)")
_LEADERS = re.compile(r"(?:[._\u2026][ ]?){3,}")
_PRIVATE = re.compile("[\ue000-\uf8ff]")


def normalize(text: str) -> str:
    """Both sides of the CER, the same way: what differs in code points but not in what a page shows."""
    text = _PRIVATE.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD))
    text = _LEADERS.sub(" ", _HYPHENATED.sub(r"\1\2", text))
    return " ".join(text.split())


def _overlap(a: TextLine, b: TextLine) -> float:
    high = min(a.bottom, b.bottom) - max(a.top, b.top)
    wide = min(a.x1, b.x1) - max(a.x0, b.x0)
    return high * wide if high > 0 and wide > 0 else 0.0


def in_layer_order(found: list[TextLine], truth: list[TextLine]) -> tuple[list[TextLine], list[TextLine]]:
    """Recognised lines in the text layer's order (each where the layer's line its box overlaps most
    stands), and those over no line of the layer."""
    placed: list[tuple[int, float, float, TextLine]] = []
    extra = []
    for line in found:
        best, at = max(((_overlap(line, t), k) for k, t in enumerate(truth)), default=(0.0, -1))
        if best > 0:
            placed.append((at, line.top, line.x0, line))
        else:
            extra.append(line)
    placed.sort(key=lambda item: item[:3])
    return [item[3] for item in placed], extra


@dataclass
class PageScore:
    cer: float  # normalised, in the text layer's order, against the lines the page shows (`shown`)
    raw: float  # whitespace only, each side in its own order
    extra: float  # recognised characters over no line of the text layer, over the reference's
    all: float = 0.0  # as `cer`, against every line of the text layer (the figure before `shown`)


def shown(truth: PageLines) -> PageLines:
    """The text layer less its lines wholly outside the page as displayed (the crop box): no pixel of
    the rendered page shows them."""
    inside = [
        line
        for line in truth.lines
        if line.x1 > 0 and line.x0 < truth.width and line.bottom > 0 and line.top < truth.height
    ]
    return replace(truth, lines=inside)


def _layer_cer(found: PageLines, truth: PageLines) -> tuple[float, float]:
    ordered, extra = in_layer_order(found.lines, truth.lines)
    ref = normalize(truth.text)
    laid = PageLines(found.page, found.width, found.height, 0, ordered)
    return (
        distance(normalize(laid.text), ref) / max(1, len(ref)),
        sum(len(normalize(line.text)) for line in extra) / max(1, len(ref)),
    )


def score_page(found: PageLines, truth: PageLines) -> PageScore:
    """The recognised page against its text layer, both in points."""
    rate, extra = _layer_cer(found, shown(truth))
    everything, _extra = _layer_cer(found, truth)
    return PageScore(rate, cer(found.text, truth.text), extra, everything)


def degrade(image: Image.Image) -> Image.Image:
    """A page image as a worn scan: turned 0.4 degrees about its centre and given light speckle."""
    from PIL import Image

    noise = Image.effect_noise(image.size, 24).point(lambda v: 255 if v > 40 else 0)
    worn = Image.blend(image.rotate(0.4, fillcolor=255), noise.convert("L"), 0.06)
    worn.info["dpi"] = image.info.get("dpi", (0, 0))
    return worn


VARIANTS = {"clean": lambda image: image, "noisy": degrade}


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


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
    if name.startswith("tesseract"):  # "tesseract:6": another --psm; "tesseract:3:name=value:...": -c too
        _engine, psm, *settings = [*name.split(":"), ""]
        return EmbeddedRecognizer(psm or PSM, tuple(s for s in settings if s) or SETTINGS)
    if name == "vision":
        from pageindex_tui.index.ocr_vision import blocking_recognizer

        return blocking_recognizer(args.endpoint, args.model)
    raise SystemExit(f"unknown engine {name!r}: rapidocr, tesseract or vision")


@dataclass
class Row:
    engine: str
    dpi: int
    variant: str
    score: PageScore
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
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant {unknown[0]!r}: clean or noisy")
    rows: list[Row] = []
    docs = corpus.documents(args.split)[: args.docs]
    print(f"start: {load()}")
    for cdoc in docs:
        doc = PdfDocument(cdoc.path)
        for page in pages_of(doc, args.pages):
            truth = doc.page_lines(page)
            if truth is None:
                continue
            for dpi, variant in [(d, v) for d in dpis for v in variants]:
                image = VARIANTS[variant](doc.render(page, dpi))
                for name, recognizer in engines:
                    started = time.perf_counter()
                    found = recognizer.recognize(image)  # type: ignore[attr-defined]
                    seconds = time.perf_counter() - started
                    score = score_page(page_lines(page, truth.width, truth.height, dpi, found), truth)
                    rows.append(Row(name, dpi, variant, score, seconds))
                    print(
                        f"{cdoc.path.name[:40]:40} p{page:<4} {name:12} {dpi:4} dpi {variant:5}  "
                        f"CER {score.cer:6.3f}  all {score.all:6.3f}  raw {score.raw:6.3f}  "
                        f"extra {score.extra:6.3f}  "
                        f"{seconds:5.2f} s  (load {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
    print(
        f"\nsummary ({len(docs)} documents of the {args.split} split; median and mean over pages; {load()})"
    )
    for name, _r in engines:
        for dpi, variant in [(d, v) for d in dpis for v in variants]:
            mine = [r for r in rows if (r.engine, r.dpi, r.variant) == (name, dpi, variant)]
            if not mine:
                continue
            rates, raws = [r.score.cer for r in mine], [r.score.raw for r in mine]
            alls = [r.score.all for r in mine]
            seconds = [r.seconds for r in mine]
            print(
                f"{name:12} {dpi:4} dpi {variant:5}  pages {len(mine):3}  "
                f"CER median {statistics.median(rates):.3f} mean {statistics.mean(rates):.3f}  "
                f"all median {statistics.median(alls):.3f} mean {statistics.mean(alls):.3f}  "
                f"raw median {statistics.median(raws):.3f} mean {statistics.mean(raws):.3f}  "
                f"extra median {statistics.median(r.score.extra for r in mine):.3f}  "
                f"s/page median {statistics.median(seconds):.2f} mean {statistics.mean(seconds):.2f}"
            )


def throughput(args: argparse.Namespace) -> None:
    """Seconds per page through the embedded engine: one page at a time with Tesseract's OpenMP threads,
    one at a time with one thread each, and two at a time with one thread each; rounds interleaved so a
    change in the machine's load falls on every way alike."""
    dpi = int(args.dpi.split(",")[0])
    images = []
    for cdoc in corpus.documents(args.split)[: args.docs]:
        doc = PdfDocument(cdoc.path)
        images += [doc.render(page, dpi) for page in pages_of(doc, args.pages)]
    recognizer = EmbeddedRecognizer()
    warm_up([recognizer])
    ways = {
        "1 process, OpenMP threads": (1, "64"),  # as unset: Tesseract starts up to 4 threads
        "1 process, 1 thread": (1, "1"),
        "2 processes, 1 thread each": (2, "1"),
    }
    took: dict[str, list[float]] = {way: [] for way in ways}
    for round_ in range(args.rounds):
        for way, (workers, limit) in ways.items():
            os.environ["OMP_THREAD_LIMIT"] = limit  # the engine's own default is 1
            started = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(recognizer.recognize, images))
            per = (time.perf_counter() - started) / len(images)
            took[way].append(per)
            print(
                f"round {round_ + 1}  {way:28} {per:6.2f} s/page over {len(images)} pages  ({load()})",
                flush=True,
            )
    os.environ.pop("OMP_THREAD_LIMIT", None)
    for way, seconds in took.items():
        print(f"{way:28} mean {statistics.mean(seconds):6.2f} s/page")


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
        "--engines",
        default="tesseract",
        help="rapidocr, tesseract, tesseract:PSM (another --psm), tesseract:PSM:NAME=VALUE (-c variables, "
        "more after colons), vision (comma-separated)",
    )
    parser.add_argument("--dpi", default="150", help="render resolutions, comma-separated")
    parser.add_argument(
        "--variants", default="clean,noisy", help="clean, noisy (turned and speckled), comma-separated"
    )
    parser.add_argument("--split", default="dev", choices=["dev", "check", "all"])
    parser.add_argument("--docs", type=int, default=6, help="documents of the split")
    parser.add_argument("--pages", type=int, default=2, help="pages per document")
    parser.add_argument(
        "--scanned", help="a folder of real scanned PDFs: pages needing OCR, seconds per page"
    )
    parser.add_argument("--throughput", action="store_true", help="one process vs two on the cores")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of --throughput")
    parser.add_argument("--endpoint", default=os.environ.get("VLLM_ENDPOINT", "http://localhost:8000/v1"))
    parser.add_argument("--model", default="", help="the vision model (engine 'vision')")
    args = parser.parse_args()
    if args.scanned:
        scanned(args)
    elif args.throughput:
        throughput(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
