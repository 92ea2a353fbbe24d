"""Every key of the app in one table: bindings, the footer, the help screen and the command palette
are all built from it, so they never disagree (keys marked `palette=False`, such as j/k, stay out of the
palette)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    scope: str  # where the binding lives: app, documents, tree, calls, stream, config
    keys: str  # Textual key names, comma separated ("j,down")
    action: str  # action name (without "action_") on the scope's widget
    description: str  # short text for the footer
    help: str  # one line for the help screen and the command palette
    show: bool = True  # shown in the footer
    palette: bool = True  # offered in the command palette
    priority: bool = False
    display: str | None = None  # how the key is written in footer and help


SCOPES = {
    "app": "Anywhere",
    "documents": "Documents pane",
    "tree": "Tree pane",
    "calls": "Calls table",
    "stream": "Stream pane",
    "config": "Settings screen",
}

KEYS: tuple[Key, ...] = (
    # anywhere
    Key("app", "question_mark", "help", "Help", "Show every key", display="?"),
    Key("app", "o", "settings", "Settings", "Open the settings screen (server, model, indexing)"),
    Key("app", "q", "request_quit", "Quit", "Quit (asks first while indexing)"),
    Key("app", "ctrl+q", "request_quit", "Quit", "Quit (asks first)", show=False, palette=False),
    Key("app", "1", "focus_pane('documents')", "Docs", "Focus the documents pane", show=False),
    Key("app", "2", "focus_pane('tree')", "Tree", "Focus the tree pane", show=False),
    Key("app", "3", "focus_pane('stream')", "Stream", "Focus the stream pane", show=False),
    Key("app", "4", "focus_pane('calls')", "Calls", "Focus the calls table", show=False),
    Key("app", "5", "focus_pane('gauges')", "Gauges", "Focus the GPU and server gauges", show=False),
    Key("app", "w", "toggle_gauges", "Gauges", "Hide or show the GPU and server gauges"),
    Key("app", "W", "expand_gauges", "Big gauges", "Expand the gauges to the whole screen", show=False),
    Key("app", "D", "doctor", "Doctor", "Check GPU, server and settings; recommend a vLLM command"),
    Key("app", "ctrl+r", "check_server", "Check server", "Ask the model server what it serves", show=False),
    Key("app", "T", "change_theme", "Theme", "Choose a theme (remembered)"),
    # documents
    Key("documents", "i", "index", "Index", "Index the highlighted file (or every file in a folder)"),
    Key("documents", "I", "index_force", "Re-index", "Index again, ignoring the saved index"),
    Key("documents", "a", "index_folder", "Index folder", "Index every file in the highlighted folder"),
    Key("documents", "x", "cancel", "Cancel", "Cancel indexing of the highlighted file"),
    Key("documents", "X", "cancel_all", "Cancel all", "Cancel every queued and running document"),
    Key("documents", "r", "reload", "Reload", "Re-read the folder from disk"),
    Key("documents", "j", "cursor_down", "Down", "Move down", show=False, palette=False),
    Key("documents", "k", "cursor_up", "Up", "Move up", show=False, palette=False),
    Key("documents", "h,left", "collapse", "Collapse", "Collapse the folder or go to its parent", show=False),
    Key("documents", "l,right", "expand", "Expand", "Expand the folder", show=False, palette=False),
    Key("documents", "g", "scroll_home", "Top", "Go to the first row", show=False, palette=False),
    Key("documents", "G", "scroll_end", "Bottom", "Go to the last row", show=False, palette=False),
    # tree
    Key("tree", "slash", "filter", "Filter", "Filter the tree by title", display="/"),
    Key("tree", "t", "page_text", "Page text", "Show the highlighted node's page text"),
    Key("tree", "y", "copy_json", "Copy JSON", "Copy the highlighted node as JSON (OSC 52)"),
    Key("tree", "Y", "copy_text", "Copy text", "Copy the highlighted node's page text (OSC 52)"),
    Key("tree", "e", "export_json", "Export JSON", "Export the tree as PageIndex JSON"),
    Key("tree", "E", "export_markdown", "Export MD", "Export the tree as a Markdown outline"),
    Key("tree", "d", "toggle_detail", "Detail", "Show or hide the node detail panel"),
    Key("tree", "j", "cursor_down", "Down", "Move down", show=False, palette=False),
    Key("tree", "k", "cursor_up", "Up", "Move up", show=False, palette=False),
    Key("tree", "h,left", "collapse", "Collapse", "Collapse the node or go to its parent", show=False),
    Key("tree", "l,right", "expand", "Expand", "Expand the node or go to its first child", show=False),
    Key("tree", "g", "scroll_home", "Top", "Go to the first node", show=False, palette=False),
    Key("tree", "G", "scroll_end", "Bottom", "Go to the last node", show=False, palette=False),
    Key("tree", "z", "collapse_all", "Collapse all", "Collapse every node", show=False),
    Key("tree", "escape", "clear_filter", "Clear filter", "Clear the title filter", show=False),
    # calls
    Key("calls", "enter", "pick", "Show call", "Show the highlighted call in the stream pane"),
    Key("calls", "f", "follow", "Follow", "Follow the newest call again"),
    Key("calls", "j", "cursor_down", "Down", "Move down", show=False, palette=False),
    Key("calls", "k", "cursor_up", "Up", "Move up", show=False, palette=False),
    Key("calls", "g", "scroll_top", "Top", "Go to the first call", show=False, palette=False),
    Key("calls", "G", "scroll_bottom", "Bottom", "Go to the last call", show=False, palette=False),
    # stream
    Key("stream", "f", "follow", "Follow", "Follow the newest call again"),
    Key("stream", "j", "scroll_down", "Down", "Scroll down", show=False, palette=False),
    Key("stream", "k", "scroll_up", "Up", "Scroll up", show=False, palette=False),
    Key("stream", "g", "scroll_home", "Top", "Scroll to the top", show=False, palette=False),
    Key("stream", "G", "scroll_end", "Bottom", "Scroll to the end", show=False, palette=False),
    # settings screen
    Key("config", "ctrl+s", "save", "Save", "Save the settings to the settings file"),
    Key("config", "ctrl+t", "test", "Test connection", "Ask the server at the endpoint what it serves"),
    Key("config", "escape", "close", "Back", "Leave the settings screen without saving"),
)


def bindings(scope: str) -> list[Binding]:
    return [
        Binding(
            k.keys,
            k.action,
            k.description,
            show=k.show,
            priority=k.priority,
            key_display=k.display,
            tooltip=k.help,
        )
        for k in KEYS
        if k.scope == scope
    ]


def key_label(key: Key) -> str:
    if key.display:
        return key.display
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter"}
    return " / ".join(names.get(part, part) for part in key.keys.split(","))
