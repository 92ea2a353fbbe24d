"""Seconds to read every page's text with font information, by each candidate reader.

    python benchmarks/reading_options.py [PDF ...]     # default: sample_docs/*.pdf

Readers: pypdf's extract_text (plain text, the baseline), pypdf with a text visitor (text plus font
and size per run), pypdfium2 through our reader (lines with size, weight, font and box), and
pdfplumber's words with font name and size (when importable; it is not our dependency).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pypdf_plain(path: Path) -> int:
    from pypdf import PdfReader

    return sum(len(p.extract_text() or "") for p in PdfReader(path).pages)


def pypdf_visitor(path: Path) -> int:
    from pypdf import PdfReader

    runs: list[tuple[str, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            name = str(font.get("/BaseFont", "")) if font else ""
            runs.append((text, size * (tm[3] if tm else 1), name))

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return len(runs)


def pdfium_lines(path: Path) -> int:
    from pageindex_tui.document.lines import read_lines

    return sum(len(p.lines) for p in read_lines(path.read_bytes()))


def pdfplumber_words(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(p.extract_words(extra_attrs=["fontname", "size"])) for p in pdf.pages)


READERS = {
    "pypdf text": pypdf_plain,
    "pypdf visitor": pypdf_visitor,
    "pypdfium2 lines": pdfium_lines,
    "pdfplumber words": pdfplumber_words,
}


def main() -> None:
    paths = [Path(a) for a in sys.argv[1:]] or sorted((ROOT / "sample_docs").glob("*.pdf"))
    print(f"{'document':40s} {'pages':>5s} " + " ".join(f"{name:>17s}" for name in READERS))
    for path in paths:
        from pypdf import PdfReader

        cells = []
        for reader in READERS.values():
            started = time.perf_counter()
            try:
                reader(path)
                cells.append(f"{time.perf_counter() - started:16.2f}s")
            except ImportError:
                cells.append(f"{'n/a':>17s}")
        print(f"{path.name[:40]:40s} {len(PdfReader(path).pages):5d} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
