"""Reading a document's bytes with one clear message per way it can fail."""

from __future__ import annotations

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
