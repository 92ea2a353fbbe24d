"""A PDF's password: opening an encrypted PDF with it, and checking it without opening the whole file."""

from __future__ import annotations

from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from ..errors import EncryptedPDF
from .quiet import quiet_pypdf


def decrypt(reader: PdfReader, path: Path, password: str | None) -> None:
    """Open an encrypted PDF with `password` (or the empty one); raises EncryptedPDF saying which is wrong."""
    for candidate in ([password] if password else []) + [""]:
        if reader.decrypt(candidate) != PasswordType.NOT_DECRYPTED:
            return
    if password:
        raise EncryptedPDF(f"wrong password for {path}", "check the password given with --password")
    raise EncryptedPDF(f"{path} is password-protected", "pass its password with --password")


def check_password(path: Path | str, password: str | None = None) -> None:
    """For a saved index about to be handed out without opening its PDF: raises EncryptedPDF, as opening
    it would, when the PDF is encrypted and `password` does not open it. Only the file's trailer and
    encryption dictionary are read; a file pypdf cannot parse is left to the full open (no error here).
    What pypdf says of the file is dropped: the full open recorded it in the document's warnings."""
    path = Path(path)
    try:
        with open(path, "rb") as handle, quiet_pypdf(lambda _said: None):
            reader = PdfReader(handle, strict=False)
            encrypted = reader.is_encrypted
            if encrypted:
                decrypt(reader, path, password)
    except EncryptedPDF:
        raise
    except DependencyError as err:
        raise EncryptedPDF(
            f"{path} is encrypted with a method that needs an extra package: {err}",
            "install it with `pip install cryptography`, or pass a decrypted copy",
        ) from err
    except Exception:
        return
