"""The library search: words typed are looked up in the search index of every indexed document (as
`pageindex-tui search` does), the ranked sections listed with their document, node id, pages, where
the words were found (`store/hitplace.py`, as the CLI says it) and a snippet, all shown literally and
cut to the list's width; enter on one closes the screen with it, and the documents pane opens that
document's tree at the node and its page text at that page (the tree pane's `open_at`)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...jobs.pagetext import library_search
from ...safe_text import counted, one_line
from ...store.hitplace import found_at, hit_span
from ...store.library import Library
from ...store.search import SearchHit
from ..keys import bindings, shown_key
from ..widgets.inputs import TypedInput

LIMIT = 30


def hit_label(hit: SearchHit, width: int = 118) -> Text:
    """Two lines cut to `width` cells: the document and the node (id, title); then the node's pages (or
    lines), where the words were found when that says more, and the snippet."""
    name = one_line(hit.doc_name, max(12, min(40, width * 2 // 5)))
    head = Text(name, style="bold")
    if hit.node_id:
        node = f"[{one_line(hit.node_id, 12)}]"
        head.append(f"  {node} ")
        head.append(one_line(hit.title, max(8, width - len(name) - len(node) - 3)) or "(untitled)")
    else:
        head.append("  (the document: its name or description)", style="dim")
    place = Text("  ")
    place.append(hit_span(hit), style="dim")
    found = found_at(hit)
    if found:
        place.append(" · ")
        place.append(f"found at {found}", style="bold")
    room = width - place.cell_len - 3
    if hit.snippet.strip() and room >= 12:
        place.append(" · ")
        place.append(one_line(hit.snippet, room), style="italic")
    return Text("\n").join([head, place])


class LibrarySearchScreen(ModalScreen[SearchHit | None]):
    BINDINGS = bindings("library")
    DEFAULT_CSS = """
    LibrarySearchScreen { align: center middle; }
    LibrarySearchScreen > Vertical {
        width: 120; max-width: 98%; height: 90%; border: round $primary; background: $surface;
        padding: 0 1;
    }
    LibrarySearchScreen OptionList { height: 1fr; }
    LibrarySearchScreen #library-note { color: $text-muted; height: auto; }
    """

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.search = library_search(library)
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Search the library"
            yield TypedInput(placeholder="words to find in every indexed document", id="library-query")
            yield Static(Text(""), id="library-note")
            yield OptionList(id="library-hits")

    def on_mount(self) -> None:
        close = shown_key("library.close", self.app)
        self._note(f"Type words; enter goes to the results, enter on one opens it; {close} closes.")
        self.query_one("#library-query", Input).focus()

    def _note(self, text: str) -> None:
        self.query_one("#library-note", Static).update(Text(text))

    @on(Input.Changed, "#library-query")
    def _changed(self, event: Input.Changed) -> None:
        self.look_up(event.value)

    @on(Input.Submitted, "#library-query")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.hits:
            options = self.query_one("#library-hits", OptionList)
            options.highlighted = options.highlighted or 0
            options.focus()

    @work(thread=True, exclusive=True, group="library-search", exit_on_error=False)
    def look_up(self, text: str) -> None:
        try:
            hits = self.search.search(text, LIMIT) if text.strip() else []
            problem = ""
        except Exception as err:  # sqlite3 or the disk: said on the screen, never a crash
            hits, problem = [], f"The search failed: {err}"
        self.app.call_from_thread(self._show, text, hits, problem)

    def _show(self, text: str, hits: list[SearchHit], problem: str) -> None:
        if self.query_one("#library-query", Input).value != text:
            return  # typed on since
        self.hits = hits
        self._fill(keep=False)
        if problem:
            self._note(problem)
        elif text.strip():
            asked = f"“{one_line(text, 40)}”"
            if hits:
                self._note(f"{counted(len(hits), 'section')} for {asked}, best first.")
            else:
                self._note(f"No section matches {asked}.")

    def _fill(self, keep: bool = True) -> None:
        """The hits as options, each cut to the list's width (`keep`: the highlighted one stays)."""
        options = self.query_one("#library-hits", OptionList)
        width = max(30, options.content_region.width - options.styles.scrollbar_size_vertical)
        highlighted = options.highlighted if keep else None
        options.clear_options()
        options.add_options([Option(hit_label(hit, width)) for hit in self.hits])
        if highlighted is not None and highlighted < len(self.hits):
            options.highlighted = highlighted

    def on_resize(self) -> None:
        if self.hits:
            self.call_after_refresh(self._fill)

    @on(OptionList.OptionSelected, "#library-hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
