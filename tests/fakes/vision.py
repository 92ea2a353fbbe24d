"""vLLM's multimodal chat input, as the fake server reads it: image_url parts holding base64 data URLs."""

from __future__ import annotations

import base64
import binascii
from typing import Any


def images(body: dict[str, Any]) -> tuple[list[bytes], str]:
    """The images of a chat body's content parts, decoded, as vLLM reads them (a data URL of base64 image
    bytes in an `image_url` part's `url`); a malformed part gives vLLM's kind of 400 message."""
    found: list[bytes] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                continue
            if kind != "image_url":
                return [], f"Unknown part type: {kind}"
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str) or not url.startswith("data:image/") or ";base64," not in url:
                return [], "Invalid image_url: expected a data:image/...;base64, URL"
            try:
                found.append(base64.b64decode(url.split(",", 1)[1], validate=True))
            except (binascii.Error, ValueError):
                return [], "Failed to decode the base64 image"
    return found, ""


def image_tokens(data: bytes) -> int:
    """A Qwen2-VL-like count: one token per 28x28 pixel patch (PNG's size from its header)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return 256
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return max(1, -(-width // 28)) * max(1, -(-height // 28))


def prompt_tokens(body: dict[str, Any]) -> int:
    """Words of the text (a part list's text parts), plus each image's patches."""
    total = 0
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, list):
            total += sum(len(str(p.get("text") or "").split()) for p in content if isinstance(p, dict))
        else:
            total += len(str(content or "").split())
    return total + sum(image_tokens(image) for image in images(body)[0])
