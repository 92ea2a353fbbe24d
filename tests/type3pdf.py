"""A one-page PDF whose text is set in a Type-3 font, written object by object (fpdf2 cannot make one),
and the object-by-object writer itself, for other PDFs fpdf2 cannot make.

The glyphs are filled boxes of their letter's height (capitals and digits 700 units, ascenders 720,
x-height letters 500, descenders from -200), 600 units wide, so a reader that knows text only
from pdfium's glyph boxes sees what a real Type-3 font shows it. The font's matrix is `scale`
(0.001 in most fonts) and `Tf` sets `nominal`: with scale 0.1 and nominal 0.12 pdfium reports a
size of 0.12 pt for glyphs drawn 12 pt large, as the producers of real Type-3 PDFs do.
"""

from __future__ import annotations

from pathlib import Path

_NAMES = {" ": "space", ".": "period", ",": "comma", "-": "hyphen", ":": "colon"}
_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ADVANCE = 600  # glyph units
SPACE = 300


def _glyph_name(ch: str) -> str:
    if ch.isdigit():
        return _DIGITS[int(ch)]
    if ch in _NAMES:
        return _NAMES[ch]
    if ch.isascii() and ch.isalpha():
        return ch
    raise ValueError(f"no glyph for {ch!r} in the test font")


def _procedure(ch: str) -> bytes:
    if ch == " ":
        return f"{SPACE} 0 d0".encode()
    if ch in "-:.,":
        low, high = (200, 320) if ch == "-" else (0, 120) if ch in ".," else (0, 480)
    elif ch.isupper() or ch.isdigit():
        low, high = 0, 700
    elif ch in "bdfhklt":
        low, high = 0, 720
    elif ch in "gjpqy":
        low, high = -200, 500
    else:
        low, high = 0, 500
    return f"{ADVANCE} 0 0 {low} 500 {high} d1 0 {low} 500 {high - low} re f".encode()


def write_type3_pdf(
    path: Path,
    lines: list[tuple[float, float, str]],
    scale: float = 0.1,
    nominal: float = 0.12,
    word_objects: bool = True,
) -> Path:
    """Write `lines` ((x, y from the bottom, text) in points) on an A4 page in a Type-3 font.

    With `word_objects` each word is its own text object placed by its own position, as many
    Type-3 producers (TeX's bitmap fonts through dvips, plotting libraries) write them.
    """
    chars = sorted({ch for _x, _y, text in lines for ch in text} | {" "})
    names = {ch: _glyph_name(ch) for ch in chars}
    objects: list[bytes] = [b"", b""]  # catalog and page tree, written last

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    procs = {names[ch]: add(stream(_procedure(ch))) for ch in chars}
    codes = [ord(ch) for ch in chars]
    first, last = min(codes), max(codes)
    widths = " ".join(
        str((SPACE if chr(k) == " " else ADVANCE) if chr(k) in names else 0) for k in range(first, last + 1)
    )
    differences = " ".join(f"{ord(ch)} /{name}" for ch, name in names.items())
    char_procs = " ".join(f"/{name} {ref} 0 R" for name, ref in procs.items())
    font = add(
        (
            f"<< /Type /Font /Subtype /Type3 /FontBBox [0 -200 600 720] /FontMatrix [{scale} 0 0 {scale} 0 0]"
            f" /CharProcs << {char_procs} >> /Encoding << /Type /Encoding /Differences [{differences}] >>"
            f" /FirstChar {first} /LastChar {last} /Widths [{widths}] /Resources << >> >>"
        ).encode()
    )
    content = b""
    unit = scale * nominal  # points per glyph unit
    for x, y, text in lines:
        if word_objects:
            for word in text.split(" "):
                if word:
                    content += f"BT /F1 {nominal} Tf {x:.3f} {y:.3f} Td ({word}) Tj ET\n".encode()
                x += (len(word) * ADVANCE + SPACE) * unit
        else:
            content += f"BT /F1 {nominal} Tf {x:.3f} {y:.3f} Td ({text}) Tj ET\n".encode()
    contents = add(stream(content))
    page = add(
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {contents} 0 R"
        f" /Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
    )
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>".encode()
    path.write_bytes(raw_pdf(objects))
    return path


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF file of `objects` (numbered from 1; the first is the catalog) with its cross-reference table."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d " % len(data) + entries + b">>\nstream\n" + data + b"\nendstream"
