"""A vision model reads scanned pages: each page image goes to an OpenAI-compatible chat endpoint (vLLM
serving a vision-language or OCR model) as an `image_url` part holding a PNG data URL, through an
`LLMClient` of its own (its endpoint and model are the settings' `ocr_endpoint` and `ocr_model`), so
the calls are bounded, cached, retried and wait out an outage like every other call.

The model answers with the page's text, headings marked as Markdown (`#`, `##`, ...). It gives no
boxes: each line gets a row of its own, in order, and a heading's level stands in for its font size
(`HEADING_SIZES`), so the layout stage sees headings where the model marked them.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..document.ocr import OcrLine
from ..llm.client import LLMClient
from ..settings import Settings
from .prompts import OCR_ASK, OCR_SYSTEM

if TYPE_CHECKING:
    from PIL import Image

    from .. import events

BODY_SIZE = 10.0  # points: a line the model did not mark as a heading
HEADING_SIZES = {1: 20.0, 2: 16.0, 3: 13.0, 4: 12.0, 5: 11.0, 6: 11.0}
ROWS = 66  # a page's height is cut into this many rows, one line each (more lines wrap round)
MAX_OCR_TOKENS = 4096  # a dense page of text, with room to spare
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MARKUP = re.compile(r"\*\*|__|`")
_FENCE = re.compile(r"^```")


def ocr_settings(settings: Settings) -> Settings:
    """The settings for the OCR model's client: its endpoint (the main one unless set) and model."""
    return replace(settings, endpoint=settings.ocr_endpoint or settings.endpoint, model=settings.ocr_model)


def data_url(image: Image.Image) -> str:
    """The page image as a PNG data URL (greyscale PNG: a text page compresses well)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def messages_for(image: Image.Image) -> list[dict[str, Any]]:
    """vLLM's multimodal chat format: one user message, a text part and an image_url part."""
    return [
        {"role": "system", "content": OCR_SYSTEM},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": OCR_ASK},
                {"type": "image_url", "image_url": {"url": data_url(image)}},
            ],
        },
    ]


def lines_of(reply: str, width: int, height: int) -> list[OcrLine]:
    """The model's Markdown as lines on a `width` x `height` pixel page: one row each, in order."""
    out: list[OcrLine] = []
    row = height / ROWS
    for raw in reply.splitlines():
        text = raw.strip()
        if not text or _FENCE.match(text) or set(text) <= set("|-: "):
            continue  # fences and table rules carry no text
        size = BODY_SIZE
        heading = _HEADING.match(text)
        if heading:
            size, text = HEADING_SIZES[len(heading.group(1))], heading.group(2)
        text = " ".join(_MARKUP.sub("", text).strip("| ").split())
        if not text:
            continue
        top = (len(out) % ROWS) * row
        out.append(OcrLine(text, 0.0, top, float(width), top + row * 0.8, 1.0, size))
    return out


class VisionRecognizer:
    """Pages read by `settings.ocr_model` through an LLM client of its own."""

    def __init__(self, settings: Settings, doc: str, client: LLMClient) -> None:
        self.name = f"vision:{settings.ocr_model}"
        self.doc, self.client = doc, client

    @classmethod
    def open(
        cls, settings: Settings, doc: str, sink: events.EventSink, cache: Any = None
    ) -> VisionRecognizer:
        return cls(settings, doc, LLMClient(ocr_settings(settings), sink, cache))

    async def recognize(self, image: Image.Image) -> list[OcrLine]:
        reply = await self.client.chat(
            messages_for(image),
            doc=self.doc,
            purpose="ocr",
            max_tokens=MAX_OCR_TOKENS,
            use="summary",  # thinks only where summaries do (off by default): reading needs no reasoning
        )
        return lines_of(reply.text, image.width, image.height)

    async def aclose(self) -> None:
        await self.client.aclose()


def blocking_recognizer(endpoint: str, model: str) -> Any:
    """For benchmarks/ocr_bench.py: a VisionRecognizer whose `recognize` blocks (its own event loop)."""
    settings = replace(Settings(), endpoint=endpoint, ocr_model=model, cache=False)
    loop = asyncio.new_event_loop()
    vision = VisionRecognizer.open(settings, "benchmark", lambda _event: None)

    class Blocking:
        name = vision.name

        def recognize(self, image: Image.Image) -> list[OcrLine]:
            return loop.run_until_complete(vision.recognize(image))

    return Blocking()
