"""Retrieval over PageIndex trees: pick nodes by reasoning over the outline, read their pages, answer,
and verify every citation against the pages read. No UI imports, no printing."""

from ..events import NodeRead
from .documents import AskInputError, build_document, load_entry, load_structure_file, parse_ranges
from .engine import Asker, AskOptions
from .route import LibraryScope
from .types import AskDocument, AskResult, Citation

__all__ = [
    "AskDocument",
    "AskInputError",
    "AskOptions",
    "AskResult",
    "Asker",
    "Citation",
    "LibraryScope",
    "NodeRead",
    "build_document",
    "load_entry",
    "load_structure_file",
    "parse_ranges",
]
