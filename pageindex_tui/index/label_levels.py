"""Levels that a printed contents' labels say: "Part I" holds the "Item"s after it, and an "Item" the
unlabelled lines listed between it and the next "Item".

A contents read as text loses its indentation: a filing's "Part I", "Item 1. Business", "Item 1A. Risk
Factors", "Part II", ... and the sub-sections listed under an item come out as one flat list. Its
labels still say how they nest: a part or book label is above every other label, a series of labelled
entries ("Item 1", "Item 1A", "Item 2") is one level, and what is listed between two entries of one
series belongs to the first of them. What is listed before the first part, or after the last labelled
entry of the last part ("Signatures", an index), stays at the top.
"""

from __future__ import annotations

# the label words' ranks are those the layout's numbering gives them: one place for them
from .layout_levels import _APPENDIX_WORDS, _CHAPTER_WORDS, _TOP_WORDS, numbering


def _decimal(title: str) -> bool:
    n = numbering(title)
    return n is not None and n.kind == "decimal"


def label_word(title: str) -> str | None:
    """The label a title starts with ("part", "item", "chapter", ...), or None."""
    n = numbering(title)
    return n.word if n is not None and n.kind == "keyword" else None


def _series(words: list[str | None]) -> set[str]:
    """The label words that name two entries or more: a series, which a level follows."""
    seen: dict[str, int] = {}
    for word in words:
        if word is not None:
            seen[word] = seen.get(word, 0) + 1
    return {word for word, n in seen.items() if n >= 2}


def _one_level_per_series(words: list[str | None], levels: list[int], series: set[str]) -> list[int]:
    """Each series' entries at the level of its shallowest one ("Item 3" listed under the unlabelled
    head of "Item 2"'s sub-sections is an item all the same), appendices at the chapters' level where
    chapters are a series ("Appendix A" listed after "3.9" is no sub-section of it); what is listed
    under an entry moves with it."""
    top = {w: min(lv for x, lv in zip(words, levels, strict=True) if x == w) for w in series}
    chapters = [top[w] for w in series if w in _CHAPTER_WORDS]
    for appendix in series & _APPENDIX_WORDS:
        top[appendix] = min(chapters) if chapters else top[appendix]
    out: list[int] = []
    moved: list[tuple[int, int]] = []  # (level as listed, shift) of the open entries
    for word, level in zip(words, levels, strict=True):
        while moved and moved[-1][0] >= level:
            moved.pop()
        own = top.get(word) if word is not None else None
        shift = own - level if own is not None else (moved[-1][1] if moved else 0)
        moved.append((level, shift))
        out.append(level + shift)
    return out


def _under_series(
    titles: list[str], words: list[str | None], levels: list[int], series: set[str]
) -> list[int]:
    """The unlabelled entries listed flat between two entries of one series, one level below the
    first: where the series goes on after them, they are its sub-sections; after its last entry
    (before a part, or at the end) they are not. Entries numbered in decimals ("1.2") have their
    levels from their numbers already: where one is among them, they stay as they are."""
    out = list(levels)
    for i, word in enumerate(words):
        if word not in series or word in _TOP_WORDS or i + 1 >= len(words) or levels[i + 1] != levels[i]:
            continue
        end = i + 1
        while end < len(words) and levels[end] >= levels[i]:
            if words[end] in series and levels[end] == levels[i]:  # any series' entry at its level
                break
            end += 1
        if (
            end < len(words)
            and words[end] == word
            and not any(_decimal(titles[k]) for k in range(i + 1, end))
        ):
            for k in range(i + 1, end):
                out[k] = levels[k] + 1
    return out


def _under_parts(words: list[str | None], levels: list[int], series: set[str]) -> list[int]:
    """Everything listed from a part to the next one level below it; after the last part, up to its
    last labelled entry and what is listed under that."""
    parts = [i for i, w in enumerate(words) if w in series and w in _TOP_WORDS]
    if len(parts) < 2 or len({levels[i] for i in parts}) != 1:
        return levels
    out = list(levels)
    labelled = [i for i, w in enumerate(words) if w is not None and w not in _TOP_WORDS]
    last = max((i for i in labelled if i > parts[-1]), default=parts[-1])
    while last + 1 < len(words) and levels[last + 1] > levels[last]:
        last += 1
    for part, end in zip(parts, [*parts[1:], last + 1], strict=True):
        if part + 1 >= end or levels[part + 1] != levels[part]:
            continue  # nothing listed in it, or nested under it already
        for k in range(part + 1, end):
            out[k] = levels[k] + 1
    return out


def label_levels(titles: list[str], levels: list[int]) -> list[int]:
    """The levels of a contents' entries with what their labels say (see the module's docstring);
    the levels as they are where no label names a series."""
    words = [label_word(t) for t in titles]
    series = _series(words)
    if not series:
        return levels
    levels = _one_level_per_series(words, levels, series)
    levels = _under_series(titles, words, levels, series)
    return _under_parts(words, levels, series)


def part_starts(titles: list[str], levels: list[int], starts: list[int]) -> list[int]:
    """A part's first page: no later than the first page of what is listed under it. A contents
    gives a part's line no page of its own ("Part I – Financial information" above "Item 1 ... 80"),
    and lists its items in an order that need not be the pages' ("Item 2" on page 3 listed second)."""
    out = list(starts)
    for i, title in enumerate(titles):
        if label_word(title) not in _TOP_WORDS:
            continue
        k = i + 1
        while k < len(titles) and levels[k] > levels[i]:
            out[i] = min(out[i], starts[k])
            k += 1
    return out
