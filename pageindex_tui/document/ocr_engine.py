"""The embedded OCR engine: Tesseract 5 (Apache-2.0), run as the `tesseract` command with its TSV output.

Debian's `tesseract-ocr` installs it with the English model (`tesseract-ocr-eng`): nothing is downloaded
at run time, and nothing is imported into this process (one subprocess per page), so starting the CLI
or the app costs nothing. Each process runs one thread (OMP_THREAD_LIMIT=1 unless the environment sets
it) and PAGES_AT_ONCE pages are read side by side: on two shared cores (load average 12-18),
benchmarks/ocr_bench.py --throughput measured 13.6 s a page for one process with Tesseract's OpenMP
threads, 5.7 for one single-threaded process, 4.6 for two (OpenMP's threads wait busily for each other
when the cores are taken). benchmarks/ocr_bench.py chose it over RapidOCR: same character error rate,
3-4 times faster on two cores, 30 MB instead of 500 MB, and it keeps the spaces between words.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
from typing import TYPE_CHECKING

from .ocr import EMBEDDED_ENGINE, OcrLine, engine_command
from .weight import mark_bold

if TYPE_CHECKING:
    from PIL import Image

LOW_CONFIDENCE = 0.6  # mean word confidence under which a page's orientation is checked
PAGES_AT_ONCE = max(1, min(8, os.cpu_count() or 1))  # one process per core, each with one thread (below)
PAGE_TIMEOUT = 300.0  # seconds one page may take before it counts as unreadable
PSM = "3"  # Tesseract's automatic page segmentation: columns found (4 and 6 read worse: the README)
LANGUAGES = os.environ.get("PAGEINDEX_OCR_LANGUAGES", "eng")  # Tesseract's -l: models installed, e.g. eng+deu


_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.M)


def parse_tsv(tsv: str) -> list[OcrLine]:
    """Tesseract's TSV as lines: the box of each text line (level 4), the text of its words (level 5)."""
    boxes: dict[tuple[str, str, str, str], tuple[int, int, int, int]] = {}
    words: dict[tuple[str, str, str, str], list[tuple[str, float]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        try:
            key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
            left, top, width, height = (int(row[name]) for name in ("left", "top", "width", "height"))
            level, confidence = row["level"], float(row["conf"])
        except (KeyError, TypeError, ValueError):
            continue  # a row that is not Tesseract's: skipped
        if level == "4":
            boxes[key] = (left, top, left + width, top + height)
        elif level == "5" and (row.get("text") or "").strip():
            words.setdefault(key, []).append(((row.get("text") or "").strip(), confidence))
    out = []
    for key, found in words.items():
        if key not in boxes:
            continue
        x0, top, x1, bottom = boxes[key]
        score = sum(conf for _w, conf in found) / len(found) / 100.0
        out.append(OcrLine(" ".join(word for word, _c in found), x0, top, x1, bottom, max(0.0, score)))
    return out


def _confidence(lines: list[OcrLine]) -> float:
    return sum(line.confidence for line in lines) / len(lines) if lines else 0.0


def _run(image: Image.Image, *options: str) -> str:
    program = engine_command()
    if program is None:
        raise RuntimeError("the tesseract command is not installed")
    png = io.BytesIO()
    image.save(png, format="PNG")
    dpi = image.info.get("dpi", (0, 0))[0]
    extra = ["--dpi", str(round(dpi))] if dpi else []
    done = subprocess.run(
        [program, "stdin", "stdout", *extra, *options],
        env={**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")},
        input=png.getvalue(),
        capture_output=True,
        timeout=PAGE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise RuntimeError(f"tesseract exited with status {done.returncode}: {''.join(tail)[:200]}")
    return done.stdout.decode("utf-8", "replace")


def turn_of(image: Image.Image) -> int:
    """Degrees (0, 90, 180, 270) to turn the page clockwise so its text stands upright, by Tesseract's
    orientation detection (`--psm 0`, its osd model); 0 when it cannot tell."""
    try:
        found = _ROTATE.search(_run(image, "--psm", "0"))
    except (RuntimeError, subprocess.TimeoutExpired):
        return 0
    return int(found.group(1)) % 360 if found else 0


def _read(image: Image.Image, psm: str = PSM) -> list[OcrLine]:
    """The page's lines, bold where their strokes are (`weight.mark_bold`), boxes in `image`'s pixels."""
    return mark_bold(image, parse_tsv(_run(image, "--psm", psm, "-l", LANGUAGES, "tsv")))


class EmbeddedRecognizer:
    """Tesseract on this machine's CPU, one page per process. A page read with low confidence is checked
    for orientation, and read again turned upright where that reads better (a page scanned upside down)."""

    name = EMBEDDED_ENGINE

    def __init__(self, psm: str = PSM) -> None:
        self.psm = psm  # another page segmentation mode: benchmarks/ocr_bench.py's comparison

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        found = _read(image, self.psm)
        if _confidence(found) >= LOW_CONFIDENCE:
            return found
        turn = turn_of(image)
        if not turn:
            return found
        upright = image.rotate(-turn, expand=True)
        upright.info["dpi"] = image.info.get("dpi", (0, 0))
        again = _read(upright, self.psm)
        return again if _confidence(again) > _confidence(found) else found
