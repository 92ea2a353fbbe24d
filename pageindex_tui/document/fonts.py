"""What a PDF font's name and descriptor flags say about its face: bold, italic, fixed pitch.

pdfium gives a character's font name, weight and FontDescriptor flags. Many fonts say what they are
only in their names: the base 14 fonts carry no descriptor, TeX's Computer Modern and EC fonts no
usable weight (CMBX10, SFBX1440 are bold) nor, when their descriptor is missing, the italic and
fixed-pitch flags (CMTI10, SFSL1000; CMTT10, SFTT1000).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

__all__ = ["Face", "face_of"]

FORCE_BOLD = 1 << 18  # FontDescriptor flag 19
FIXED_PITCH = 1  # FontDescriptor flag 1
ITALIC = 1 << 6  # FontDescriptor flag 7
_BOLD_WORDS = ("bold", "black", "heavy", "semibold", "demibold", "demi", "extrabold")
# TeX's Computer Modern and EC fonts say bold in their names only: CMBX10, SFBX1440, CMSSBX10, SFSX1200
_TEX_BOLD = re.compile(r"(cm|sf|ec)(bx|b\d|ssbx|sx)")
_ITALIC_NAMES = re.compile(r"italic|oblique|slanted|kursiv|^(cm|sf|ec)(ti|sl|it|itt|bxti|bxsl|mi)\d")
_MONO_NAMES = re.compile(
    "mono(?!type)|courier|nimbusmon|consolas|menlo|monaco|lucidaconsole|inconsolata|typewriter|cursor"
    "|lettergothic|sourcecode|firacode|cascadia|jetbrains|tt\\d*$"
)


def _font_name(name: str) -> str:
    if len(name) > 7 and name[6] == "+" and name[:6].isupper():
        return name[7:]  # "ABCDEF+Helvetica-Bold" -> "Helvetica-Bold"
    return name


class Face(NamedTuple):
    """What one font says about its glyphs."""

    name: str
    bold: bool
    italic: bool
    mono: bool


@functools.lru_cache(maxsize=256)
def face_of(raw_name: bytes, weight: int, flags: int) -> Face:
    """A font's face from pdfium's facts; a page asks the same few fonts thousands of times."""
    name = _font_name(raw_name.decode("utf-8", "replace"))
    lowered = name.lower().replace("-", "").replace(",", "").replace(" ", "")
    style = lowered.rsplit("+", 1)[-1]
    bold = (
        weight >= 600
        or bool(flags & FORCE_BOLD)
        or any(w in style for w in _BOLD_WORDS)
        or _TEX_BOLD.match(style) is not None
    )
    italic = bool(flags & ITALIC) or _ITALIC_NAMES.search(style) is not None
    mono = bool(flags & FIXED_PITCH) or _MONO_NAMES.search(style) is not None
    return Face(name, bold, italic, mono)
