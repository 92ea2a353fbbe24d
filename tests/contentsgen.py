"""Generated PDFs with a printed contents page, and their true headings (see layoutgen.py, whose
writer and heading styles they use): contents naming chapters only, numbered sections a level
short, an excerpt's contents, a contents that lists fewer headings than the text sets; and the
contents whose levels only labels or indentation tell (a filing's parts and items, also without its
contents page; a manual's chapters and appendices; an indented contents).

Every maker writes into a directory and returns (path, truth), truth being [(title, page, level)].
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from layoutgen import BOLD_BODY, NUMBERED, SECTIONS, Style, Truth, _numbered, _write, _Writer


def _contents_head(writer: _Writer, head: str = "Contents") -> None:
    """The contents page's heading (set apart: not a heading of the truth), then the font of its lines."""
    writer.pdf.set_font("Helvetica", style="B", size=16)
    writer.pdf.cell(0, 10, head, new_x="LMARGIN", new_y="NEXT")
    writer.pdf.set_font("Helvetica", size=11)


def _placed(write: Callable[[dict[str, int]], _Writer]) -> _Writer:
    """`write` run twice: first to learn the page each heading lands on, then with the contents giving
    those pages (the contents page has as many lines either way)."""
    first = write({})
    return write({title: page for title, page, _level in first.truth})


def make_chapter_contents(
    directory: Path | str,
    back: str = "",
    longer: str = "",
    figures: bool = False,
    head: str = "Contents",
    ranges: bool = False,
    exhibits: bool = False,
) -> tuple[Path, Truth]:
    """A printed contents page naming the chapters only; numbered sections inside each chapter.
    With `back`, a last contents line of that title ("6 Exhibits") points back to page 3 (inside the first
    chapter), as a filing's list of exhibits after its last item does; it is not in the truth, and
    the last chapter runs a page longer (the contents still names no more than a line per two pages).
    With `longer`, each chapter's heading on its page reads on with those words past what the
    contents print ("2 Materials and Methods in Detail"). With `figures`, a list of figures follows
    the chapters on the contents page ("List of Figures", "Figure 1: ... 4"): captions, no sections.
    `head` is the contents page's heading ("Table des mati\u00e8res"); with `ranges`, each chapter's
    line gives its pages as a range ("2-3"); with `exhibits`, a filing's list of exhibits closes the
    contents without pages ("EXHIBITS", "Exhibit 4.1", "Exhibit 21"): items, no sections."""
    chapters = [(title, [t for lvl, t in group]) for title, group in _chapters()]
    writer = _Writer(NUMBERED)
    _contents_head(writer, head)
    listed = [(title, 2 + 2 * k) for k, (title, _sections) in enumerate(chapters)]
    listed = [*listed, (back, 3)] if back else listed
    if figures:
        listed += [("List of Figures", 0), ("Figure 1: Sites Sampled", 4), ("Figure 2: Growth per Season", 6)]
    if exhibits:
        items = ("EXHIBITS", "Exhibit 4.1", "Exhibit 10.16", "Exhibit 3", "Exhibit 5")
        listed += [(title, 0) for title in items]
    for title, page in listed:
        pages = f"{page}-{page + 1}" if ranges and page else str(page)
        line = f"{title} {'.' * (60 - len(title))} {pages}" if page else title
        writer.pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    for k, (title, sections) in enumerate(chapters):
        writer._new_page()
        writer.heading(f"{title} {longer}".strip(), 0)
        for s, section in enumerate(sections):
            writer.heading(section, 1)
            for p in range(2):
                writer.paragraph(k * 100 + s * 10 + p, 7)
        while writer.page < 3 + 2 * k + (k + 1 == len(chapters) and bool(back)):
            writer.paragraph(k * 100 + 99, 7)
    return writer.save(directory, "chapter_contents.pdf")


def _chapters() -> list[tuple[str, list[tuple[int, str]]]]:
    out: list[tuple[str, list[tuple[int, str]]]] = []
    for level, title in _numbered([s for s in SECTIONS if s[0] < 2]):
        if level == 0:
            out.append((title, []))
        else:
            out[-1][1].append((level, title))
    return out


def make_excerpt_contents(directory: Path | str) -> tuple[Path, Truth]:
    """A chapter excerpted from a longer report: its printed contents numbers the sections (1, 1.1,
    1.1.1) and gives the report's page numbers (200 on, past this file's end), while the body sets
    them unnumbered, bold and in the body size, so type alone cannot tell their levels."""
    writer = _Writer(BOLD_BODY)
    writer.pdf.set_font("Times", style="B", size=14)
    writer.pdf.cell(0, 10, "Contents", new_x="LMARGIN", new_y="NEXT")
    writer.pdf.set_font("Times", size=10.5)
    for k, (level, title) in enumerate(_numbered(SECTIONS)):
        indent = "    " * level
        writer.pdf.cell(
            0, 7, f"{indent}{title} {'.' * (60 - len(title))} {200 + 2 * k}", new_x="LMARGIN", new_y="NEXT"
        )
    writer._new_page()
    _write(writer, SECTIONS)
    return writer.save(directory, "excerpt_contents.pdf")


# a sub-section's long title ("2.1.1 Field Sites: ..."), more words than the rules take alone
LONG = ": How Each of the Places Was Chosen, Reached and Kept Over the Seasons"


TASK = ["Gather the Tools", "Record the Readings"]  # a sub-section's steps, "1." and "2."


def make_section_contents(
    directory: Path | str, annex: bool = False, small: bool = False, steps: bool = False, tasks: bool = False
) -> tuple[Path, Truth]:
    """A printed contents that stops a level short: it lists the numbered chapters and sections
    ("2", "2.1") with their pages; the text numbers sub-sections under them too ("2.1.1"). With
    `annex`, an annex the contents does not list follows the last chapter: its title larger than
    the chapters', unnumbered sections set as the contents' sections are. With `small`, the
    sub-sections are set in bold a point smaller than the text, with long titles (`LONG`); with
    `steps`, their titles start with a step's number ("2.1.1 1. Field Sites", as a manual made
    from its sources numbers the steps of a task); with `tasks`, each sub-section has steps of
    its own, headings in bold at the body size numbered "1.", "2." (`TASK`)."""
    sections = _numbered(SECTIONS)
    if small or steps:
        sub = [k for k, (level, _title) in enumerate(sections) if level == 2]
        for step, k in enumerate(sub, 1):
            number, title = sections[k][1].split(" ", 1)
            title = f"{step}. {title}" if steps else title
            sections[k] = (2, f"{number} {title}{LONG if small else ''}")
    style = Style((*NUMBERED.levels[:2], (9.5, True, False))) if small else NUMBERED

    def write(pages: dict[str, int]) -> _Writer:
        writer = _Writer(style)
        _contents_head(writer)
        for level, title in sections:
            if level < 2:
                line = f"{'    ' * level}{title} {'.' * (56 - len(title))} {pages.get(title, 0)}"
                writer.pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        writer._new_page()
        if not tasks:
            _write(writer, sections, paragraphs=4)
        for k, (level, title) in enumerate(sections if tasks else []):
            writer.heading(title, level)
            writer.paragraph(k * 10, 6)
            for n, task in enumerate(TASK if level == 2 else [], 1):
                writer.heading(f"{n}. {task}", 3, (style.body, True, False))
                writer.paragraph(k * 10 + n, 6)
        if annex:
            writer._new_page()
            writer.heading("Survey Results", 0, (22, True, False))
            for k, title in enumerate(["Response Rates", "Open Answers", "Follow-up Calls"]):
                writer.heading(title, 1)
                writer.paragraph(900 + k, 7)
        return writer

    writer = _placed(write)
    return writer.save(
        directory,
        "section_contents"
        + "".join(f"_{k}" for k, on in (("small", small), ("steps", steps), ("tasks", tasks)) if on)
        + ".pdf",
    )


def make_shallow_contents(
    directory: Path | str, lone: bool = False, repeat: bool = False
) -> tuple[Path, Truth]:
    """A printed contents that lists fewer headings than the text sets: unnumbered sections in 16 pt
    bold, each with sub-sections in 12 pt bold that the contents never lists, and one section
    ("Field Notes") it leaves out, set as the listed ones are. With `lone`, only the first section
    has sub-sections: a style in one section only says nothing of the others (not in the truth).
    With `repeat`, a listed section's title is set again, as it is set, after its first paragraph
    (a box that repeats it): one section still."""
    sections = [
        ("Introduction", ["Scope of the Work", "Earlier Studies", "Aims of the Study"]),
        ("Collecting the Samples", ["Field Sites", "Laboratory Handling"]),
        ("Statistical Analysis", ["Growth Rates", "Seasonal Patterns"]),
        ("Field Notes", ["Weather Records", "Site Visits"]),
        ("Discussion", ["Open Questions", "Limits of the Data"]),
        ("Conclusions", ["Main Findings", "Further Work"]),
    ]
    style = Style(((16, True, False), (12, True, False)))

    def write(pages: dict[str, int]) -> _Writer:
        writer = _Writer(style)
        _contents_head(writer)
        for title, _subs in sections:
            if title != "Field Notes":
                writer.pdf.cell(
                    0, 8, f"{title} {'.' * (56 - len(title))} {pages.get(title, 0)}", new_x="LMARGIN"
                )
                writer.pdf.ln(8)
        writer._new_page()
        for k, (title, subs) in enumerate(sections):
            writer.heading(title, 0)
            writer.paragraph(k * 10, 5)
            if repeat and title == "Discussion":
                writer.heading(title, 0)
                writer.truth.pop()
                writer.paragraph(k * 10 + 5, 5)
            for s, sub in enumerate(subs if not lone or k == 0 else []):
                writer.heading(sub, 1)
                writer.paragraph(k * 10 + s + 1, 5)
        return writer

    writer = _placed(write)
    if lone:
        writer.truth = [t for t in writer.truth if t[2] == 0]
    return writer.save(directory, "shallow_contents.pdf")


# a filing's parts, items and the unlabelled sections inside items, as (level, title, sections)
FILING: list[tuple[int, str, list[str]]] = [
    (0, "Part I", []),
    (1, "Item 1. Business", ["Business Overview", "Competition"]),
    (1, "Item 1A. Risk Factors", []),
    (0, "Part II", []),
    (1, "Item 5. Market for Common Equity", ["Results of Operations"]),
    (1, "Item 7. Discussion and Analysis", []),
    (0, "Signatures", []),
]


EXHIBITS = ["Exhibit 21.1", "Exhibit 31.1", "Exhibit 32"]


def _exhibit(writer: _Writer, label: str, seed: int) -> None:
    """An exhibit's first page: its label alone at the top right, bold at the body size, then its text."""
    writer._new_page()
    writer.pdf.set_font(writer.style.family, style="B", size=writer.style.body)
    writer.pdf.cell(0, 5, label, align="R", new_x="LMARGIN", new_y="NEXT")
    writer.pdf.set_y(writer.pdf.get_y() + 8)
    writer.truth.append((label, writer.page, 0))
    writer.paragraph(seed, 12)


def make_filing(directory: Path | str, contents: bool = False, exhibits: bool = False) -> tuple[Path, Truth]:
    """A filing's parts and items, and unlabelled sections inside the items, every heading set alike
    (bold capitals at the body size), so that type alone cannot tell their levels: the labels can.
    "Signatures" after the last item is no item's. With `contents`, a printed contents page lists
    them all flat, as text loses its indentation ("Part I" on a line of its own, no page). With
    `exhibits`, documents filed with it follow, each opened by its label alone at the top of its
    page, set in bold at the body size ("Exhibit 31.1"), and an item's text holds a chart's label
    in the same words and type ("Exhibit 3"), which is none."""
    headings = [
        (level + depth, line)
        for level, title, sections in FILING
        for depth, line in [(0, title), *((1, s) for s in sections)]
    ]

    def write(pages: dict[str, int]) -> _Writer:
        writer = _Writer(Style(((10.5, True, True),)))
        if contents:
            writer.pdf.set_font("Helvetica", style="B", size=14)
            writer.pdf.cell(0, 10, "Table of Contents", new_x="LMARGIN", new_y="NEXT")
            writer.pdf.set_font("Helvetica", size=10.5)
            for _level, line in headings:
                page = "" if line.startswith("Part") else f" {'.' * (60 - len(line))} {pages.get(line, 0)}"
                writer.pdf.cell(0, 7, f"{line}{page}", new_x="LMARGIN", new_y="NEXT")
            writer._new_page()
        for k, (level, line) in enumerate(headings):
            if k and line.startswith(("Part", "Signatures")):
                writer._new_page()
            writer.heading(line, 0)
            writer.truth[-1] = (*writer.truth[-1][:2], level)
            writer.paragraph(k, 12)
            if exhibits and line.startswith("Item 7"):  # a chart's label among an item's text
                writer.pdf.set_font(writer.style.family, style="B", size=writer.style.body)
                writer.pdf.cell(0, 5, "Exhibit 3", align="C", new_x="LMARGIN", new_y="NEXT")
                writer.paragraph(k + 50, 4)
        for k, label in enumerate(EXHIBITS if exhibits else []):
            _exhibit(writer, label, 90 + k)
        return writer

    first = write({})
    placed = zip(headings, first.truth[: len(headings)], strict=True)  # the exhibits follow
    writer = write({line: page for (_level, line), (_t, page, _l) in placed})
    name = "filing_contents" if contents else "filing"
    return writer.save(directory, f"{name}_exhibits.pdf" if exhibits else f"{name}.pdf")


# a manual's chapters, their numbered sections and its appendices, as (level, title)
MANUAL = [
    (0, "Chapter 1: Installation"),
    (1, "1.1 Connecting Cables"),
    (1, "1.2 Connecting Power"),
    (0, "Chapter 2: Operation"),
    (1, "2.1 Remote Control"),
    (1, "2.2 Menu Options"),
    (0, "Appendix A: Specification"),
    (0, "Appendix B: Symbols"),
]


def make_manual_contents(directory: Path | str) -> tuple[Path, Truth]:
    """A manual whose printed contents lists labelled chapters, their numbered sections and labelled
    appendices, one line each with its page and no indentation: a line after "2.2" with no number of
    its own reads as one level below it, where the labels say "Chapter 2" and "Appendix A" are top."""

    def write(pages: dict[str, int]) -> _Writer:
        writer = _Writer(NUMBERED)
        _contents_head(writer)
        for _level, title in MANUAL:
            line = f"{title} {'.' * (56 - len(title))} {pages.get(title, 0)}"
            writer.pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        for k, (level, title) in enumerate(MANUAL):
            if level == 0:
                writer._new_page()
            writer.heading(title, level)
            writer.paragraph(k, 10)
        return writer

    writer = _placed(write)
    return writer.save(directory, "manual_contents.pdf")


# a contents whose levels only its indentation shows: no numbers, no labels, as (level, title)
INDENTED = [
    (0, "Preface"),
    (1, "Owner's Record"),
    (0, "Installation"),
    (1, "Connecting Cables"),
    (2, "Cable Types"),
    (1, "Connecting Power"),
    (0, "Operation"),
    (1, "Remote Control"),
    (0, "Bibliography"),
]


def make_indented_contents(directory: Path | str) -> tuple[Path, Truth]:
    """A printed contents that lists unnumbered headings one a line with their pages, each level set
    further in; the headings in the text are set alike, so neither numbers nor type tell the levels."""

    def write(pages: dict[str, int]) -> _Writer:
        writer = _Writer(Style(((12, True, False),)))
        _contents_head(writer)
        for level, title in INDENTED:
            writer.pdf.set_x(10 + 8 * level)
            line = f"{title} {'.' * (50 - len(title) - 3 * level)} {pages.get(title, 0)}"
            writer.pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        for k, (level, title) in enumerate(INDENTED):
            if level == 0:
                writer._new_page()
            writer.heading(title, 0)
            writer.truth[-1] = (*writer.truth[-1][:2], level)
            writer.paragraph(k, 8)
        return writer

    writer = _placed(write)
    return writer.save(directory, "indented_contents.pdf")
