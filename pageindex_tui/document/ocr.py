"""Scanned pages: which pages have no usable text layer, their images, and the lines OCR reads on them.

A page needs OCR when its text layer is missing or junk (`usable_text`) and it draws an image. Its
image is rendered through pdfium at `OCR_DPI`, a few pages at a time; a recognizer (the embedded engine
in `ocr_engine.py`, or a vision model on the server) returns `OcrLine`s with boxes in the image's
pixels, and `page_lines` turns them into the same `PageLines` a born-digital page gives: the box
height stands in for the font size, and the embedded engine marks lines whose strokes are heavier than
the page's usual ones as bold (`weight.py`), so the layout stage finds headings in scans as it does
elsewhere.

Recognised lines are cached on disk by the digest of the page image (`OcrCache`), so a second run, and
`ask` or the reader opening the document later, read them back without recognising again.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import statistics
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .. import checked
from ..errors import DamagedFile, OutputError
from ..store.files import PRIVATE_FILE, PRIVATE_FOLDER, atomic_write_json, cache_dir
from .lines import PageLines, TextLine

if TYPE_CHECKING:
    from PIL import Image

OCR_DPI = 150  # measured (benchmarks/ocr_bench.py): mean CER 1.4%; 300 dpi 0.9% and 25% slower
MIN_TEXT_CHARS = 20  # non-space characters a page needs to count as "has text"
CAP_EM = 0.70  # height of capitals, digits and ascenders, in font sizes (as document/lines.py reads glyphs)
X_EM = 0.48  # height of lower-case letters without ascenders
DESCENT_EM = 0.22  # depth of descenders below the baseline
_ASCENDING = frozenset("bdfhijklt()[]{}/\\|!?'\"#%&@$")  # reach the capitals' height, or above
_DESCENDING = frozenset("gjpqy()[]{}|")  # reach below the baseline
SIZE_STEP = 0.5  # recognised sizes are rounded to this many points, so equal sizes cluster
BODY_BAND = 0.2  # a line within this share of the page's median line height is body text, its size
CACHE_FORMAT = "lines+bold"  # changed when a recognised page's content changes meaning
EMBEDDED_ENGINE = "tesseract"
EMBEDDED_PACKAGE = "tesseract-ocr"  # Debian's package (with its English model, tesseract-ocr-eng)
INSTALL_HINT = "install Tesseract (`apt-get install tesseract-ocr`)"
_WORD = re.compile(r"[^\W\d_]+")
_VOWELS = frozenset("aeiouyAEIOUY")


@dataclass(frozen=True)
class OcrLine:
    """One recognised line; its box in pixels of the page image, y downwards from the top."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0
    size: float = 0.0  # a font size the engine states (a vision model's heading level); 0: from the box
    bold: bool = False  # strokes markedly heavier than the page's usual ones (`weight.mark_bold`)


class Recognizer(Protocol):
    name: str  # "tesseract", or "vision:<model>"

    def recognize(self, image: Image.Image) -> list[OcrLine]: ...


def usable_text(text: str) -> bool:
    """Whether a page's text layer is worth reading: enough characters, few private-use or replacement
    glyphs, mostly letters and digits, and words that read like words (an invisible OCR layer of
    garbage is spaced-out single letters, or consonant runs)."""
    chars = "".join(text.split())  # str.split drops exactly the characters str.isspace names
    if len(chars) < MIN_TEXT_CHARS:
        return False
    odd = sum(chars.count(ch) for ch in set(chars) if _odd(ch))  # each distinct character asked once
    if odd > 0.1 * len(chars):
        return False
    if sum(map(str.isalnum, chars)) < 0.5 * len(chars):
        return False
    words = _WORD.findall(text)
    if not words:
        return True  # figures and codes: digits only, read as they are
    single = sum(1 for w in words if len(w) == 1)
    if len(words) >= 10 and single > 0.5 * len(words):
        return False
    latin = [w for w in words if len(w) > 3 and w.isascii()]
    voiceless = sum(1 for w in latin if not _VOWELS.intersection(w))
    return not (len(latin) >= 10 and voiceless > 0.4 * len(latin))


def _odd(ch: str) -> bool:
    return ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cn", "Cs")


def engine_command() -> str | None:
    """The embedded engine's command (`tesseract`): its path, or None when it is not installed."""
    return shutil.which(EMBEDDED_ENGINE)


def engine_installed() -> bool:
    """Whether the embedded engine (the `tesseract` command) is installed."""
    return engine_command() is not None


def page_lines(page: int, width: float, height: float, dpi: float, found: list[OcrLine]) -> PageLines:
    """`found` (pixels at `dpi`) as the lines of a `width` x `height` point page; size from box height.
    The engine's reading order is kept: Tesseract reads a column's lines before the next column's."""
    scale = 72.0 / dpi
    kept = [line for line in found if line.text.strip()]
    measured = [box_size(line) * scale for line in kept]
    unstated = [m for m, line in zip(measured, kept, strict=True) if not line.size]
    body = statistics.median(unstated) if unstated else 0.0
    lines = []
    for item, estimate in zip(kept, measured, strict=True):
        if body and abs(estimate / body - 1.0) <= BODY_BAND:
            estimate = body  # the page's body text: one size
        size = item.size or round(estimate / SIZE_STEP) * SIZE_STEP
        lines.append(
            TextLine(
                text=" ".join(item.text.split()),
                size=max(size, SIZE_STEP),
                bold=item.bold,
                font="",
                x0=item.x0 * scale,
                x1=item.x1 * scale,
                top=item.top * scale,
                bottom=item.bottom * scale,
            )
        )
    return PageLines(page=page, width=width, height=height, rotation=0, lines=lines, fonts_known=bool(lines))


def digest(image: Image.Image) -> str:
    """The OCR cache's key for a page image: its mode, size and pixels, and what a cached page holds
    (`CACHE_FORMAT`: entries written before lines carried `bold` are misses, read again)."""
    head = f"{CACHE_FORMAT} {image.mode} {image.width}x{image.height}\n".encode()
    return hashlib.sha256(head + image.tobytes()).hexdigest()


@dataclass(frozen=True)
class Recognised:
    engine: str
    lines: list[OcrLine]


class OcrCache:
    """Recognised lines on disk, one JSON file per page image digest (0600, as the reply cache)."""

    def __init__(self, folder: Path | None = None, enabled: bool = True) -> None:
        self.folder = Path(folder) if folder else cache_dir() / "ocr"
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Recognised | None:
        if not self.enabled:
            return None
        try:
            return checked.read_json(self._path(key), _recognised)
        except (OSError, DamagedFile):
            return None  # a damaged entry is a miss: the page is recognised again

    def put(self, key: str, found: Recognised) -> None:
        if not self.enabled:
            return
        data = {"engine": found.engine, "lines": [asdict(line) for line in found.lines]}
        try:
            atomic_write_json(self._path(key), data, PRIVATE_FILE, PRIVATE_FOLDER)
        except (OutputError, OSError):
            pass  # a cache that cannot be written is only slower, never wrong


def _recognised(value: object) -> Recognised:
    data = checked.obj(value, "the recognised page")
    engine = checked.text(data.get("engine"), "engine")
    lines = []
    for i, item in enumerate(checked.seq(data.get("lines"), "lines")):
        line = checked.obj(item, f"lines[{i}]")
        lines.append(
            OcrLine(
                text=checked.text(line.get("text"), f"lines[{i}].text"),
                **{
                    name: checked.number(line.get(name), f"lines[{i}].{name}")
                    for name in ("x0", "top", "x1", "bottom", "confidence", "size")
                },
                bold=checked.flag(line.get("bold"), f"lines[{i}].bold", False),
            )
        )
    return Recognised(engine, lines)


def box_size(line: OcrLine) -> float:
    """The font size a recognised line's box shows, in its pixels: the box reaches from the tallest
    character's top (a capital, digit or ascender; else the x-height) down to the baseline, or to the
    descenders where the text has one, so a line in capitals (a heading in small capitals, "IV. TEXT
    DATA") is not taken for smaller type than a line of body text with its descenders."""
    text = line.text
    top = CAP_EM if any(ch.isupper() or ch.isdigit() or ch in _ASCENDING for ch in text) else X_EM
    reach = top + (DESCENT_EM if any(ch in _DESCENDING for ch in text) else 0.0)
    return (line.bottom - line.top) / reach
