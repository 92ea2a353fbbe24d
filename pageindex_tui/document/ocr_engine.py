"""The embedded OCR engine: Tesseract 5 (Apache-2.0), run as the `tesseract` command with its TSV output.

Debian's `tesseract-ocr` installs it with the English model (`tesseract-ocr-eng`): nothing is downloaded
at run time, and nothing is imported into this process (one subprocess per page), so starting the CLI
or the app costs nothing. Each process runs one thread (OMP_THREAD_LIMIT=1 unless the environment sets
it) and PAGES_AT_ONCE pages are read side by side: on two shared cores (load average 12-18),
benchmarks/ocr_bench.py --throughput measured 13.6 s a page for one process with Tesseract's OpenMP
threads, 5.7 for one single-threaded process, 4.6 for two (OpenMP's threads wait busily for each other
when the cores are taken). benchmarks/ocr_bench.py chose it over RapidOCR: same character error rate,
3-4 times faster on two cores, 30 MB instead of 500 MB, and it keeps the spaces between words.

Tesseract's page layout analysis (`--psm 3`) sometimes leaves a column out altogether: the page numbers of
a printed contents set apart at the right margin (a 10-Q's contents lost all of theirs but the last
nine). So each page is read twice: once whole, then once more with what was read painted white and
Tesseract's sparse-text mode (`--psm 11`), which finds what is left (`_leftovers`); a word found there
on the same row as a line read the first time joins that line ("Notes to the statements ... 85"). On the
corpus's dev half (16 pages at 150 dpi) that took the mean character error rate from 1.4% to 1.0% for
15% more time (the second pass reads a mostly blank page).
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
SETTINGS: tuple[str, ...] = ()  # Tesseract's -c variables (name=value)
LEFTOVER_PSM = "11"  # sparse text: whatever the first pass's layout analysis left out
LEFTOVER_CONFIDENCE = 0.6  # mean word confidence a line found in the second pass needs to be kept
MASK_PAD = 2  # pixels around a line read in the first pass, painted white with it
SAME_ROW = 0.5  # a leftover that overlaps a first-pass line by this share of its height joins that line
LANGUAGES = os.environ.get("PAGEINDEX_OCR_LANGUAGES", "eng")  # Tesseract's -l: models installed, e.g. eng+deu


_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.M)
_FOLIO = re.compile(r"^(\d{1,4}|[ivxlcdm]{1,7})$", re.IGNORECASE)  # a page number, as index/toc.py reads one


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


def _read(image: Image.Image, psm: str = PSM, settings: tuple[str, ...] = SETTINGS) -> list[OcrLine]:
    """The page's lines, with what the first pass left out (`_leftovers`), bold where their strokes are
    (`weight.mark_bold`), boxes in `image`'s pixels."""
    variables = [part for name in settings for part in ("-c", name)]
    found = parse_tsv(_run(image, "--psm", psm, "-l", LANGUAGES, *variables, "tsv"))
    if found and psm == PSM:
        found = join_leftovers(found, _leftovers(image, found, variables))
    return mark_bold(image, found)


def _leftovers(image: Image.Image, found: list[OcrLine], variables: list[str]) -> list[OcrLine]:
    """Lines on `image` outside `found`'s boxes: the page with those painted white, read as sparse text;
    only lines read with some confidence and holding a letter or digit (not a picture's specks)."""
    from PIL import ImageDraw

    masked = image.convert("L")  # a copy: the page image itself stays as it is (its digest is the cache key)
    draw = ImageDraw.Draw(masked)
    for line in found:
        pad = MASK_PAD
        draw.rectangle((line.x0 - pad, line.top - pad, line.x1 + pad, line.bottom + pad), fill=255)
    masked.info["dpi"] = image.info.get("dpi", (0, 0))
    more = parse_tsv(_run(masked, "--psm", LEFTOVER_PSM, "-l", LANGUAGES, *variables, "tsv"))
    return [
        line
        for line in more
        if line.confidence >= LEFTOVER_CONFIDENCE and any(ch.isalnum() for ch in line.text)
    ]


def join_leftovers(found: list[OcrLine], leftovers: list[OcrLine]) -> list[OcrLine]:
    """`found` with each leftover page number ("85", "xii") joined to the line it ends: the nearest line
    to its left on its row (sharing SAME_ROW of the smaller height or more), as a printed contents
    entry reads; any other leftover is a line of its own, after the others (a number joined to a
    line of another column, or a picture's words to a line beside it, would misread both)."""
    lines = list(found)
    alone = []
    for extra in leftovers:
        row = [
            (extra.x0 - line.x1, i)
            for i, line in enumerate(lines)
            if line.x1 <= extra.x0 + MASK_PAD and _row_overlap(line, extra) >= SAME_ROW
        ]
        if not row or not _FOLIO.match(extra.text):
            alone.append(extra)
            continue
        at = min(row)[1]
        line = lines[at]
        lines[at] = OcrLine(
            f"{line.text} {extra.text}",
            line.x0,
            min(line.top, extra.top),
            extra.x1,
            max(line.bottom, extra.bottom),
            min(line.confidence, extra.confidence),
        )
    return lines + alone


def _row_overlap(a: OcrLine, b: OcrLine) -> float:
    """How much of the smaller of two lines' heights they share."""
    shared = min(a.bottom, b.bottom) - max(a.top, b.top)
    return max(0.0, shared) / max(1.0, min(a.bottom - a.top, b.bottom - b.top))


class EmbeddedRecognizer:
    """Tesseract on this machine's CPU, one page per process. A page read with low confidence is checked
    for orientation, and read again turned upright where that reads better (a page scanned upside down)."""

    name = EMBEDDED_ENGINE

    def __init__(self, psm: str = PSM, settings: tuple[str, ...] = SETTINGS) -> None:
        self.psm = psm  # another page segmentation mode: benchmarks/ocr_bench.py's comparison
        self.settings = settings  # other -c variables, likewise

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        found = _read(image, self.psm, self.settings)
        if _confidence(found) >= LOW_CONFIDENCE:
            return found
        turn = turn_of(image)
        if not turn:
            return found
        upright = image.rotate(-turn, expand=True)
        upright.info["dpi"] = image.info.get("dpi", (0, 0))
        again = _read(upright, self.psm, self.settings)
        return again if _confidence(again) > _confidence(found) else found
