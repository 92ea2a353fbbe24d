"""The "ocr" stage: a PDF's scanned pages are recognised before its structure is looked for.

Pages without a usable text layer that draw an image (`PdfDocument.scanned_pages`, which renders
nothing) are rendered once each, one window at a time (memory stays flat); each image is looked up in
the OCR cache by its digest, and on a miss recognised by the embedded engine on this CPU (a page per
core, each in a thread waiting on its own single-threaded process) or by the settings' `ocr_model` (a
window of pages at once, bounded like every call). Their lines stand in for the text layer from then
on (`set_recognised`), so the layout stage, summaries, `ask` and the reader read them; a page read
back from the cache with the engine this run uses is not recognised again. The run record's facts
say which pages were read, by which engine, how many came from the cache, which failed, and the
seconds each took (`ocr_page_seconds`).

A page the engine cannot read is a warning, not a failure; a scanned PDF with no engine at all fails
with a message naming the package and the setting that add one.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from .. import events
from ..document.ocr import (
    INSTALL_HINT,
    OCR_DPI,
    OcrLine,
    Recognised,
    digest,
    engine_installed,
    page_lines,
)
from ..document.ocr_engine import PAGES_AT_ONCE, EmbeddedRecognizer
from ..errors import LLMError, NoTextLayer, ServerRefused, ServerUnavailable
from ..store.cache import ResponseCache
from .context import RunContext

if TYPE_CHECKING:
    from PIL import Image

    from ..document.pdf import PdfDocument

OCR_READ = ("layout", "model")  # sources that read a page's text, OCR's where the page was recognised
Outcome = Literal["read", "cached", "failed"]  # what became of one page
WINDOW = 8  # pages rendered and in flight at once (a vision model's calls); the embedded engine's: its own


class PageReader(Protocol):
    name: str

    async def recognize(self, image: Image.Image) -> list[OcrLine]: ...

    async def aclose(self) -> None: ...


class EmbeddedReader:
    """The embedded engine, in a thread so the event loop goes on."""

    def __init__(self) -> None:
        self.engine = EmbeddedRecognizer()
        self.name = self.engine.name

    async def recognize(self, image: Image.Image) -> list[OcrLine]:
        return await asyncio.to_thread(self.engine.recognize, image)

    async def aclose(self) -> None:
        return None


@dataclass
class OcrOutcome:
    pages: list[int]
    cached: int = 0
    failed: list[int] = field(default_factory=list)
    seconds: float = 0.0
    page_seconds: dict[int, float] = field(default_factory=dict)  # rendering and recognising, by page


def reader_for(ctx: RunContext, sink: events.EventSink, cache: ResponseCache | None) -> PageReader | None:
    """The settings' OCR model (its calls go to `sink`, its replies to `cache`), else the embedded
    engine where it is installed, else None."""
    if ctx.settings.ocr_model:
        from .ocr_vision import VisionRecognizer

        return VisionRecognizer.open(ctx.settings, ctx.doc_id, sink, cache)
    return EmbeddedReader() if engine_installed() else None


async def recognise_scanned(
    ctx: RunContext, doc: PdfDocument, sink: events.EventSink, cache: ResponseCache | None = None
) -> OcrOutcome | None:
    """Recognise `doc`'s scanned pages; None when it has none. Each page is rendered once, its image
    looked up in the OCR cache and recognised only on a miss; progress is told page by page. Fills
    the run's facts."""
    pages = await asyncio.to_thread(doc.scanned_pages)
    if not pages:
        return None
    reader = reader_for(ctx, sink, cache)
    if reader is None:
        _without_engine(ctx, doc, pages)
        return None
    outcome = OcrOutcome(pages)
    started = time.perf_counter()
    todo = [p for p in pages if doc.recognised.get(p) != reader.name]  # read back already: no rendering
    outcome.cached = len(pages) - len(todo)
    outcome.page_seconds = dict.fromkeys(pages, 0.0)
    ctx.stage("ocr", len(pages))
    ctx.progress("ocr", outcome.cached, len(pages))
    done = [outcome.cached]

    async def one(page: int) -> None:
        began = time.perf_counter()
        result = await _one(ctx, doc, reader, page)
        outcome.page_seconds[page] = round(time.perf_counter() - began, 2)
        if result == "failed":
            outcome.failed.append(page)
        elif result == "cached":
            outcome.cached += 1
        done[0] += 1
        ctx.progress("ocr", done[0], len(pages))

    try:
        step = PAGES_AT_ONCE if isinstance(reader, EmbeddedReader) else WINDOW
        for at in range(0, len(todo), step):
            await asyncio.gather(*(one(page) for page in todo[at : at + step]))
    finally:
        await reader.aclose()
    outcome.seconds = round(time.perf_counter() - started, 2)
    outcome.failed.sort()
    facts = ctx.facts
    facts.ocr_engine, facts.ocr_pages, facts.ocr_cached = reader.name, pages, outcome.cached
    facts.ocr_failed, facts.ocr_seconds = outcome.failed or None, outcome.seconds
    facts.ocr_page_seconds = [outcome.page_seconds[page] for page in pages]
    read = len(pages) - len(outcome.failed)
    ctx.done("ocr", f"{read}/{len(pages)} scanned pages read by {reader.name} ({outcome.cached} cached)")
    return outcome


async def _one(ctx: RunContext, doc: PdfDocument, reader: PageReader, page: int) -> Outcome:
    """Render one page (once), take its lines from the OCR cache where this engine read that image
    before, else recognise it; "failed" (and a warning) when the engine could not."""
    size = doc.page_size(page)
    if size is None:
        return "failed"
    image, key, known = await asyncio.to_thread(_rendered, doc, page)
    if known is not None and known.engine == reader.name:
        doc.set_recognised(page, page_lines(page, *size, OCR_DPI, known.lines), reader.name)
        return "cached"
    try:
        found = await reader.recognize(image)
    except (ServerUnavailable, ServerRefused):
        raise  # the server, not the page: the document stops as on any call
    except LLMError as err:
        ctx.warn(f"page {page}: the OCR model could not read it ({err.describe()})", "document")
        return "failed"
    except Exception as err:  # the engine failing on one page must not stop the document
        ctx.warn(f"page {page}: OCR failed ({type(err).__name__}: {err})", "document")
        return "failed"
    doc.ocr_cache.put(key, Recognised(reader.name, found))
    doc.set_recognised(page, page_lines(page, *size, OCR_DPI, found), reader.name)
    return "read"


def _rendered(doc: PdfDocument, page: int) -> tuple[Image.Image, str, Recognised | None]:
    """`page`'s image, its digest, and what the OCR cache holds for it (in one thread, off the loop)."""
    image = doc.render(page, OCR_DPI)
    key = digest(image)
    return image, key, doc.ocr_cache.get(key)


def ocr_source(source: str) -> str:
    """A node's source where its heading was read off a recognised page: "layout" is "ocr+layout",
    "model" "ocr+model", a split's "split/layout" "split/ocr+layout"; a source that did not read the
    page's text (outline, contents, pages), or says so already, as it is."""
    head, _, last = source.rpartition("/")
    if last not in OCR_READ:
        return source
    return f"{head}/ocr+{last}" if head else f"ocr+{last}"


def _without_engine(ctx: RunContext, doc: PdfDocument, pages: list[int]) -> None:
    hint = f"{INSTALL_HINT}, or set ocr_model to a vision model the server serves"
    if len(pages) == doc.page_count:
        raise NoTextLayer(f"{doc.path} is scanned, and no OCR engine is installed", hint)
    ctx.warn(f"{len(pages)} scanned pages have no text: no OCR engine is installed; {hint}", "document")
