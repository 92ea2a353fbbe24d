"""Scoring found headings against a ground truth: recall and precision of (title, start page), and how
often the matched ones sit at the true level. Used by the tests and by benchmarks/structure_vs_flash.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from pageindex_tui.index.locate import normalize

Heading = tuple[str, int, int]  # (title, start page, level 0 = top)


@dataclass(frozen=True)
class Score:
    found: int
    truth: int
    matched: int
    levels_right: int  # of the matched, how many have the true level (levels compared from 0)

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else (1.0 if not self.truth else 0.0)

    @property
    def level_accuracy(self) -> float:
        return self.levels_right / self.matched if self.matched else 0.0


# A section label printed before a heading and often left out of the outline ("3.1", "IV.", "B.2",
# "Chapter 3", "Appendix A:"); a lone letter counts only with a dot or bracket after it.
_LABEL = re.compile(
    r"(?:(?:chapter|section|part|appendix|annex)\s+(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])\b"
    r"|\d+(?:\.\d+)*|[ivxlc]+[.)]|[a-z](?:\.\d+)+|[a-z][.)])[.:)]?\s+",
    re.IGNORECASE,
)


def unlabelled(title: str) -> str:
    """The title without its leading section label, where it has one and something follows it."""
    match = _LABEL.match(title.strip())
    rest = title.strip()[match.end() :] if match else ""
    return rest if normalize(rest) else title


def _same(x: str, y: str) -> bool:
    if not x or not y:
        return False
    if x == y or (min(len(x), len(y)) >= 8 and (x.startswith(y) or y.startswith(x))):
        return True
    return SequenceMatcher(None, x, y, autojunk=False).ratio() >= 0.85


def same_title(a: str, b: str) -> bool:
    """The same heading, tolerant of case, punctuation, small differences, and of a section label one
    of the two prints and the other leaves out (an outline's "Tasks" is the page's "3.1 TASKS")."""
    return _same(normalize(a), normalize(b)) or _same(normalize(unlabelled(a)), normalize(unlabelled(b)))


def matches(found: list[Heading], truth: list[Heading], page_slack: int = 0) -> list[int | None]:
    """For each true heading, the index of the found heading it matches, or None: each true heading
    matches at most one found heading with the same title on (about) its page, the first free one."""
    used: set[int] = set()
    out: list[int | None] = []
    for title, page, _level in truth:
        hit = next(
            (
                i
                for i, (f_title, f_page, _f_level) in enumerate(found)
                if i not in used and abs(f_page - page) <= page_slack and same_title(title, f_title)
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
        out.append(hit)
    return out


def top_level(headings: list[Heading]) -> int:
    """The level a list's sections start at: its shallowest, or the one below where the list is one
    root on page 1 over all the rest (an outline's first entry that is the document's own title, with
    every section beneath it): a tree without that root is not a level off on every heading. A root
    on a later page is a section (a first chapter that wrongly holds the others), and counts."""
    top = min((h[2] for h in headings), default=0)
    at_top = [h for h in headings if h[2] == top]
    return top + 1 if len(headings) > 1 and at_top == [headings[0]] and headings[0][1] == 1 else top


def score(found: list[Heading], truth: list[Heading], page_slack: int = 0) -> Score:
    """Recall and precision of `matches`; levels compared from each list's top level (`top_level`;
    a root over all is at the level of its children)."""
    top_found, top_truth = top_level(found), top_level(truth)
    pairs = [
        (t, found[i]) for t, i in zip(truth, matches(found, truth, page_slack), strict=True) if i is not None
    ]
    levels = sum(max(0, f[2] - top_found) == max(0, t[2] - top_truth) for t, f in pairs)
    return Score(len(found), len(truth), len(pairs), levels)


def _walk(
    structure: list[dict[str, Any]], level: int = 0, parent: str | None = None
) -> Iterator[tuple[str, int, int, str | None]]:
    """(title, start page, level, parent's title) of every node of a PageIndex tree, in order."""
    for node in structure:
        title = str(node.get("title", ""))
        yield title, int(node.get("start_index") or 0), level, parent
        yield from _walk(node.get("nodes") or [], level + 1, title)


def flatten(structure: list[dict[str, Any]]) -> list[Heading]:
    """(title, start page, level) of every node of a PageIndex tree, in order."""
    return [(title, page, level) for title, page, level, _parent in _walk(structure)]


PAGE_GROUP = re.compile(r"pages? \d+(\s*[-–]\s*\d+)?", re.IGNORECASE)


def is_coverage(title: str, page: int, parent: str | None) -> bool:
    """A node a tool adds so that every page sits in the tree, not a section it found: a "Preface"
    opening on page 1, a page group ("Pages 11-20", "Page 7"), a parent's "<parent> (intro)" child.
    One rule for every tool scored (ours adds the first two, PageIndex's Flash all three)."""
    title = title.strip()
    if title == "Preface" and page == 1:
        return True
    if PAGE_GROUP.fullmatch(title):
        return True
    return parent is not None and title == f"{parent.strip()} (intro)"


def sections(structure: list[dict[str, Any]]) -> list[Heading]:
    """`flatten` less the coverage nodes (`is_coverage`); a coverage node's children keep their depth."""
    return [
        (t, page, level) for t, page, level, parent in _walk(structure) if not is_coverage(t, page, parent)
    ]
