"""A page's pixels for OCR, through pdfium: whether it draws an image at all, and its rendering."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .lines import _LOCK

if TYPE_CHECKING:
    from PIL import Image

MIN_IMAGE_SHARE = 0.05  # of the page's area: smaller images (logos, signatures) are not scans


def draws_image(doc: pdfium.PdfDocument, number: int) -> bool:
    """Whether 1-based page `number` draws an image over at least MIN_IMAGE_SHARE of its area (in forms
    too): a page without one has nothing for OCR to read."""
    with _LOCK:
        page = doc[number - 1]
        try:
            area = max(1.0, page.get_width() * page.get_height())
            for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
                bounds = getattr(obj, "get_bounds", None) or obj.get_pos  # pypdfium2 5, else 4
                left, bottom, right, top = bounds()
                if (right - left) * (top - bottom) >= MIN_IMAGE_SHARE * area:
                    return True
            return False
        finally:
            page.close()


def render_page(doc: pdfium.PdfDocument, number: int, dpi: float) -> Image.Image:
    """1-based page `number` as a greyscale image at `dpi`, its rotation applied."""
    with _LOCK:
        page = doc[number - 1]
        try:
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            try:
                image: Image.Image = bitmap.to_pil().copy()
                image.info["dpi"] = (dpi, dpi)
                return image
            finally:
                bitmap.close()
        finally:
            page.close()
