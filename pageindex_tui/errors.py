"""Our exception hierarchy. Every error carries a message a user can act on.

`str(err)` is the one-line message; `err.hint` (may be empty) says what to check or do.
"""

from __future__ import annotations

from typing import Literal

# What a failed document's error is about (events.DocumentFailed): "server" (the model server is down or
# refuses; the app shows a banner), "document", "output" or "other".
FailureKind = Literal["server", "document", "output", "other"]


class PageIndexError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """Message and hint together, for one-line reports."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


# --- settings -------------------------------------------------------------------------------
class SettingsError(PageIndexError):
    """A setting has a bad value; the message names field, value and where it came from."""


# --- files we read back --------------------------------------------------------------------
class DamagedFile(PageIndexError, ValueError):
    """A file we read back (a saved tree, a library entry, paths.json, a run record) holds something we
    never write: the message names the file, the field and what was wrong."""

    def __init__(self, problem: str, hint: str = "", path: str = "", field: str = "") -> None:
        where = ": ".join(part for part in (path, field) if part)
        super().__init__(f"{where}: {problem}" if where else problem, hint)
        self.problem = problem
        self.path = path
        self.field = field

    def of(self, path: object) -> DamagedFile:
        """The same damage, in the file at `path`."""
        return type(self)(self.problem, self.hint, str(path), self.field)


# --- documents ------------------------------------------------------------------------------
class DocumentError(PageIndexError):
    """A document cannot be read."""


class UnsupportedDocument(DocumentError):
    pass


class CorruptPDF(DocumentError):
    pass


class EncryptedPDF(DocumentError):
    pass


class EmptyDocument(DocumentError):
    pass


class NoTextLayer(DocumentError):
    """A PDF whose pages carry no extractable text (scanned images)."""


# --- LLM server -----------------------------------------------------------------------------
class LLMError(PageIndexError):
    """Talking to the model failed."""


class ServerUnavailable(LLMError):
    """Connection refused, DNS failure, timeout, or 5xx after all retries."""


class ServerRefused(LLMError):
    """A 4xx the server will keep answering (bad model name, bad key, bad request)."""


class ContextOverflow(LLMError):
    """A prompt does not fit the model's context length."""

    def __init__(self, message: str, hint: str = "", prompt_tokens: int = 0, limit: int = 0) -> None:
        super().__init__(message, hint)
        self.prompt_tokens = prompt_tokens
        self.limit = limit


class BadReply(LLMError):
    """The model's reply could not be turned into the data we asked for."""


# --- output ---------------------------------------------------------------------------------
class OutputError(PageIndexError):
    """A result could not be written."""


class SearchIndexError(PageIndexError):
    """The library's search index could not be used now (held by another process past the wait, or the
    disk refused): the file is left as it is."""


class LocalServerError(PageIndexError):
    """The embedded llama-server could not be started."""


class BuiltForAnotherCPU(LocalServerError):
    """llama-server died of an instruction this CPU lacks (SIGILL): a rebuild here fixes it."""


def failure_kind(err: PageIndexError) -> FailureKind:
    """What a failed document's error is about, for front ends: server, document, output or other."""
    if isinstance(err, (ServerUnavailable, ServerRefused)):
        return "server"
    if isinstance(err, DocumentError):
        return "document"
    if isinstance(err, OutputError):
        return "output"
    return "other"
