from collections import Counter
from difflib import SequenceMatcher

from pageindex_tui.index.locate import (
    _quick_ratio,
    find_title,
    normalize,
    title_on_page,
    title_opens_page,
    title_position,
)
from pageindex_tui.index.toc import (
    TocEntry,
    contents_heads,
    find_toc_pages,
    map_by_labels,
    page_offset,
    parse_toc,
    roman_to_int,
    running_lines,
    strip_running,
)

CONTENTS = """Contents
Preface ................................ iv
1 Introduction ......................... 1
2 Background ........................... 3
2.1 Prior Work ......................... 3
2.2 Open Problems and a Title That Wraps
Over Two Lines ......................... 5
3 Design ............................... 7
iii
"""


def test_parse_toc_levels_wrapping_and_folios():
    entries = parse_toc(CONTENTS)
    assert [(e.title, e.level, e.printed) for e in entries] == [
        ("Preface", 0, "iv"),
        ("1 Introduction", 0, "1"),
        ("2 Background", 0, "3"),
        ("2.1 Prior Work", 1, "3"),
        ("2.2 Open Problems and a Title That Wraps Over Two Lines", 1, "5"),
        ("3 Design", 0, "7"),
    ]


def test_a_year_that_ends_a_wrapped_line_is_no_page_number():
    text = (
        "Consolidated balance sheets at March 31, 2022 and December 31, 2021 82\n"
        "Statements of comprehensive income for the three months ended March 31, 2022\n"
        "and 2021 81\n"
        "Notes to Consolidated Financial Statements ......... 2019\n"
    )
    assert [(e.title, e.printed) for e in parse_toc(text)] == [
        ("Consolidated balance sheets at March 31, 2022 and December 31, 2021", "82"),
        ("Statements of comprehensive income for the three months ended March 31, 2022 and 2021", "81"),
        ("Notes to Consolidated Financial Statements", "2019"),  # after a leader it is a page
    ]


def test_a_page_range_after_a_leader_gives_its_first_page_and_years_without_one_stay_in_the_title():
    text = (
        "Draft Publications ................ 52-53\n"
        "Special Publications (SPs) ........ 53\n"
        "Interagency Reports ............... 53\u201354\n"
        "Plan of Action 2021-2026 ......... 25\n"
        "Plan of Action 2021-2026\n"
        "Its Structure ..................... 26\n"
    )
    assert [(e.title, e.printed) for e in parse_toc(text)] == [
        ("Draft Publications", "52"),
        ("Special Publications (SPs)", "53"),
        ("Interagency Reports", "53"),
        ("Plan of Action 2021-2026", "25"),
        ("Plan of Action 2021-2026 Its Structure", "26"),
    ]
    # pages numbered within each chapter ("2-3": chapter 2, page 3; "2-1" does not rise) are no
    # ranges: no entry starts at "1" or "2", the lines stay as they were (the layout reads such a document)
    chapters = (
        "1. Introduction ........ 1-1\n1.1 Purpose ........ 1-2\n"
        "1.2 Scope ........ 1-3\n2. Overview ........ 2-1\n"
    )
    assert parse_toc(chapters) == []
    assert find_toc_pages({1: chapters}.__getitem__, 1, 1) is None


def test_the_contents_heading_in_another_language_is_no_entry():
    text = "Table des mati\u00e8res\nLa course ........ 7\nDos au mur ........ 11\nLe temple ........ 17\n"
    assert [e.title for e in parse_toc(text)] == ["La course", "Dos au mur", "Le temple"]
    pages = {1: "Title page", 2: text, 3: "Body text"}
    assert find_toc_pages(pages.__getitem__, 3, 3) is not None


def test_unnumbered_entries_nest_under_numbered_chapters():
    entries = parse_toc("1 Overview .... 1\n2 Policy .... 3\nMarch Summary .... 3\nJune Summary .... 9\n")
    assert [e.level for e in entries] == [0, 0, 1, 1]


def test_a_list_of_figures_or_tables_after_the_contents_gives_no_entries():
    text = (
        "Contents\n1 Introduction .... 1\n2 Methods .... 4\nList of Figures\n"
        "Figure 1: Sites Sampled .... 2\nFigure 2: Growth per Season .... 5\nList of Tables .... 9\n"
        "Table 1: Counts .... 3\nList of Appendices\nAppendix A\u2014Acronyms .... 8\n"
    )
    assert [(e.title, e.printed) for e in parse_toc(text)] == [
        ("1 Introduction", "1"),
        ("2 Methods", "4"),
        ("List of Tables", "9"),
        ("Appendix A\u2014Acronyms", "8"),
    ]
    # outside such a list, a title that starts like a caption is an entry
    assert [e.title for e in parse_toc("1 Scope .... 1\nTable 1 Rates by Region .... 3\n")][-1] == (
        "Table 1 Rates by Region"
    )


def test_find_toc_pages_needs_leaders_or_heading():
    pages = {1: "A Title Page\nby someone", 2: CONTENTS, 3: "1 Introduction\nSome prose here."}
    found = find_toc_pages(pages.__getitem__, 3, 20)
    assert found is not None and found.pages == [2] and found.sure
    assert find_toc_pages({1: "prose\nmore prose"}.__getitem__, 1, 20) is None


def test_offset_voted_by_titles_and_folios():
    texts = {
        1: "Title",
        2: CONTENTS,
        3: "1 Introduction\nbody\n1",
        4: "body\n2",
        5: "2 Background\nbody\n3",
        6: "body\n4",
        7: "2.2 Open Problems and a Title That Wraps\nOver Two Lines\n5",
        8: "x\n6",
        9: "3 Design\n7",
    }
    entries = parse_toc(CONTENTS)
    assert page_offset(entries, texts.__getitem__, 9, {2}) == 2


def test_labels_map_printed_numbers_and_trivial_labels_are_ignored():
    entries = [TocEntry("Preface", 0, "ii"), TocEntry("One", 0, "1")]
    assert map_by_labels(entries, ["i", "ii", "1", "2"]) == {0: 2, 1: 3}
    assert map_by_labels(entries, ["1", "2", "3"]) == {}


def test_a_label_two_pages_carry_maps_nothing():
    """A manual's cover is labelled "1", its front matter "i" to "iii", its text "1" on: printed
    page 1 of the contents is not the cover (the old mapping took the first page labelled "1")."""
    entries = [
        TocEntry("Contents", 0, "i"),
        TocEntry("1 Getting Started", 0, "1"),
        TocEntry("1.2 Strap", 1, "2"),
    ]
    assert map_by_labels(entries, ["1", "i", "ii", "iii", "1", "2", "3"]) == {0: 2, 2: 6}


def test_running_headers_are_stripped():
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    texts = {
        p: f"Annual Report {p}\n{words[p - 1]} starts\nbody of {words[p - 1]}\nChapter footer | {p}"
        for p in range(1, 9)
    }
    running = running_lines(texts.__getitem__, range(1, 9))
    assert strip_running(texts[3], running) == "charlie starts\nbody of charlie"


def test_roman_numerals():
    assert [roman_to_int(x) for x in ("i", "iv", "ix", "xiv", "MCM", "q")] == [1, 4, 9, 14, 1900, None]


def test_title_matching_tolerates_case_wrapping_and_small_typos():
    page = "Running head 12\n2.1 DATA SOURCES\nThe data come from...\n"
    assert title_position("2.1 Data Sources", page) == 1
    assert title_opens_page("2.1 Data sources", page)
    assert (
        title_position("Monitoring Financial Vulnerabilties", "x\nMonitoring Financial\nVulnerabilities\n")
        == 1
    )
    assert title_position("Overview", "An overview of things") is None
    assert normalize("Café — Déjà vu!") == "cafe deja vu"


def test_find_title_prefers_a_page_the_title_opens():
    texts = {3: "see 2 Methods for details\n" + "x\n" * 10, 5: "2 Methods\nbody"}
    assert find_title("2 Methods", texts, near=3) == 5


def test_a_title_printed_with_an_ampersand_is_found_where_the_contents_spells_and():
    # the section opens page 52 as "Honors & Awards"; page 53's running head spells it out
    texts = {52: "Honors & Awards\nDepartment of Commerce Gold Medal", 53: "Honors and Awards\nbody"}
    assert find_title("Honors and Awards", texts, near=52) == 52
    assert title_on_page("Research & Development", "Research and Development\nbody")


def test_the_fuzzy_bound_is_difflibs_quick_ratio():
    pairs = [
        ("introduction", "intrduction to"),
        ("monetary policy", "monetray polcy report"),
        ("ab", ""),
        ("aab", "abb"),
    ]
    for a, b in pairs:
        expected = SequenceMatcher(None, a, b, autojunk=False).quick_ratio()
        assert _quick_ratio(tuple(Counter(a).items()), len(a), b) == expected


def test_a_chapter_title_under_its_label_is_found_and_a_running_head_with_another_number_is_not():
    """A book's contents print "10 Systems of ODEs" (no page: its sections carry them); its opening
    page sets "Chapter 10" over "Systems of ODEs", and the next page's running head reads "102
    Systems of ODEs" (page 102). The opening page is the chapter's, the running head no match."""
    opener = "Chapter 10\nSystems of ODEs\nIn the previous chapter we used Euler's method.\n10.1 Matrices\n"
    running = "102 Systems of ODEs\n>> whos M\nName Size Bytes Class\n"
    assert title_position("10 Systems of ODEs", opener) == 0
    assert title_position("10 Systems of ODEs", running) is None
    assert find_title("10 Systems of ODEs", {113: opener, 114: running}, near=110) == 113
    assert title_position("Part 2 Results", "Part 2\nResults\n") == 0  # a label the title carries too


def test_a_chapter_title_that_is_also_a_running_head_stays_in_the_contents_as_a_head():
    """A manual's contents print its chapter titles without a page number; each chapter's pages carry
    its title as their running footer. Among the entries it is a chapter; above the "Contents"
    heading or at the page's foot it is the contents page's own running head, and goes."""
    footer = {f"{chapter}\n{n}" for chapter in ("Getting Started", "Care for Health") for n in range(9)}
    pages = [f"body {n}\n{page_footer}" for n, page_footer in enumerate(sorted(footer))]
    running = running_lines(lambda p: pages[p - 1], range(1, len(pages) + 1))
    page = (
        "Care for Health\nContents\nGetting Started\nButtons and screen control 1\nPairing 2\n"
        "Care for Health\nMeasuring SpO2 17\nSleep monitoring 17\nGetting Started\n"
    )
    text, heads = contents_heads(page, running)
    assert text.splitlines()[0] == "Contents" and text.splitlines()[-1] == "Sleep monitoring 17"
    assert heads == {normalize("Getting Started"), normalize("Care for Health")}
    assert [(e.title, e.level, e.printed) for e in parse_toc(text, heads)] == [
        ("Getting Started", 0, "1"),
        ("Buttons and screen control", 1, "1"),
        ("Pairing", 1, "2"),
        ("Care for Health", 0, "17"),
        ("Measuring SpO2", 1, "17"),
        ("Sleep monitoring", 1, "17"),
    ]
    # without heads (the old reading) the chapter titles were lost with the running heads
    assert parse_toc(strip_running(page, running))[0].title == "Buttons and screen control"


def test_a_page_number_on_a_line_of_its_own_ends_its_wrapped_title():
    text = (
        "Charging 8\nThe blood pressure measured at home is different from that\nmeasured at the hospital\n"
        "10\nMeasuring blood pressure 11\n"
    )
    assert [(e.title, e.printed) for e in parse_toc(text)] == [
        ("Charging", "8"),
        ("The blood pressure measured at home is different from that measured at the hospital", "10"),
        ("Measuring blood pressure", "11"),
    ]
    # page numbers set apart in a column of their own end no title: the titles wait, as before
    column = "Item 1. Business....\nItem 2. Properties....\n3\n18\n"
    assert parse_toc(column) == []


def test_heads_without_page_are_entries_not_the_start_of_the_next_title():
    """A filing's contents: the page's header above "Table of Contents", the page column's caption,
    and heads printed without a page (a part with its title, an item ending in a full stop, a line
    announcing a list with a colon) were all glued onto the first entry's title."""
    text = (
        "FORM 10-Q\nTABLE OF CONTENTS\nPart I \u2013 Financial information  Page\n"
        "Item 1. Financial Statements.\n"
        "Consolidated Financial Statements \u2013 Acme & Co.:\nConsolidated statements of income 80\n"
        "Average Balance Sheets for the three months ended March 31,\n2022 and 2021  165\n"
        "Item 2. Management\u2019s Discussion and Analysis.\nIntroduction  4\n"
        "Part II \u2013 Other information\nItem 1.  Legal Proceedings.  175\n"
        "Notes to the accounts of Acme Inc.\nand its subsidiaries 90\n"
    )
    assert [(e.title, e.level, e.printed) for e in parse_toc(text)] == [
        ("Part I \u2013 Financial information", 0, "80"),
        ("Item 1. Financial Statements.", 0, "80"),
        ("Consolidated Financial Statements \u2013 Acme & Co.", 0, "80"),
        ("Consolidated statements of income", 1, "80"),
        ("Average Balance Sheets for the three months ended March 31, 2022 and 2021", 1, "165"),
        ("Item 2. Management\u2019s Discussion and Analysis.", 0, "4"),
        ("Introduction", 1, "4"),
        ("Part II \u2013 Other information", 0, "175"),
        ("Item 1. Legal Proceedings", 1, "175"),
        ("Notes to the accounts of Acme Inc. and its subsidiaries", 1, "90"),  # "Inc." ends no title
    ]
    # a labelled title wrapped before a line that starts no entry of its own is one title
    wrapped = parse_toc("Chapter 3 \u2013 Introduction to\nBees and Wasps 45\n")
    assert [e.title for e in wrapped] == ["Chapter 3 \u2013 Introduction to Bees and Wasps"]
