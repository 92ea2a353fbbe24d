"""Reading a document's bytes with one clear message per way it can fail."""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import DocumentError


def read_document_bytes(path: Path, kind: str, suffix: str) -> bytes:
    """The file's bytes; a missing file, a folder or an unreadable file is a DocumentError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file", "check the path") from None
    except IsADirectoryError:
        raise DocumentError(f"{path} is a directory, not a {kind} file", f"pass a {suffix} file") from None
    except OSError as err:
        raise DocumentError(
            f"cannot read {path}: {err.strerror or err}", "check the file's permissions"
        ) from err


def shared_stream(data: bytes) -> io.BufferedReader:
    """A seekable stream over `data` that never copies it. pypdf asks a stream with `getbuffer` (an
    `io.BytesIO`) for its buffer to learn its size, and a BytesIO gives up the bytes it shares on that
    and copies them: the whole file once more, held as long as the reader (107 MB more for an image-only
    PDF of 500 pages). Read through a `BufferedReader`, the BytesIO only copies what is read."""
    return io.BufferedReader(io.BytesIO(data))
