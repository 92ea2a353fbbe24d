"""What `doctor` says about scanned pages: the embedded OCR engine, or whether the OCR model takes images.

vLLM's /v1/models does not say which models take images (llama.cpp's /props does, for its one model;
other servers say nothing either), so when `ocr_model` is set the check sends that model one streamed,
one-token request holding a tiny blank PNG as an `image_url` part: a text-only model refuses it (vLLM
answers 400), a vision model answers. That is what is checked, not how well it reads.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from ..settings import Settings
from .probe import probe_completion

SIDE = 32  # pixels of the test image


def blank_png(side: int = SIDE) -> bytes:
    """A white greyscale PNG, `side` pixels square (built here: no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def ocr_checks(
    settings: Settings, engine: str | None, deadline: float = 20.0
) -> list[tuple[str, str, str]]:
    """(level, message, fix) about reading scanned pages; `engine`: the embedded engine when installed."""
    if not settings.ocr_model:
        if engine:
            return [("ok", f"scanned pages: read by the embedded OCR engine ({engine}), installed", "")]
        fix = "install Tesseract (`apt-get install tesseract-ocr`), or set ocr_model to a vision model"
        return [("warn", "scanned pages: no OCR engine is installed, so scanned PDFs cannot be indexed", fix)]
    endpoint = settings.ocr_endpoint or settings.endpoint
    image = "data:image/png;base64," + base64.b64encode(blank_png()).decode("ascii")
    content: list[dict[str, Any]] = [
        {"type": "text", "text": "What is in this image? One word."},
        {"type": "image_url", "image_url": {"url": image}},
    ]
    probe = await probe_completion(
        endpoint, settings.ocr_model, api_key=settings.api_key, deadline=deadline, content=content
    )
    where = f"ocr_model {settings.ocr_model!r} at {endpoint}"
    if probe.ok:
        return [("ok", f"{where} answered a request holding an image: it takes images", "")]
    fix = (
        "serve a vision-language model there (e.g. `vllm serve Qwen/Qwen2.5-VL-7B-Instruct`) and set "
        "ocr_model to its id, or leave ocr_model empty for the embedded engine"
    )
    return [("fail", f"{where} did not take an image: it {probe.reason}", fix)]
