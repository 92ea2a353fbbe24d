"""A document's own text for the library search (`store/search.py`'s passages): a PDF page by page, a
Markdown file section by section (from a heading to the next) in runs of at most PASSAGE_LINES lines.
From the document the engine has just indexed (its pages read already), or from the saved index's
source file when it still holds the content indexed.

Only documents that open without a password give their text: the text of a password-protected PDF is
not copied into the search index (its tree and summaries are in the library already, as before).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PageIndexError
from ..store.library import Library, LibraryEntry
from ..store.library_search import LibrarySearch, PassageSource
from ..store.search import Passage

if TYPE_CHECKING:
    from ..document import Document

log = logging.getLogger(__name__)

PASSAGE_LINES = 40  # a Markdown passage: about a printed page


def passages(doc: Document) -> list[Passage]:
    """The document's text in passages (empty pages left out); [] for a PDF that needs a password."""
    from ..document import PdfDocument  # pypdf loads on first use
    from ..document.markdown import MarkdownDocument

    if isinstance(doc, PdfDocument):
        if not _open_to_all(doc.path):
            return []
        pages = ((p, doc.page_text(p)) for p in range(1, doc.size + 1))
        return [Passage(p, p, text) for p, text in pages if text.strip()]
    if isinstance(doc, MarkdownDocument):
        starts = sorted({1, *(h.line_num for h in doc.headings)})  # a passage never crosses a heading
        ends = [*(s - 1 for s in starts[1:]), len(doc.lines)]
        out = []
        for start, end in zip(starts, ends, strict=True):
            for first in range(start, end + 1, PASSAGE_LINES):
                last = min(end, first + PASSAGE_LINES - 1)
                text = "\n".join(doc.lines[first - 1 : last])
                if text.strip():
                    out.append(Passage(first, last, text))
        return out
    return []


def source_passages(library: Library) -> PassageSource:
    """Page text for a saved index, read from its source file when that still has the content indexed
    (none when it is gone, changed, or needs a password)."""

    def read(entry: LibraryEntry) -> list[Passage]:
        from ..document import open_document

        source = Path(entry.source) if entry.source else None
        try:
            if source is None or not source.is_file() or library.digest(source) != entry.digest:
                return []
            return passages(open_document(source, None, ocr=False))
        except (OSError, PageIndexError) as err:
            log.info("page text of %s not searchable: %s", entry.doc_name, err)
            return []

    return read


def _open_to_all(path: Path) -> bool:
    from ..document.password import check_password

    try:
        check_password(path, None)
    except PageIndexError:
        return False
    return True


def library_search(library: Library) -> LibrarySearch:
    """The library's search as the front ends use it: documents added by a sync get their page text
    from their sources."""
    return LibrarySearch(library, source_passages(library))
