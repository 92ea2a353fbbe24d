"""A heading candidate from the layout: the record `layout.py` makes and `layout_levels.py` levels."""

from __future__ import annotations

from dataclasses import dataclass

from ..document.base import Entry

__all__ = ["SURE", "Candidate"]

SURE = 0.7  # confidence from which a candidate is taken without asking the model


@dataclass(frozen=True)
class Candidate:
    """A heading the layout found; `level` 0 is the top."""

    title: str
    page: int
    level: int
    confidence: float  # 0..1: how sure the rules are that this is a heading
    size: float
    bold: bool
    numbered: str  # the numbering prefix ("2.1", "IV", "A", "Chapter 3"), "" when none
    context: str = ""  # the line after it, for the model when it is asked
    decided_by: str = "layout"  # "model" where the model's answer made it a heading, "contents" where listed
    listed_level: int | None = None  # its level in a printed contents page that lists it
    italic: bool = False  # typography the model is told about when it is asked (layout_guard.py)
    underlined: bool = False
    mono: bool = False  # fixed-pitch, as code listings are set
    lines: int = 1  # printed lines joined into the title
    grid: bool = False  # set among table cells (figures in columns next to it, above or below)
    exhibit: bool = False  # the label that opens a document filed with a report ("Exhibit 31.1")

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE

    def entry(self, level: int) -> Entry:
        """The section start it makes at `level`, with who decided it and how sure."""
        return Entry(self.title, level, self.page, self.decided_by, self.confidence)
