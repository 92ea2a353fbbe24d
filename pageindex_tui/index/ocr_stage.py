"""The "ocr" stage: a PDF's scanned pages are recognised before its structure is looked for.

Pages without a usable text layer that draw an image (`PdfDocument.scanned_pages`) are rendered one
window at a time (memory stays flat), recognised by the embedded engine on this CPU (a page per core,
each in a thread waiting on its own single-threaded process) or by the settings' `ocr_model` (a
window of pages at once, bounded like every call), and their lines stand in for the text layer from
then on (`set_recognised`), so the layout stage, summaries, `ask` and the reader read them. Every
result goes into the OCR cache by the page image's digest; a page read back from it with the engine
this run uses is not recognised again.

A page the engine cannot read is a warning, not a failure; a scanned PDF with no engine at all fails
with a message naming the package and the setting that add one.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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
    failed: list[int] | None = None
    seconds: float = 0.0


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
    """Recognise `doc`'s scanned pages; None when it has none. Fills the run's facts."""
    pages = await asyncio.to_thread(doc.scanned_pages)
    if not pages:
        return None
    reader = reader_for(ctx, sink, cache)
    if reader is None:
        _without_engine(ctx, doc, pages)
        return None
    outcome = OcrOutcome(pages, failed=[])
    started = time.perf_counter()
    todo = [p for p in pages if doc.recognised.get(p) != reader.name]
    outcome.cached = len(pages) - len(todo)
    ctx.stage("ocr", len(pages))
    ctx.progress("ocr", outcome.cached, len(pages))
    try:
        step = PAGES_AT_ONCE if isinstance(reader, EmbeddedReader) else WINDOW
        for at in range(0, len(todo), step):
            window = todo[at : at + step]
            done = await asyncio.gather(*(_one(ctx, doc, reader, page) for page in window))
            assert outcome.failed is not None
            outcome.failed.extend(page for page, ok in zip(window, done, strict=True) if not ok)
            ctx.progress("ocr", outcome.cached + at + len(window), len(pages))
    finally:
        await reader.aclose()
    outcome.seconds = round(time.perf_counter() - started, 2)
    facts = ctx.facts
    facts.ocr_engine, facts.ocr_pages, facts.ocr_cached = reader.name, pages, outcome.cached
    facts.ocr_failed, facts.ocr_seconds = outcome.failed or None, outcome.seconds
    read = len(pages) - len(outcome.failed or [])
    ctx.done("ocr", f"{read}/{len(pages)} scanned pages read by {reader.name} ({outcome.cached} cached)")
    return outcome


async def _one(ctx: RunContext, doc: PdfDocument, reader: PageReader, page: int) -> bool:
    """Recognise one page; False (and a warning) when the engine could not."""
    layer = doc.page_lines(page)
    if layer is None:
        return False
    image = await asyncio.to_thread(doc.render, page, OCR_DPI)
    try:
        found = await reader.recognize(image)
    except (ServerUnavailable, ServerRefused):
        raise  # the server, not the page: the document stops as on any call
    except LLMError as err:
        ctx.warn(f"page {page}: the OCR model could not read it ({err.describe()})", "document")
        return False
    except Exception as err:  # the engine failing on one page must not stop the document
        ctx.warn(f"page {page}: OCR failed ({type(err).__name__}: {err})", "document")
        return False
    doc.ocr_cache.put(digest(image), Recognised(reader.name, found))
    doc.set_recognised(page, page_lines(page, layer.width, layer.height, OCR_DPI, found), reader.name)
    return True


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
