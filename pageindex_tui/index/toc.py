"""A printed table of contents, read by rules: find its pages, parse its entries, map its page numbers.

Nothing here calls the model; `structure.py` asks the model only where these rules are unsure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .locate import find_title, normalize

# "Title ....... 12", "Title 12", "Title · · · iv"; the number is the last token of the line.
_ENTRY = re.compile(
    r"^(?P<title>.*?\S)\s*(?P<leader>(?:[.\u2026\u00b7_-]\s?){2,}|\s)\s*(?P<page>\d{1,4}|[ivxlcdm]{1,7})\s*$",
    re.IGNORECASE,
)
_LEADER = re.compile(r"(?:[.\u2026\u00b7_]\s?){3,}")
# the contents' own heading, in the languages of the documents we read ("Table des matières",
# "Inhaltsverzeichnis", "Índice"): not an entry, and what stands above it is the page's header
_CONTENTS_WORD = re.compile(
    r"^\s*(table of contents|contents|table des mati[eè]res|sommaire|inhalt|inhaltsverzeichnis|[ií]ndice|"
    r"contenidos?|sum[aá]rio|spis tre[sś]ci)\s*$",
    re.IGNORECASE,
)
# a page range after a dot leader ("Publications ........ 55-69"): the entry starts on the first page
_RANGE = re.compile(r"(?P<first>\d{1,4})\s?[-\u2013]\s?(?P<last>\d{1,4})\s*$")
_LIST_HEAD = re.compile(
    r"^\s*list of (figures|tables|illustrations|exhibits|charts|maps|plates|boxes|appendices|abbreviations|"
    r"acronyms|symbols)( and (figures|tables|illustrations))?\b",
    re.IGNORECASE,
)
_ITEM_WORD = r"(figure|fig\.|table|chart|exhibit|map|plate|box|illustration)"  # a listed item's word
_ITEM_NUMBER = r"[A-Z]?[-.]?\d+[a-z]?([.\-]\d+)*"  # "3", "A.2", "3-1", "12b"
_CAPTION = re.compile(rf"^{_ITEM_WORD}\s*{_ITEM_NUMBER}\b", re.IGNORECASE)
# an item's label alone, its number the item's and no page ("Exhibit 21", "Table 3.2"): a line of a
# list of exhibits or tables printed without pages
_ITEM_LABEL = re.compile(rf"^{_ITEM_WORD}\s+{_ITEM_NUMBER}$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?P<num>\d+(?:\.\d+)*)\.?\s+\S")
_ROMAN_HEAD = re.compile(r"^(?P<num>[IVXLC]+)\.\s+\S")
_LETTER_HEAD = re.compile(r"^(?P<num>[A-Z])[.)]?\s+[A-Z]")
_NOT_TITLE = re.compile(r"^[\d\s.]*$")
_FOLIO = re.compile(r"^(\d{1,4}|[ivxlcdm]{1,7})$", re.IGNORECASE)
_YEAR = re.compile(r"^(19|20)\d\d$")  # a year ends a line of text, not a page number, without a leader
_PAGE_COLUMN = re.compile(r"(^|\s{2,})pages?( no\.?)?$", re.IGNORECASE)  # the page column's caption
# a title without page number that is complete, not the first line of a wrapped one: it ends a
# sentence or announces a list ("Item 1. Financial Statements.", "... & Co.:"); "Inc." or "U.S."
# may end a wrapped line, a word of five letters or more before the stop may not
_COMPLETE = re.compile(r"(:|[A-Za-z]{5,}\.)$")
_LABEL = re.compile(
    r"^(part|item|chapter|section|article|note|appendix|schedule|exhibit)\s+\w+", re.IGNORECASE
)
# "Part I" alone on its line: the numeral is the label's, not a page number
_BARE_LABEL = re.compile(r"^(part|book|chapter|section|article|appendix|annex|volume)$", re.IGNORECASE)
# "Part II \u2013 Other information": a part's label with its title, not a label alone ("Chapter 3")
_LABEL_HEAD = re.compile(
    r"^(part|chapter|book|section|article)\s+(\d+|[ivxlc]+|[a-z])\b\W*\s\w", re.IGNORECASE
)


def _shape(line: str) -> str:
    """A header/footer line with its numbers removed, to spot lines repeated on many pages."""
    return re.sub(r"\d+|\b[ivxlcdm]+\b", "#", normalize(line))


def running_lines(page_text: Callable[[int], str], pages: range) -> set[str]:
    """Shapes of header and footer lines that repeat over many pages (running heads, folios)."""
    seen: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page_text(page).splitlines() if line.strip()]
        for line in {*lines[:2], *lines[-2:]}:
            seen[_shape(line)] += 1
    need = max(3, len(pages) // 4)
    return {shape for shape, n in seen.items() if n >= need and shape.strip("# ")}


def strip_running(text: str, running: set[str]) -> str:
    return "\n".join(line for line in text.splitlines() if _shape(line) not in running)


def _is_entry(line: str) -> bool:
    match = _ENTRY.match(line)
    return bool(match and not _NOT_TITLE.match(match.group("title")))


def contents_heads(text: str, running: set[str]) -> tuple[str, set[str]]:
    """A contents page's text without its running heads, and the chapter titles among them. A
    chapter's title is often the running head of its pages; printed in the contents without a page
    number, it looks like one. It is a chapter where it stands among the entries (after the
    "Contents" heading or an entry, before an entry): kept, and returned (normalized) as a head."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kept: list[str] = []
    heads: set[str] = set()
    for i, line in enumerate(lines):
        if _shape(line) not in running:
            kept.append(line)
            continue
        before = lines[i - 1] if i > 0 else ""
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if before and (_CONTENTS_WORD.match(before) or _is_entry(before)) and _is_entry(after):
            kept.append(line)
            heads.add(normalize(line))
    return "\n".join(kept), heads


@dataclass(frozen=True)
class TocEntry:
    title: str
    level: int
    printed: str | None  # the printed page number ("12", "iv"), None when absent


@dataclass(frozen=True)
class TocPages:
    pages: list[int]  # physical pages holding the contents
    sure: bool  # dot leaders or a "Contents" heading; otherwise the model should confirm


def roman_to_int(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    text = text.lower()
    if not text or any(ch not in values for ch in text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = values[ch]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


def _score(page_text: str) -> tuple[int, int, bool]:
    """(entry-like lines, lines with dot leaders, has a Contents heading)."""
    lines = _first_pages([line.strip() for line in page_text.splitlines() if line.strip()])
    entries = sum(1 for line in lines if _ENTRY.match(line) and not _NOT_TITLE.match(line))
    leaders = sum(1 for line in lines if _LEADER.search(line) and _ENTRY.match(line))
    heading = any(_CONTENTS_WORD.match(line) for line in lines[:5])
    return entries, leaders, heading


def find_toc_pages(page_text: Callable[[int], str], page_count: int, check_pages: int) -> TocPages | None:
    """The run of contents pages among the first `check_pages` pages, or None."""
    found: list[int] = []
    sure = False
    for page in range(1, min(page_count, check_pages) + 1):
        text = page_text(page)
        lines = [line for line in text.splitlines() if line.strip()]
        entries, leaders, heading = _score(text)
        looks = leaders >= 3 or (heading and entries >= 3) or (entries >= 5 and entries >= 0.5 * len(lines))
        if found and not looks:
            # a continuation page may be shorter: accept it if most of its lines are entries
            looks = entries >= 2 and entries >= 0.4 * len(lines)
            if not looks:
                break
        if looks:
            found.append(page)
            sure = sure or leaders >= 3 or heading
    return TocPages(found, sure) if found else None


def _level(title: str, last_level: int | None, numbered_seen: bool) -> int:
    match = _NUMBERED.match(title)
    if match:
        return match.group("num").count(".")
    if _ROMAN_HEAD.match(title) or _LETTER_HEAD.match(title):
        return 0
    if last_level is None:
        return 0
    return last_level + 1 if numbered_seen else last_level


def _first_pages(lines: list[str]) -> list[str]:
    """Lines that end in a page range after their dot leader ("Publications ..... 55-69") with the
    range's first page only. A range without leader may be a title's years ("Plan 2021-2026"), and
    where one after a leader does not rise ("3-1"), they are a chapter's pages numbered within it
    ("2-3": chapter 2, page 3), not ranges: the lines are left as they are."""
    ends = {
        k: m
        for k, line in enumerate(lines)
        if (m := _RANGE.search(line)) and _LEADER.search(line[: m.start()])
    }
    if any(int(m.group("last")) <= int(m.group("first")) for m in ends.values()):
        return lines
    return [
        line[: m.start()] + m.group("first") if (m := ends.get(k)) else line for k, line in enumerate(lines)
    ]


def _wrapped_page(lines: list[str], i: int, pending: str) -> bool:
    """Line i is the page number of the title pending before it, wrapped onto a line of its own: a
    bare number, not a year, not one of a column of numbers (page numbers set apart from their
    titles, which are then no titles waiting for one), after a title without dot leaders."""
    if not _FOLIO.match(lines[i]) or _YEAR.match(lines[i]) or _LEADER.search(pending):
        return False
    neighbours = lines[max(0, i - 1) : i] + lines[i + 1 : i + 2]
    return not any(_FOLIO.match(line) for line in neighbours)


def _numbered(title: str) -> bool:
    """A title that starts with its section number: it starts an entry, it continues none."""
    match = _NUMBERED.match(title)
    if match and _YEAR.match(match.group("num")):
        return False  # "2022 and 2021 165": the rest of a title wrapped after "March 31,"
    return bool(match or _ROMAN_HEAD.match(title) or _LETTER_HEAD.match(title))


def _head_before(pending: str, line: str) -> bool:
    """The title pending without page number is a head of its own, not the start of `line`'s."""
    return bool(
        _COMPLETE.search(pending) or (_LABEL_HEAD.match(pending) and (_LABEL.match(line) or _numbered(line)))
    )


def parse_toc(text: str, heads: set[str] | None = None) -> list[TocEntry]:
    """Entries of a contents text; titles wrapped over two lines are joined, and a page number
    wrapped onto a line of its own ends its title. A list of figures or
    tables on the contents' pages ("List of Figures", then "Figure 1: ...") gives no entries: its
    lines are captions, not sections; the list's own head is an entry only where it has a page.
    `heads` (normalized, from `contents_heads`) are chapter titles printed without a page: each
    starts where its first entry starts, and the entries after it are one level deeper."""
    entries: list[TocEntry] = []
    head_at: list[int] = []  # indices of the heads in `entries`, their pages filled in at the end
    label_at: list[int] = []  # indices of labels alone ("Part I"), their pages filled in likewise
    depth = 0  # 1 once a head has been seen: entries nest under it
    pending = ""
    last_numbered_level: int | None = None
    numbered_seen = False
    in_list = False  # within a list of figures or tables: captions are skipped
    lines = [_PAGE_COLUMN.sub("", line).strip() for line in text.splitlines()]
    lines = _first_pages([line for line in lines if line])

    def add_head(title: str) -> None:
        nonlocal depth
        head_at.append(len(entries))
        entries.append(TocEntry(re.sub(r"\s+", " ", title).rstrip(":"), 0, None))
        depth = 1

    for i, line in enumerate(lines):
        if _CONTENTS_WORD.match(line):
            pending = ""  # what stands above the contents' heading is the page's header
            continue
        if _ITEM_LABEL.match(line):
            continue  # "Exhibit 21": an item of a list, its number no page
        match = _ENTRY.match(line)
        if match and _YEAR.match(match.group("page")) and not match.group("leader").strip():
            match = None  # "... for the three months ended March 31, 2022": a year, the title wraps on
        if not match and pending and _wrapped_page(lines, i, pending) and not in_list:
            line = f"{pending} {line}"  # the page number of a wrapped title, on a line of its own
            pending = ""
            match = _ENTRY.match(line)
        if pending and _head_before(pending, match.group("title") if match else line):
            add_head(pending)
            pending = ""
        if not match and heads and normalize(line) in heads:
            pending = ""
            add_head(line)
            continue
        if not match or _NOT_TITLE.match(match.group("title")):
            # a title without page number: the start of a wrapped title, unless it is a bare folio,
            # the head of a list of figures or tables, or a caption in one
            if _LIST_HEAD.match(line) and not pending:
                in_list = True
            elif not _FOLIO.match(line) and not (in_list and _CAPTION.match(line)):
                pending = f"{pending} {line}".strip() if len(pending) < 200 else line
            continue
        title = re.sub(r"[\s.\u2026\u00b7_-]+$", "", match.group("title")).strip()
        if pending and not _numbered(title):
            title = f"{pending} {title}"
        pending = ""
        if _LIST_HEAD.match(title):
            in_list = True
        elif in_list and _CAPTION.match(title):
            continue
        else:
            in_list = False
        title = re.sub(r"\s+", " ", title)
        printed: str | None = match.group("page")
        if _BARE_LABEL.match(title):  # "Part I": a label and its numeral, its page that of what follows
            title, printed = f"{title} {printed}", None
            label_at.append(len(entries))
        if len(normalize(title)) < 2:
            continue
        is_numbered = bool(_NUMBERED.match(title) or _ROMAN_HEAD.match(title) or _LETTER_HEAD.match(title))
        level = _level(title, last_numbered_level, numbered_seen)
        if is_numbered:
            numbered_seen = True
            last_numbered_level = level
        elif last_numbered_level is None:
            level = 0
        entries.append(TocEntry(title, level + depth, printed))
    for i in head_at:
        printed = next((e.printed for e in entries[i + 1 :] if e.printed), None)
        entries[i] = TocEntry(entries[i].title, 0, printed)
    return _labels_placed(entries, label_at)


def _labels_placed(entries: list[TocEntry], label_at: list[int]) -> list[TocEntry]:
    """Labels alone ("Part I") at the page of the entry listed right after them, where that entry has
    a page number of digits; the others left out (a contents whose numbers stand apart from their
    lines cannot place them)."""
    out: list[TocEntry] = []
    for i, entry in enumerate(entries):
        if i not in label_at:
            out.append(entry)
            continue
        after = entries[i + 1] if i + 1 < len(entries) else None
        if after is not None and i + 1 not in label_at and after.printed and after.printed.isdigit():
            out.append(TocEntry(entry.title, entry.level, after.printed))
    return out


def _is_trivial(labels: list[str] | None) -> bool:
    return not labels or all(label == str(i + 1) for i, label in enumerate(labels))


def map_by_labels(entries: list[TocEntry], labels: list[str] | None) -> dict[int, int]:
    """Entry index -> physical page, through the PDF's page labels (when they say something). A
    label two pages carry says nothing (a cover labelled "1" before the front matter's "i", "ii"
    and the text's own "1"): those entries are placed by the offset or by search."""
    if _is_trivial(labels):
        return {}
    where: dict[str, int] = {}
    twice: set[str] = set()
    for physical, label in enumerate(labels or [], start=1):
        key = label.strip().lower()
        if key in where:
            twice.add(key)
        where.setdefault(key, physical)
    for key in twice:
        del where[key]
    return {
        i: where[e.printed.lower()] for i, e in enumerate(entries) if e.printed and e.printed.lower() in where
    }


def _printed_number(page_text: str) -> int | None:
    """A page number printed alone at the start or end of a header or footer line."""
    lines = [line.strip() for line in page_text.splitlines() if line.strip()]
    for line in lines[-2:] + lines[:2]:
        match = re.match(r"^(\d{1,4})\b(?!\.\d)", line) or re.search(r"(?<![\d.,])(\d{1,4})$", line)
        if match:
            return int(match.group(1))
    return None


def page_offset(
    entries: list[TocEntry], page_text: Callable[[int], str], page_count: int, skip: set[int]
) -> int | None:
    """The most common (physical - printed) offset, voted by titles found on pages and by printed folios."""
    votes: Counter[int] = Counter()
    texts = {p: page_text(p) for p in range(1, page_count + 1) if p not in skip}
    for page, text in texts.items():
        number = _printed_number(text)
        if number is not None and 0 <= page - number < page_count:
            votes[page - number] += 1
    for entry in entries:
        if not entry.printed or not entry.printed.isdigit():
            continue
        printed = int(entry.printed)
        if printed > page_count:
            continue  # past the end of this file (an excerpt): searching every page for it finds nothing
        found = find_title(entry.title, texts, near=printed)
        if found is not None:
            votes[found - printed] += 2
    if not votes:
        return None
    offset, weight = votes.most_common(1)[0]
    return offset if weight >= 2 else None


def roman_offset(
    entries: list[TocEntry], page_text: Callable[[int], str], page_count: int, skip: set[int]
) -> int | None:
    """Offset for roman-numbered front matter, voted by titles found on pages."""
    votes: Counter[int] = Counter()
    texts = {p: page_text(p) for p in range(1, min(page_count, 40) + 1) if p not in skip}
    for entry in entries:
        value = roman_to_int(entry.printed or "") if entry.printed and not entry.printed.isdigit() else None
        if value is None:
            continue
        found = find_title(entry.title, texts, near=value)
        if found is not None:
            votes[found - value] += 1
    return votes.most_common(1)[0][0] if votes else None
