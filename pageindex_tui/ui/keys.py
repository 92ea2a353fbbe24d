"""Every key of the app in one table: bindings, the footer, the help screen and the command palette
are all built from it, so no action can have a key without a command or the other way round.

Each key has an id (`scope.name`); the `[keys]` table of the settings file maps ids to other keys:

    [keys]
    "documents.index" = "n"          # or, as a nested table: documents.index = "n"
    "app.help" = "f1,question_mark"

A key's help line names another key by its id in braces ("{reader.close}: back"); `help_text` writes
it as the user's keymap binds it, as every other hint does (`shown_key`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from textual.binding import Binding, BindingType

from .keyspec import Key as Key  # the table's type, re-exported for its readers
from .keyspec import here, list_moves
from .screenkeys import SCREEN_KEYS

SCOPES = {
    "app": "Anywhere",
    "documents": "Documents pane",
    "tree": "Tree pane",
    "calls": "Calls table",
    "call": "Call detail",
    "stream": "Stream pane",
    "gauges": "Gauges pane",
    "reader": "Page text reader",
    "search": "Reader search box",
    "ask": "Ask screen",
    "citations": "Ask: citations",
    "questions": "Ask: questions",
    "filter": "Title filter",
    "config": "Settings screen",
    "help": "Help screen",
    "doctor": "Doctor screen",
    "plan": "Plan screen",
    "deploy": "Plan: deployment folder",
    "export": "Export screen",
    "library": "Library search",
    "log": "Log screen",
    "confirm": "Questions",
}

MAIN_KEYS: tuple[Key, ...] = (
    # anywhere
    Key("app.help", "question_mark", "help", "Help", "Show every key", display="?"),
    Key("app.settings", "o", "settings", "Settings", "Open the settings screen (server, model, indexing)"),
    Key("app.quit", "q", "request_quit", "Quit", "Quit (asks first while indexing)"),
    here("app.quit_ctrl", "ctrl+q", "request_quit", "Quit", "Quit (asks first)"),
    Key(
        "app.palette",
        "ctrl+p",
        "command_palette",
        "palette",
        "Command palette: every action, and the theme picker",
        show=False,
        palette=False,
        priority=True,
    ),
    here("app.next_pane", "tab", "focus_next", "Next", "Next pane"),
    here("app.previous_pane", "shift+tab", "focus_previous", "Previous", "Previous pane"),
    Key(
        "app.focus_documents", "1", "focus_pane('documents')", "Docs", "Focus the documents pane", show=False
    ),
    Key("app.focus_tree", "2", "focus_pane('tree')", "Tree", "Focus the tree pane", show=False),
    Key("app.focus_stream", "3", "focus_pane('stream')", "Stream", "Focus the stream pane", show=False),
    Key("app.focus_calls", "4", "focus_pane('calls')", "Calls", "Focus the calls table", show=False),
    Key(
        "app.focus_gauges",
        "5",
        "focus_pane('gauges')",
        "Gauges",
        "Focus the GPU and server gauges",
        show=False,
    ),
    Key(
        "app.zoom",
        "m",
        "zoom",
        "Zoom",
        "Zoom the focused pane to the whole screen, or restore it (esc restores too)",
    ),
    Key("app.toggle_gauges", "w", "toggle_gauges", "Gauges", "Hide or show the GPU and server gauges"),
    Key(
        "app.expand_gauges",
        "W",
        "expand_gauges",
        "Big gauges",
        "Expand the gauges to the whole screen",
        show=False,
    ),
    Key("app.doctor", "D", "doctor", "Doctor", "Check GPU, server and settings; recommend a vLLM command"),
    Key(
        "app.plan",
        "P",
        "plan",
        "Plan",
        "Plan a GPU box: what fits, the vllm serve command, costs",
        show=False,
    ),
    Key(
        "app.check_server",
        "ctrl+r",
        "check_server",
        "Check server",
        "Ask the model server what it serves",
        show=False,
    ),
    Key(
        "app.banner_details",
        "b",
        "banner_details",
        "Server details",
        "Show every detail of the server banner (checks, keys, a dead server's log), or one line again",
        show=False,
    ),
    Key(
        "app.restart_server",
        "S",
        "restart_server",
        "Restart server",
        "Start the embedded llama-server (--local) again after it died",
        show=False,
    ),
    Key("app.theme", "T", "change_theme", "Theme", "Choose a theme (remembered)"),
    Key(
        "app.resume",
        "R",
        "resume",
        "Resume",
        "Resume the partial indexes an outage or a cancel left",
        show=False,
    ),
    Key("app.ask", "A", "ask", "Ask", "Ask the highlighted document a question (answers cite its pages)"),
    Key(
        "app.log",
        "L",
        "show_log",
        "Log",
        "Show the highlighted document's warnings and log: fallbacks, overflows, retries, errors",
        show=False,
    ),
    # documents
    Key("documents.index", "i", "index", "Index", "Index the highlighted file (or every file in a folder)"),
    Key("documents.index_force", "I", "index_force", "Re-index", "Index again, ignoring the saved index"),
    Key(
        "documents.index_folder",
        "a",
        "index_folder",
        "Index folder",
        "Index every file in the highlighted folder",
    ),
    Key("documents.cancel", "x", "cancel", "Cancel", "Cancel indexing of the highlighted file"),
    Key("documents.cancel_all", "X", "cancel_all", "Cancel all", "Cancel every queued and running document"),
    Key("documents.reload", "r", "reload", "Reload", "Re-read the folder from disk"),
    Key(
        "documents.search_library",
        "F",
        "search_library",
        "Find",
        "Search every indexed document's sections by words; enter opens the one chosen at its node and page",
        show=False,
    ),
    *list_moves("documents"),
    Key(
        "documents.collapse",
        "h,left",
        "collapse",
        "Collapse",
        "Collapse the folder or go to its parent",
        show=False,
        widget=True,
    ),
    here(
        "documents.open",
        "enter",
        "open",
        "Open",
        "Open the file's tree (a folder: expand or collapse it)",
        widget=True,
    ),
    here(
        "documents.expand",
        "l,right",
        "expand",
        "Expand",
        "Expand the folder, or open the file's tree",
        widget=True,
    ),
    here("documents.top", "g", "scroll_home", "Top", "Go to the first row", widget=True),
    here("documents.bottom", "G", "scroll_end", "Bottom", "Go to the last row", widget=True),
    # tree
    Key("tree.filter", "slash", "filter", "Filter", "Filter the tree by title", display="/"),
    Key(
        "tree.page_text",
        "t",
        "page_text",
        "Page text",
        "Read the highlighted node's page text ({reader.close}: back)",
    ),
    Key("tree.copy_json", "y", "copy_json", "Copy JSON", "Copy the highlighted node as JSON (OSC 52)"),
    Key("tree.copy_text", "Y", "copy_text", "Copy text", "Copy the highlighted node's page text (OSC 52)"),
    Key("tree.export_json", "e", "export_json", "Export JSON", "Export the tree as PageIndex JSON"),
    Key("tree.export_markdown", "E", "export_markdown", "Export MD", "Export the tree as a Markdown outline"),
    Key("tree.toggle_detail", "d", "toggle_detail", "Detail", "Show or hide the node detail panel"),
    *list_moves("tree"),
    Key(
        "tree.collapse",
        "h,left",
        "collapse",
        "Collapse",
        "Collapse the node or go to its parent",
        show=False,
        widget=True,
    ),
    Key(
        "tree.expand",
        "l,right",
        "expand",
        "Expand",
        "Expand the node or go to its first child",
        show=False,
        widget=True,
    ),
    here("tree.top", "g", "scroll_home", "Top", "Go to the first node", widget=True),
    here("tree.bottom", "G", "scroll_end", "Bottom", "Go to the last node", widget=True),
    Key(
        "tree.collapse_all",
        "z",
        "collapse_all",
        "Collapse all",
        "Collapse every node",
        show=False,
        widget=True,
    ),
    Key("tree.expand_all", "Z", "expand_all", "Expand all", "Expand every node", show=False, widget=True),
    Key("tree.clear_filter", "escape", "clear_filter", "Clear filter", "Clear the title filter", show=False),
    # calls
    here(
        "calls.open",
        "enter",
        "open",
        "Detail",
        "Open the highlighted call: request, timings, retries, error, reasoning and reply",
        widget=True,
        show=True,
    ),
    here(
        "calls.pick",
        "space",
        "pick",
        "Show",
        "Show the highlighted call in the stream pane",
        widget=True,
    ),
    Key("calls.follow", "f", "follow", "Follow", "Follow the newest call again"),
    Key(
        "calls.filter",
        "slash",
        "filter",
        "Filter",
        "Filter the calls by document, purpose, state or error text (every word must match)",
        display="/",
    ),
    Key("calls.sort", "s", "sort", "Sort", "Sort by the next column (the header marks it ▲ or ▼)"),
    Key("calls.reverse", "r", "reverse", "Reverse", "Reverse the order of the sort", show=False),
    here(
        "calls.clear_filter",
        "escape",
        "clear_filter",
        "Clear filter",
        "Clear the calls filter",
        show=True,
        display="esc",
    ),
    here("calls.down", "j,down", "cursor_down", "Down", "Move down", widget=True),
    here("calls.up", "k,up", "cursor_up", "Up", "Move up", widget=True),
    here("calls.top", "g,home", "scroll_top", "Top", "Go to the first call", widget=True),
    here("calls.bottom", "G,end", "scroll_bottom", "Bottom", "Go to the last call", widget=True),
    here("calls.page_down", "pagedown", "page_down", "Page down", "Down a screen of calls", widget=True),
    here("calls.page_up", "pageup", "page_up", "Page up", "Up a screen of calls", widget=True),
    # stream
    Key("stream.follow", "f", "follow", "Follow", "Follow the newest call again"),
    here("stream.down", "j", "scroll_down", "Down", "Scroll down", widget=True),
    here("stream.up", "k", "scroll_up", "Up", "Scroll up", widget=True),
    here("stream.top", "g", "scroll_home", "Top", "Scroll to the top", widget=True),
    here("stream.bottom", "G", "scroll_end", "Bottom", "Scroll to the end", widget=True),
    # gauges pane (when focused: 5)
    here(
        "gauges.expand",
        "enter,z",
        "toggle_expanded",
        "Expand",
        "Maximize the gauges or restore them",
        show=True,
    ),
    here(
        "gauges.hide",
        "h",
        "toggle_hidden",
        "Hide",
        "Hide the gauges (show them again from the app)",
        show=True,
    ),
    # the title filter's input box
    here("filter.clear", "escape", "clear", "Clear filter", "Clear the filter and close it"),
)
KEYS: tuple[Key, ...] = MAIN_KEYS + SCREEN_KEYS  # the table: the main screen's, then the other screens'

KEY_IDS = {key.id: key for key in KEYS}


def bindings(scope: str, widget: bool | None = None) -> list[BindingType]:
    """The bindings of a scope; `widget` picks the pane's own keys (False) or its list widget's (True)."""
    return [
        Binding(
            k.keys,
            k.action,
            k.description,
            show=k.show,
            priority=k.priority,
            key_display=k.display,
            tooltip=help_text(k),
            id=k.id,
        )
        for k in KEYS
        if k.scope == scope and (widget is None or k.widget == widget)
    ]


NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
    "enter": "enter",
    "pagedown": "pgdn",
    "pageup": "pgup",
}


def key_label(key: Key, keymap: Mapping[str, str] | None = None) -> str:
    """How a key is written in help and palette, after the user's keymap."""
    keys = (keymap or {}).get(key.id)
    if keys is None and key.display:
        return key.display
    return " / ".join(NAMES.get(part, part) for part in (keys or key.keys).split(","))


def shown_key(key_id: str, source: object = None) -> str:
    """The key a hint names for `key_id` ("esc: clear"): the first of its keys after the user's keymap.
    `source` is a keymap, or the app that holds one (`app.keymap`); without it, the default key."""
    keymap = source if isinstance(source, Mapping) else getattr(source, "keymap", None)
    return key_label(KEY_IDS[key_id], keymap).split(" / ")[0]


NAMED_KEY = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")  # "{reader.close}" in a help line


def help_text(key: Key, keymap: Mapping[str, str] | None = None) -> str:
    """The key's help line, with the keys it names written as the user's keymap binds them."""
    return NAMED_KEY.sub(lambda named: shown_key(named[1], keymap), key.help)
