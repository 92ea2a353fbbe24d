"""Retrieval over PageIndex trees: pick nodes by reasoning over the outline, read their pages, answer,
and verify every citation against the pages read. No UI imports, no printing."""

from ..events import NodeRead
from .documents import AskInputError, build_document, load_entry, load_structure_file, parse_ranges
from .engine import Asker, AskOptions
from .types import AskDocument, AskResult, Citation, TreeNode

__all__ = [
    "AskDocument",
    "AskInputError",
    "AskOptions",
    "AskResult",
    "Asker",
    "Citation",
    "NodeRead",
    "TreeNode",
    "build_document",
    "load_entry",
    "load_structure_file",
    "parse_ranges",
]
