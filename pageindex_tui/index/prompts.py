"""Every prompt the engine sends, in one place; the shape each JSON reply must have is in `shapes.py`.

Prompts put the document text first and the instruction after it, so that calls over the same
pages share a prefix the server can cache.
"""

from __future__ import annotations

SYSTEM = (
    "You help index long documents. You answer precisely and only with what is asked. "
    "When asked for JSON, reply with a single JSON value and nothing else."
)


def _messages(document: str, instruction: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{document}\n\n---\n{instruction}"},
    ]


def find_sections(pages_text: str, first: int, last: int) -> list[dict[str, str]]:
    instruction = (
        f"Above are pages {first} to {last} of a document; each page is wrapped in <page N> tags "
        "carrying its physical page number.\n"
        "List every section or chapter heading that BEGINS on these pages, in reading order. "
        "Copy each heading exactly as printed (including its number, such as '2.1'). "
        "Give its nesting level (1 = chapter, 2 = section inside it, 3 = subsection) and the "
        "number N of the <page N> tag it appears in. Do not list running headers, footers, "
        "figure or table captions, or ordinary sentences.\n"
        'Reply as JSON: {"sections": [{"title": "...", "level": 1, "page": N}]}. '
        'If no heading begins on these pages, reply {"sections": []}.'
    )
    return _messages(pages_text, instruction)


def is_contents_page(page_text: str) -> list[dict[str, str]]:
    instruction = (
        "Is the page above a table of contents (a list of the document's sections, usually with "
        "page numbers)? A list of figures, tables or abbreviations does not count.\n"
        'Reply as JSON: {"is_contents": true} or {"is_contents": false}.'
    )
    return _messages(page_text, instruction)


def read_contents(contents_text: str) -> list[dict[str, str]]:
    instruction = (
        "Above is a document's table of contents. Transcribe every entry in order. For each give "
        "the title exactly as printed, its nesting level (1 = top level), and the printed page "
        "number as an integer, or null when the entry has none or it is a roman numeral.\n"
        'Reply as JSON: {"entries": [{"title": "...", "level": 1, "page": 5}]}.'
    )
    return _messages(contents_text, instruction)


def summarize_node(title: str, text: str) -> list[dict[str, str]]:
    instruction = (
        f'The text above is the section "{title}" of a document. Write a summary of it in two '
        "to four sentences: the main points, the facts and figures a reader would search for. "
        "Reply with the summary only, as plain text."
    )
    return _messages(text, instruction)


def describe_document(outline: str) -> list[dict[str, str]]:
    instruction = (
        "Above is the outline of a document, with a summary for some sections. Write one "
        "sentence that describes the document well enough to tell it apart from others. Reply "
        "with that sentence only."
    )
    return _messages(outline, instruction)


def check_headings(candidates_text: str) -> list[dict[str, str]]:
    instruction = (
        "Above, numbered, are lines of a document that might be section headings. For each you see "
        "its page, how it is set (size against the body text, bold, italic, underlined, capitals, "
        "fixed-pitch, numbering, whether it was joined from several printed lines or stands among "
        "table cells), the line and the line printed after it.\n"
        "Say which lines open a part of the document (a chapter, section or sub-section title), and "
        "which are not headings, each with one reason: table (a table cell, row or column head), "
        "caption (of a figure or table), running (a header or footer repeated on many pages), "
        "sentence (ordinary text that happens to be short), code (a program listing), list (an item "
        "of a list), contact (a name, address, phone number or web address), other. Leave out a "
        "line you are unsure of.\n"
        'Reply as JSON: {"headings": [1, 4], "not_headings": [{"line": 2, "reason": "table"}]}; '
        "either list may be empty."
    )
    return _messages(candidates_text, instruction)


# Reading a scanned page (index/ocr_vision.py): the page image follows the instruction.
OCR_SYSTEM = (
    "You transcribe images of document pages into plain text. You copy what is printed, exactly, "
    "and add nothing of your own."
)
OCR_ASK = (
    "Transcribe all the text printed on this page, in reading order: columns one after the other, "
    "top to bottom. Keep each printed line on a line of its own. Mark every heading (a chapter, "
    "section or sub-section title) with Markdown: '# ' for the largest, '## ' for the next level, "
    "'### ' below that. Write tables as rows of cells separated by ' | '. Leave out nothing that is "
    "printed, correct no spelling, and describe no pictures. Reply with the text only."
)
