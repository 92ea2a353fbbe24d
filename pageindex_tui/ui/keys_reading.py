"""The keys of the page text reader and the Ask screen: part of the one key table (`keys.KEYS`)."""

from __future__ import annotations

from .keyspec import Key, here

READING_KEYS: tuple[Key, ...] = (
    # the page text reader (in the node panel, and over the Ask screen); the view binds the widget keys
    here("reader.down", "j,down", "scroll_down", "Down", "Scroll down a line", widget=True),
    here("reader.up", "k,up", "scroll_up", "Up", "Scroll up a line", widget=True),
    here(
        "reader.page_down",
        "space,pagedown",
        "page_down",
        "Page down",
        "Scroll down a screen",
        widget=True,
        display="space / pgdn",
    ),
    here(
        "reader.page_up",
        "b,pageup",
        "page_up",
        "Page up",
        "Scroll up a screen",
        widget=True,
        display="b / pgup",
    ),
    here("reader.top", "g,home", "top", "Top", "Go to the start of the text", widget=True),
    here("reader.bottom", "G,end", "bottom", "End", "Go to the end of the text", widget=True),
    here(
        "reader.next_page",
        "right_square_bracket",
        "next_unit",
        "Next page",
        "Go to the next page",
        widget=True,
        show=True,
        display="]",
    ),
    here(
        "reader.previous_page",
        "left_square_bracket",
        "previous_unit",
        "Prev page",
        "Go to the previous page",
        widget=True,
        display="[",
    ),
    here(
        "reader.search", "slash", "search", "Search", "Search the text (enter: find)", show=True, display="/"
    ),
    here("reader.next_match", "n", "next_match", "Next", "Go to the next match of the search", show=True),
    here("reader.previous_match", "N", "previous_match", "Prev", "Go to the previous match"),
    here("reader.close", "escape", "close", "Back", "Close the text and go back", show=True, display="esc"),
    here("search.cancel", "escape", "cancel", "Cancel", "Close the search box and clear the matches"),
    # the Ask screen, its citations and its questions
    here(
        "ask.back",
        "escape",
        "back",
        "Back",
        "Back to the tree (a running question goes on)",
        show=True,
        display="esc",
    ),
    here("ask.cancel", "ctrl+g", "cancel", "Stop", "Stop the running question", show=True),
    here("ask.question", "a", "focus_question", "Question", "Type a new question", show=True),
    here(
        "ask.page_text",
        "t",
        "page_text",
        "Page text",
        "Read the page text of the node highlighted here",
        show=True,
    ),
    here(
        "citations.open",
        "enter",
        "open",
        "Open",
        "Jump to the cited node and read the cited pages, the quote highlighted",
        widget=True,
        show=True,
    ),
    here("citations.down", "j", "cursor_down", "Down", "Move down", widget=True),
    here("citations.up", "k", "cursor_up", "Up", "Move up", widget=True),
    here(
        "questions.show", "enter", "show", "Show", "Show that question's answer again", widget=True, show=True
    ),
    here("questions.down", "j", "cursor_down", "Down", "Move down", widget=True),
    here("questions.up", "k", "cursor_up", "Up", "Move up", widget=True),
)
