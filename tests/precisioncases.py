"""Generated PDFs that reproduce lines the layout took for headings in real filings and manuals,
and which the outlines of those documents do not list (issue 18, precision), with their truth.

Each maker writes one small PDF (no outline, no contents page) into a directory and returns
(path, truth) as `layoutcases` does. Core fonts, latin-1 text.
"""

from __future__ import annotations

from pathlib import Path

from layoutcases import _Page, _pdf, _written
from layoutgen import Truth

RUN_INS = [
    "Leases - The Company recognizes operating and finance lease assets and the lease liabilities on",
    "Credit Losses - The Company uses a forward-looking model to recognize the allowances for its",
]
# a sentence set as a heading over two lines, longer together than a title is
STATEMENT = [
    "Our businesses may incur substantial costs and liabilities and be exposed to price volatility",
    "as a result of risks associated with the wholesale electricity markets in which they operate.",
]


def make_run_ins_and_sentences(directory: Path | str) -> tuple[Path, Truth]:
    """Bold sections, an "Exercises" section closing each, run-in headings set off by a dash in the
    heading's size whose line goes on into the paragraph, and a sentence set in the heading's style
    over two lines."""
    pdf, truth = _pdf(), []
    for k, name in enumerate(["Reading Orders", "Writing Reports", "Closing Accounts"], 1):
        page = _Page(pdf, truth)
        page.heading([f"{k} {name}"], 14)
        page.body(200 + k, 4)
        page.heading(["Exercises"], 12, level=1)
        page.body(220 + k, 3)
    page = _Page(pdf, truth)
    page.heading(["4 Critical Estimates"], 14)
    page.body(230, 4)
    for run_in in RUN_INS:
        page.space(4)
        page.line(run_in, size=12, style="B", after=1)
        page.body(231, 3)
    page.space(5)
    for text in STATEMENT:
        page.line(text, size=12, style="B", after=0.6)
    page.space(2)
    page.body(232, 4)
    return _written(pdf, directory, "run_ins.pdf", truth)


EXHIBITS = [
    ("10.12 Omniture Equity Incentive Plan", "10-Q 8/6/09 10.3 000-52076"),
    ("10.13 Form of Indemnity Agreement", "10-K 2/27/09 10.9 000-52076"),
    ("10.16 Demdex Stock Plan, as amended", "S-8 1/27/11 99.1 333-171902"),
]


def make_exhibit_index_and_drawing_text(directory: Path | str) -> tuple[Path, Truth]:
    """A filing's index of exhibits: numbered rows at the body size with the form, date and file
    number beside each; and text recognised from a drawing: a pin label set huge, noise
    characters read from a waveform."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Exhibits and Schedules"], 14)
    page.body(240, 4)
    for number_title, filed in EXHIBITS:
        page.space(4)
        page.row([(20, number_title), (150, filed)])
    page.space(4)
    page.body(241, 4)
    page = _Page(pdf, truth)
    page.heading(["2 Pin Descriptions"], 14)
    page.body(242, 4)
    page.space(6)
    page.line("L XTAL2", size=40, style="B", after=4)
    page.body(243, 4)
    page.space(6)
    page.line("'arame'erI---%#", size=16, after=4)
    page.body(244, 4)
    return _written(pdf, directory, "exhibit_index.pdf", truth)


def make_figure_words_bylines_and_sentences(directory: Path | str) -> tuple[Path, Truth]:
    """A paper's first page and a filing's: a byline of names under the title's section, words of a
    drawing in a colour over its caption (and one with nothing under it), a bold sentence standing
    alone as a risk factor's lead, and an index row read whole with its form, date and file number."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Introduction"], 14)
    page.line("Parth Sarthi, Salman Abdullah, Aditi Tuli, Anna Goldie", size=12, style="B", after=4)
    page.body(250, 4)
    pdf.set_text_color(35, 31, 32)
    for label in ("Radioisotope Dating", "Rocket Science"):  # the first far over the second
        page.space(8 if label == "Rocket Science" else 4)
        page.line(label, align="C", after=32 if label == "Radioisotope Dating" else 3)
    pdf.set_text_color(0, 0, 0)
    page.line("Figure 1: The eight topics of the environment, each a task of its own kind.", after=3)
    page.body(251, 4)
    pdf.set_text_color(35, 31, 32)
    page.space(8)
    page.line("Reactor Lab", align="C")
    pdf.set_text_color(0, 0, 0)
    page = _Page(pdf, truth)
    page.heading(["2 Risk Factors"], 14)
    page.body(252, 4)
    page.space(4)
    page.line("Competition is increasing and could adversely affect us.", size=13, style="B", after=3)
    page.body(253, 4)
    page.space(4)
    page.line("10.7 Form of Indemnity Agreement* 10-Q 6/26/09 10.12 000-15175", after=3)
    page.body(254, 4)
    return _written(pdf, directory, "figure_words.pdf", truth)


def make_title_going_on_into_numbers(directory: Path | str) -> tuple[Path, Truth]:
    """A title in capitals over three lines, each line after the first opening with a number, the
    lines before ending on a word that leads on ("PURSUANT TO"): one heading, not three."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Exhibits"], 14)
    page.body(260, 4)
    page.heading(
        [
            "CERTIFICATIONS PURSUANT TO",
            "18 U.S.C. SECTION 1350 AS ADOPTED PURSUANT TO",
            "SECTION 906 OF THE ACT",
        ],
        12,
    )
    page.body(261, 6)
    return _written(pdf, directory, "going_on.pdf", truth)


def make_small_labels(directory: Path | str) -> tuple[Path, Truth]:
    """Labels set smaller than the text, bold or in capitals, standing alone as headings do: a
    timing diagram's signals ("1 TAVLL"), a package's name under a pin drawing ("PLCC")."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Packages"], 14)
    page.body(270, 4)
    for label in ("1 TAVLL", "10 P,MIN", "PLCC"):
        page.space(6)
        page.line(label, size=7, style="B", align="C", after=4)
        page.body(271, 3)
    return _written(pdf, directory, "small_labels.pdf", truth)


# items of a table's first column read with the cell beside them, wrapped at the body size
WRAPPED_ITEMS = [
    ["2. Time-Series Multiple instances", "of one or more measures taken", "at equidistant points in"],
    ["3. Ranking Categorical subdivisions", "of a measure ordered in", "ascending or descending size"],
    ["4. Deviation Categorical subdivisions", "of a measure compared to", "a reference measure"],
]


def make_wrapped_plain_items(directory: Path | str) -> tuple[Path, Truth]:
    """Numbered items at the body size, each wrapped over three lines and standing apart (a table's
    rows read across its columns), and an address over two lines: the bold sections only."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Relationships in Graphs"], 14)
    page.body(280, 4)
    for item in WRAPPED_ITEMS:
        page.space(6)
        for text in item:
            page.line(text, after=1.2)
        page.space(3)
    page.body(281, 3)
    page.heading(["2 Contact"], 14)
    page.body(282, 3)
    page.space(6)
    page.line("942 South Shady Grove Road", after=1.2)
    page.line("Memphis, TN 38120", after=1.2)
    page.space(6)
    page.body(283, 3)
    return _written(pdf, directory, "wrapped_items.pdf", truth)


ROWS_WHOLE = ["NarrativeQA 57.36% 36.78% 34.96%", "Quality 32.28% 24.41% 32.36%", "Qasper 22.93% 18.49%"]


def make_table_rows_read_whole(directory: Path | str) -> tuple[Path, Truth]:
    """A table whose rows are read as one piece each, label and figures ("NarrativeQA 57.36% 36.78%
    34.96%"), under a bold head row at the body size ("Dataset", "DPR SBERT BM25"): the head row is
    no heading, the bold sections are."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Layers of the Tree"], 14)
    page.body(290, 4)
    page.line("Table 18: Percentage of nodes from non-leaf nodes across datasets and retrievers", after=4)
    page.row([(60, "Dataset"), (90, "DPR SBERT BM25")], style="B")
    for text in ROWS_WHOLE:
        page.line(f"{' ' * 24}{text}", after=0.6)
    page.space(4)
    page.body(291, 4)
    page.heading(["2 Queries"], 14)
    page.body(292, 3)
    return _written(pdf, directory, "table_rows_whole.pdf", truth)


def make_chart_titles_over_units(directory: Path | str) -> tuple[Path, Truth]:
    """A report's charts titled in the heading's size, each over a note on its units ("(in
    millions)"), and a statement's title in capitals over its note: the sections and the statement
    are headings, the charts' titles are not."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Operating Activities"], 14)
    page.body(300, 3)
    for title in ("Operating Cash Flows", "Investing Cash Flows"):
        page.space(6)
        page.line(title, size=13, align="C", after=0.6)
        page.line("(in millions)", style="I", align="C", after=30)  # the chart's bars, then its figures
        page.row([(40, "$2,466"), (80, "$(40)"), (120, "$329"), (160, "$2,755")])
        page.row([(40, "2019"), (80, "Change"), (120, "Change"), (160, "2020")], style="B")
        page.space(4)
        page.body(301, 3)
    page = _Page(pdf, truth)
    page.heading(["CONSOLIDATED BALANCE SHEETS"], 12, level=0)
    page.line("(In thousands, except par value)", align="C", after=3)
    page.body(302, 6)
    return _written(pdf, directory, "chart_titles.pdf", truth)


def make_paper_title(directory: Path | str) -> tuple[Path, Truth]:
    """A paper's first page: its title set larger than anything after it, then its abstract and
    numbered sections: the title names the document and is no section of it."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.line("Recursive Processing for Tree-Organized Retrieval", size=18, style="B", align="C", after=4)
    page.line("Anonymous authors", align="C", after=6)
    page.heading(["Abstract"], 12)
    page.body(310, 5)
    page.heading(["1 Introduction"], 12)
    page.body(311, 6)
    page = _Page(pdf, truth)
    page.heading(["2 Methods"], 12)
    page.body(312, 8)
    page.heading(["3 Results"], 12)
    page.body(313, 8)
    return _written(pdf, directory, "paper_title.pdf", truth)


def make_chapter_alone(directory: Path | str) -> tuple[Path, Truth]:
    """A book's chapter saved as a PDF of its own: the chapter's title set larger than anything
    after it on page 1, over sections all numbered under one chapter ("4.1", "4.2", "4.2.1"): the
    title is the chapter's, the tree's top, not a document's title to leave out."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["Vector Spaces"], 18, level=0)
    page.body(330, 5)
    page.heading(["4.1 Groups"], 13, level=1)
    page.body(331, 6)
    page = _Page(pdf, truth)
    page.heading(["4.2 Linear Independence"], 13, level=1)
    page.body(332, 5)
    page.heading(["4.2.1 Basis and Rank"], 11, level=2)
    page.body(333, 5)
    page.heading(["4.3 Linear Mappings"], 13, level=1)
    page.body(334, 5)
    return _written(pdf, directory, "chapter_alone.pdf", truth)


def make_head_row_under_table_caption(directory: Path | str) -> tuple[Path, Truth]:
    """A table captioned over it, its bold head row ("Role Content") just under the caption at the
    body size: the head row is no heading; a numbered section just under a table's caption set
    below its table, and a bold heading under a figure's caption, are."""
    pdf, truth = _pdf(), []
    page = _Page(pdf, truth)
    page.heading(["1 Prompts"], 12)
    page.body(320, 4)
    page.line("Table 11: Prompt for Summarization", align="C", after=2)
    page.row([(45, "Role"), (60, "Content")], style="B")
    page.row([(45, "system"), (60, "You are a summarizing text portal")])
    page.row([(45, "user"), (60, "Write a summary of the following")])
    page.space(4)
    page.body(321, 4)
    page.line("Table 12: Hit rates of the three retrievers on the test set", align="C", after=1)
    page.heading(["2 Findings"], 12)
    page.body(322, 4)
    page.line("Figure 3: Histogram of the layers the retrieved nodes come from", align="C", after=1)
    page.heading(["Limitations"], 12)
    page.body(323, 4)
    return _written(pdf, directory, "table_head_row.pdf", truth)


def make_back_cover(directory: Path | str) -> tuple[Path, Truth]:
    """A report whose last page is its back cover: its title set large and an address, no body
    text. The sections are headings, the back cover's lines are not."""
    pdf, truth = _pdf(), []
    for k, name in enumerate(["Overview", "Results", "Outlook"], 1):
        page = _Page(pdf, truth)
        page.heading([f"{k} {name}"], 14)
        page.body(330 + k, 10)
    page = _Page(pdf, [])
    page.space(80)
    page.line("2023 Annual Report", size=36, style="B", align="C", after=20)
    page.line("942 South Grove Road", size=12, after=1)
    page.line("Memphis, TN 38120", size=12, after=1)
    return _written(pdf, directory, "back_cover.pdf", truth)
