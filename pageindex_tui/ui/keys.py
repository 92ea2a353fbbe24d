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

from .keys_reading import READING_KEYS
from .keyspec import Key as Key  # the table's type, re-exported for its readers

SCOPES = {
    "app": "Anywhere",
    "documents": "Documents pane",
    "tree": "Tree pane",
    "calls": "Calls table",
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
    "export": "Export screen",
    "log": "Log screen",
    "confirm": "Questions",
}

KEYS: tuple[Key, ...] = (
    # anywhere
    Key("app.help", "question_mark", "help", "Help", "Show every key", display="?"),
    Key("app.settings", "o", "settings", "Settings", "Open the settings screen (server, model, indexing)"),
    Key("app.quit", "q", "request_quit", "Quit", "Quit (asks first while indexing)"),
    Key("app.quit_ctrl", "ctrl+q", "request_quit", "Quit", "Quit (asks first)", show=False, palette=False),
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
    Key("app.next_pane", "tab", "focus_next", "Next", "Next pane", show=False, palette=False),
    Key(
        "app.previous_pane",
        "shift+tab",
        "focus_previous",
        "Previous",
        "Previous pane",
        show=False,
        palette=False,
    ),
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
        show=False,
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
        "app.check_server",
        "ctrl+r",
        "check_server",
        "Check server",
        "Ask the model server what it serves",
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
    Key("documents.down", "j", "cursor_down", "Down", "Move down", show=False, palette=False, widget=True),
    Key("documents.up", "k", "cursor_up", "Up", "Move up", show=False, palette=False, widget=True),
    Key(
        "documents.collapse",
        "h,left",
        "collapse",
        "Collapse",
        "Collapse the folder or go to its parent",
        show=False,
        widget=True,
    ),
    Key(
        "documents.open",
        "enter",
        "open",
        "Open",
        "Open the file's tree (a folder: expand or collapse it)",
        show=False,
        palette=False,
        widget=True,
    ),
    Key(
        "documents.expand",
        "l,right",
        "expand",
        "Expand",
        "Expand the folder, or open the file's tree",
        show=False,
        palette=False,
        widget=True,
    ),
    Key(
        "documents.top",
        "g",
        "scroll_home",
        "Top",
        "Go to the first row",
        show=False,
        palette=False,
        widget=True,
    ),
    Key(
        "documents.bottom",
        "G",
        "scroll_end",
        "Bottom",
        "Go to the last row",
        show=False,
        palette=False,
        widget=True,
    ),
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
    Key("tree.down", "j", "cursor_down", "Down", "Move down", show=False, palette=False, widget=True),
    Key("tree.up", "k", "cursor_up", "Up", "Move up", show=False, palette=False, widget=True),
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
    Key(
        "tree.top", "g", "scroll_home", "Top", "Go to the first node", show=False, palette=False, widget=True
    ),
    Key(
        "tree.bottom",
        "G",
        "scroll_end",
        "Bottom",
        "Go to the last node",
        show=False,
        palette=False,
        widget=True,
    ),
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
    Key(
        "calls.pick",
        "enter",
        "pick",
        "Show call",
        "Show the highlighted call in the stream pane",
        widget=True,
    ),
    Key("calls.follow", "f", "follow", "Follow", "Follow the newest call again"),
    Key("calls.down", "j", "cursor_down", "Down", "Move down", show=False, palette=False, widget=True),
    Key("calls.up", "k", "cursor_up", "Up", "Move up", show=False, palette=False, widget=True),
    Key(
        "calls.top", "g", "scroll_top", "Top", "Go to the first call", show=False, palette=False, widget=True
    ),
    Key(
        "calls.bottom",
        "G",
        "scroll_bottom",
        "Bottom",
        "Go to the last call",
        show=False,
        palette=False,
        widget=True,
    ),
    # stream
    Key("stream.follow", "f", "follow", "Follow", "Follow the newest call again"),
    Key("stream.down", "j", "scroll_down", "Down", "Scroll down", show=False, palette=False, widget=True),
    Key("stream.up", "k", "scroll_up", "Up", "Scroll up", show=False, palette=False, widget=True),
    Key("stream.top", "g", "scroll_home", "Top", "Scroll to the top", show=False, palette=False, widget=True),
    Key(
        "stream.bottom",
        "G",
        "scroll_end",
        "Bottom",
        "Scroll to the end",
        show=False,
        palette=False,
        widget=True,
    ),
    # gauges pane (when focused: 5)
    Key(
        "gauges.expand",
        "enter,z",
        "toggle_expanded",
        "Expand",
        "Maximize the gauges or restore them",
        palette=False,
    ),
    Key(
        "gauges.hide",
        "h",
        "toggle_hidden",
        "Hide",
        "Hide the gauges (show them again from the app)",
        palette=False,
    ),
    # the title filter's input box
    Key(
        "filter.clear",
        "escape",
        "clear",
        "Clear filter",
        "Clear the filter and close it",
        show=False,
        palette=False,
    ),
    # settings screen
    Key("config.save", "ctrl+s", "save", "Save", "Save the settings to the settings file"),
    Key("config.test", "ctrl+t", "test", "Test connection", "Ask the server at the endpoint what it serves"),
    Key(
        "config.close",
        "escape,q",
        "close",
        "Back",
        "Leave the settings screen (asks first when there are unsaved edits)",
        display="esc",
    ),
    # other screens
    Key(
        "help.close",
        "escape,q,question_mark",
        "dismiss",
        "Close",
        "Close the help screen",
        palette=False,
        display="esc",
    ),
    Key("help.down", "j,down", "scroll('down')", "Down", "Scroll down", show=False, palette=False),
    Key("help.up", "k,up", "scroll('up')", "Up", "Scroll up", show=False, palette=False),
    Key(
        "help.page_down",
        "pagedown,space",
        "scroll('page_down')",
        "Page down",
        "Page down",
        show=False,
        palette=False,
    ),
    Key("help.page_up", "pageup,b", "scroll('page_up')", "Page up", "Page up", show=False, palette=False),
    Key("help.top", "g,home", "scroll('top')", "Top", "Go to the top", show=False, palette=False),
    Key("help.bottom", "G,end", "scroll('bottom')", "Bottom", "Go to the end", show=False, palette=False),
    Key(
        "doctor.close",
        "escape,q",
        "dismiss",
        "Close",
        "Close the doctor screen",
        palette=False,
        display="esc",
    ),
    Key("doctor.rerun", "r", "rerun", "Check again", "Run the checks again", palette=False),
    Key(
        "doctor.copy",
        "c",
        "copy_command",
        "Copy vllm command",
        "Copy the recommended vLLM command",
        palette=False,
    ),
    Key("doctor.down", "j,down", "scroll('down')", "Down", "Scroll down", show=False, palette=False),
    Key("doctor.up", "k,up", "scroll('up')", "Up", "Scroll up", show=False, palette=False),
    Key("doctor.top", "g,home", "scroll('top')", "Top", "Go to the top", show=False, palette=False),
    Key("doctor.bottom", "G,end", "scroll('bottom')", "Bottom", "Go to the end", show=False, palette=False),
    Key("export.cancel", "escape", "cancel", "Cancel", "Leave without exporting", palette=False),
    Key("log.close", "escape,q", "dismiss", "Close", "Close the log", palette=False, display="esc"),
    Key("log.down", "j,down", "scroll('down')", "Down", "Scroll down", show=False, palette=False),
    Key("log.up", "k,up", "scroll('up')", "Up", "Scroll up", show=False, palette=False),
    Key("log.top", "g,home", "top", "Top", "Go to the top", show=False, palette=False),
    Key("log.bottom", "G,end", "bottom", "Bottom", "Go to the end", show=False, palette=False),
    Key("confirm.yes", "y", "answer(True)", "Yes", "Answer yes", palette=False),
    Key("confirm.no", "n,escape", "answer(False)", "No", "Answer no", palette=False),
)


KEYS += READING_KEYS
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
