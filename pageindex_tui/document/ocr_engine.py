"""The embedded OCR engine: Tesseract 5 (Apache-2.0), run as the `tesseract` command with its TSV output.

Debian's `tesseract-ocr` installs it with the English model (`tesseract-ocr-eng`): nothing is downloaded
at run time, and nothing is imported into this process (one subprocess per page), so starting the CLI
or the app costs nothing. benchmarks/ocr_bench.py chose it over RapidOCR: same character error rate,
3-4 times faster on two cores, 30 MB instead of 500 MB, and it keeps the spaces between words.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from typing import TYPE_CHECKING

from .ocr import EMBEDDED_ENGINE, OcrLine
from .weight import mark_bold

if TYPE_CHECKING:
    from PIL import Image

LOW_CONFIDENCE = 0.6  # mean word confidence under which a page's orientation is checked
PAGE_TIMEOUT = 300.0  # seconds one page may take before it counts as unreadable
LANGUAGES = os.environ.get("PAGEINDEX_OCR_LANGUAGES", "eng")  # Tesseract's -l: models installed, e.g. eng+deu


_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.M)


def command() -> str | None:
    """The `tesseract` command's path, or None when it is not installed."""
    return shutil.which("tesseract")


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
    program = command()
    if program is None:
        raise RuntimeError("the tesseract command is not installed")
    png = io.BytesIO()
    image.save(png, format="PNG")
    dpi = image.info.get("dpi", (0, 0))[0]
    extra = ["--dpi", str(round(dpi))] if dpi else []
    done = subprocess.run(
        [program, "stdin", "stdout", *extra, *options],
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


def _read(image: Image.Image) -> list[OcrLine]:
    """The page's lines, bold where their strokes are (`weight.mark_bold`), boxes in `image`'s pixels."""
    return mark_bold(image, parse_tsv(_run(image, "--psm", "3", "-l", LANGUAGES, "tsv")))


class EmbeddedRecognizer:
    """Tesseract on this machine's CPU, one page per process. A page read with low confidence is checked
    for orientation, and read again turned upright where that reads better (a page scanned upside down)."""

    name = EMBEDDED_ENGINE

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        found = _read(image)
        if _confidence(found) >= LOW_CONFIDENCE:
            return found
        turn = turn_of(image)
        if not turn:
            return found
        upright = image.rotate(-turn, expand=True)
        upright.info["dpi"] = image.info.get("dpi", (0, 0))
        again = _read(upright)
        return again if _confidence(again) > _confidence(found) else found
