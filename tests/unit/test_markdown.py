"""Markdown documents: lines, ATX headings outside fenced code, encodings, and the loader's dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from pageindex_tui.document import Heading, MarkdownDocument, open_document, open_markdown
from pageindex_tui.document.markdown import find_headings
from pageindex_tui.errors import DocumentError, EmptyDocument, UnsupportedDocument


def write(tmp_path: Path, text: str | bytes, name: str = "doc.md") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def titles(text: str) -> list[tuple[str, int, int]]:
    return [(h.title, h.level, h.line_num) for h in find_headings(text.split("\n"))]


SAMPLE = """# Guide

Intro text.

## Install ##

Run the installer.

### Linux
Steps for Linux.

## Use
Final words.
"""


def test_open_markdown_reads_lines_headings_and_counts(tmp_path):
    doc = open_markdown(write(tmp_path, SAMPLE, "guide.md"))
    assert isinstance(doc, MarkdownDocument)
    assert doc.kind == "markdown" and doc.name == "guide.md" and doc.path == tmp_path / "guide.md"
    assert doc.line_count == SAMPLE.count("\n") + 1 == 14
    assert doc.lines[0] == "# Guide" and doc.lines[-1] == "" and len(doc.lines) == doc.line_count
    assert doc.headings == [
        Heading("Guide", 1, 1),
        Heading("Install", 2, 5),
        Heading("Linux", 3, 9),
        Heading("Use", 2, 12),
    ]


def test_section_text_is_half_open_and_runs_to_the_end(tmp_path):
    doc = open_markdown(write(tmp_path, SAMPLE))
    assert doc.section_text(5, 9) == "## Install ##\n\nRun the installer.\n"
    assert doc.section_text(12, None) == "## Use\nFinal words.\n"
    assert doc.section_text(1, 2) == "# Guide"
    assert doc.section_text(9, 9) == ""


def test_the_document_interface(tmp_path):
    doc = open_markdown(write(tmp_path, SAMPLE, "guide.md"))
    assert (doc.unit, doc.size, doc.doc_name, doc.warnings) == ("line", 14, "guide", [])
    assert [(e.title, e.level, e.start) for e in doc.entries()][:2] == [("Guide", 0, 1), ("Install", 1, 5)]
    # a node's own lines run to the next heading of any level, whatever its end
    assert doc.node_text(5, 11) == doc.section_text(5, 9)
    assert doc.node_text(12, 14) == doc.section_text(12, None)


def test_levels_one_to_six_and_not_seven():
    text = "\n".join("#" * n + f" Level {n}" for n in range(1, 8))
    assert titles(text) == [(f"Level {n}", n, n) for n in range(1, 7)]


def test_trailing_hashes_and_spacing_rules():
    text = "\n".join(
        [
            "## Title ##",  # closing sequence dropped
            "# C# language",  # a '#' inside the text stays
            "# foo#",  # closing #'s must follow a space
            "#\tTabbed   ",  # a tab separates too; trailing blanks go
            "   ### Three spaces",  # up to three leading spaces
            "    # Four spaces",  # indented code, not a heading
            "#NoSpace",  # not a heading
            "### ###",  # empty heading: skipped
            "#",  # empty heading: skipped
            "## Spaced   out  ###   ",
        ]
    )
    assert titles(text) == [
        ("Title", 2, 1),
        ("C# language", 1, 2),
        ("foo#", 1, 3),
        ("Tabbed", 1, 4),
        ("Three spaces", 3, 5),
        ("Spaced   out", 2, 10),
    ]


def test_headings_inside_fenced_code_are_skipped():
    text = """# Real one
```python
# a comment, not a heading
~~~
## still code
```
## After backticks
~~~
# inside tildes
```
~~~
### After tildes"""
    assert titles(text) == [("Real one", 1, 1), ("After backticks", 2, 7), ("After tildes", 3, 12)]


def test_fence_closes_only_with_same_char_and_at_least_the_opening_length():
    text = "\n".join(
        [
            "````md",
            "```",
            "# not a heading: the fence above is shorter",
            "`````  ",  # a longer closing fence, trailing blanks allowed
            "# Out again",
            "  ~~~~",
            "# code",
            "~~~",
            "# still code: closing fence shorter than four tildes",
            "   ~~~~~",
            "# Last",
        ]
    )
    assert titles(text) == [("Out again", 1, 5), ("Last", 1, 11)]


def test_unclosed_fence_runs_to_the_end_and_backtick_info_strings_are_no_fence():
    assert titles("# A\n```\n# hidden\n## hidden too") == [("A", 1, 1)]
    # a backtick "fence" whose info string has a backtick is inline code, not a fence
    assert titles("``` foo`bar\n# Visible") == [("Visible", 1, 2)]
    # a closing fence may not carry an info string
    assert titles("~~~\n~~~ x\n# hidden\n~~~\n# Shown") == [("Shown", 1, 5)]
    # four spaces of indentation do not open a fence
    assert titles("    ```\n# Shown") == [("Shown", 1, 2)]


def test_file_without_headings_is_valid(tmp_path):
    doc = open_markdown(write(tmp_path, "just some notes\nand more\n"))
    assert doc.headings == [] and doc.line_count == 3


def test_crlf_lines_lose_their_carriage_returns(tmp_path):
    doc = open_markdown(write(tmp_path, "# One\r\ntext\r\n## Two ##\r\n"))
    assert doc.lines == ["# One", "text", "## Two ##", ""]
    assert doc.headings == [Heading("One", 1, 1), Heading("Two", 2, 3)]
    assert doc.line_count == 4


def test_bom_is_dropped(tmp_path):
    doc = open_markdown(write(tmp_path, "\ufeff# Title\nbody\n".encode()))
    assert doc.lines[0] == "# Title"
    assert doc.headings == [Heading("Title", 1, 1)]


def test_non_ascii_utf8_is_fine(tmp_path):
    doc = open_markdown(write(tmp_path, "# Über café ✓\n"))
    assert doc.headings[0].title == "Über café ✓"


@pytest.mark.parametrize("content", ["", "   \n\n\t\n", "\ufeff"])
def test_empty_file_is_an_empty_document(tmp_path, content):
    path = write(tmp_path, content, "empty.md")
    with pytest.raises(EmptyDocument) as err:
        open_markdown(path)
    assert "empty.md" in str(err.value) and "empty" in str(err.value) and err.value.hint


def test_non_utf8_file_is_unsupported(tmp_path):
    path = write(tmp_path, "# Caf\xe9 notes\n".encode("latin-1"), "latin.md")
    with pytest.raises(UnsupportedDocument) as err:
        open_markdown(path)
    assert "latin.md" in str(err.value) and "UTF-8" in str(err.value)
    assert "UTF-8" in err.value.hint
    assert isinstance(err.value, DocumentError)


def test_missing_markdown_file(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        open_markdown(tmp_path / "gone.md")


# --- open_document -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["notes.md", "notes.markdown", "NOTES.MD"])
def test_open_document_dispatches_markdown_by_suffix(tmp_path, name):
    doc = open_document(write(tmp_path, SAMPLE, name))
    assert isinstance(doc, MarkdownDocument) and doc.name == name


def test_open_document_accepts_str_paths(tmp_path):
    doc = open_document(str(write(tmp_path, SAMPLE)))
    assert isinstance(doc, MarkdownDocument)


@pytest.mark.parametrize("name", ["notes.txt", "report.docx", "README"])
def test_open_document_rejects_other_suffixes(tmp_path, name):
    path = write(tmp_path, "# hello\n", name)
    with pytest.raises(UnsupportedDocument) as err:
        open_document(path)
    assert name in str(err.value) and ".pdf" in err.value.hint and ".md" in err.value.hint


def test_open_document_missing_file(tmp_path):
    with pytest.raises(DocumentError) as err:
        open_document(tmp_path / "missing.pdf")
    assert "missing.pdf" in str(err.value) and "no such file" in str(err.value)
    assert err.value.hint
    assert type(err.value) is DocumentError


def test_open_document_directory(tmp_path):
    folder = tmp_path / "docs.md"
    folder.mkdir()
    with pytest.raises(DocumentError) as err:
        open_document(folder)
    assert "directory" in str(err.value) and err.value.hint
