"""`A`: ask the highlighted document a question. The tree marks the nodes the model reads as it reads
them; its reasoning and the answer stream as the indexing stream does; each citation opens the reader
on its node's cited pages with the quote highlighted. The questions of the session are kept per
document (`asking.AskBook`).

Questions run through the app's engine (`EngineRunner.ask`: the `Asker` that `pageindex-tui ask` uses);
their events come back as any engine event does and `workbench/ask_handler.py` turns them into the
book's changes, which the app hands to `apply`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from ...index.tree import Node, walk_paths
from ...store.library import LibraryEntry
from ...workbench.asking import Question
from ...workbench.state import Changes, LiveDoc, Workbench
from ..host import host_of
from ..keys import bindings, shown_key
from ..literal import one_line
from ..widgets.index_tree import IndexTree
from ..widgets.inputs import TypedInput
from ..widgets.stream import StreamView
from .reader import ReaderScreen

# App keys that act on the main screen's panes: off while the Ask screen or a reader is on top
MAIN_SCREEN_ACTIONS = frozenset({"ask", "focus_pane", "toggle_gauges", "expand_gauges"})


def main_screen_only(app: App[Any], action: str) -> bool:
    """Whether `action` is an app key that does nothing useful on the screen shown now."""
    return action in MAIN_SCREEN_ACTIONS and isinstance(app.screen, (AskScreen, ReaderScreen))


class CitationList(OptionList):
    BINDINGS = bindings("citations", widget=True)
    COMPONENT_CLASSES: ClassVar[set[str]] = {*OptionList.COMPONENT_CLASSES, "citation--ok", "citation--bad"}
    DEFAULT_CSS = """
    CitationList > .citation--ok { color: $success; text-style: bold; }
    CitationList > .citation--bad { color: $error; text-style: bold; }
    """

    class Opened(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def action_open(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Opened(self.highlighted))


class QuestionList(OptionList):
    BINDINGS = bindings("questions", widget=True)

    class Chosen(Message):
        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def action_show(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Chosen(self.highlighted + 1))


class AskScreen(Screen[str | None]):
    """Returns the id of the last node a citation opened (the tree pane goes there), or None."""

    BINDINGS = bindings("ask")
    DEFAULT_CSS = """
    AskScreen { layout: vertical; }
    AskScreen > #ask-question { border: tall $primary; height: 3; }
    AskScreen #ask-body { height: 1fr; }
    AskScreen #ask-left { width: 36%; min-width: 28; max-width: 60; }
    AskScreen #ask-tree, AskScreen #ask-questions, AskScreen #ask-answer, AskScreen #ask-citations {
        border: round $panel; border-title-color: $text-muted; background: $surface;
    }
    AskScreen #ask-tree:focus, AskScreen #ask-questions:focus, AskScreen #ask-answer:focus-within,
    AskScreen #ask-citations:focus {
        border: round $primary; border-title-color: $primary;
    }
    AskScreen #ask-tree { height: 1fr; overflow-x: hidden; }
    AskScreen #ask-questions { height: auto; max-height: 40%; min-height: 3; }
    AskScreen #ask-answer { height: 1fr; }
    AskScreen #ask-status { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    AskScreen #ask-status.-failed { background: $error 30%; }
    AskScreen #ask-stream { height: 1fr; padding: 0 1; }
    AskScreen #ask-citations { height: auto; max-height: 40%; min-height: 3; }
    """

    def __init__(self, model: Workbench, doc: str, live: LiveDoc, entry: LibraryEntry) -> None:
        super().__init__()
        self.model, self.doc, self.live, self.entry = model, doc, live, entry
        self.name_shown = one_line(Path(doc).name, 60)
        self.opened: dict[str, Any] = {}  # the document, opened once for the reader
        self.last_node: str | None = None
        self._revealed: set[str] = set()

    def compose(self) -> ComposeResult:
        yield TypedInput(placeholder=f"Ask {self.name_shown} a question · enter: ask", id="ask-question")
        with Horizontal(id="ask-body"):
            with Vertical(id="ask-left"):
                yield IndexTree(id="ask-tree")
                yield QuestionList(id="ask-questions")
            with Vertical(id="ask-right"):
                with Vertical(id="ask-answer"):
                    yield Static(Text(""), id="ask-status")
                    yield StreamView(id="ask-stream")
                yield CitationList(id="ask-citations")
        yield Footer(compact=True)

    # -- parts -------------------------------------------------------------------------------------
    @property
    def index_tree(self) -> IndexTree:
        return self.query_one("#ask-tree", IndexTree)

    @property
    def stream(self) -> StreamView:
        return self.query_one("#ask-stream", StreamView)

    @property
    def citations(self) -> CitationList:
        return self.query_one("#ask-citations", CitationList)

    @property
    def question_box(self) -> Input:
        return self.query_one("#ask-question", Input)

    @property
    def shown(self) -> Question | None:
        return self.model.asks.on_show(self.doc)

    def on_mount(self) -> None:
        self.index_tree.border_title = f"Tree · {self.name_shown}"
        self.query_one("#ask-questions").border_title = "Questions"
        self.query_one("#ask-answer").border_title = "Answer"
        self.citations.border_title = "Citations"
        self.index_tree.marks = self.model.asks.marks(self.doc)
        self.index_tree.show_nodes(self.live.nodes, self.live.markdown, keep=False)
        self.draw()
        self.question_box.focus()

    # -- showing -----------------------------------------------------------------------------------
    def draw(self) -> None:
        """Everything from the book: the question on show, its stream, citations, marks; the list."""
        question = self.shown
        stream = self.stream
        stream.clear()
        if question is None:
            stream.note("Ask a question: the model picks sections from the tree, reads their pages, answers,")
            stream.note("and every citation is checked against the pages it read.")
        else:
            stream.append("note", f"Q{question.number}: {question.text}\n")
            for kind, text in question.pieces:
                stream.append(kind, text)
        self._update_list()
        self._update(question)
        self.index_tree.set_marks(self.model.asks.marks(self.doc))
        self._revealed.clear()
        self._reveal_reads(question)

    def _reveal_reads(self, question: Question | None) -> None:
        """Open the branches down to every node the question read (each once: the user may close them)."""
        for read in question.reads if question is not None else ():
            if read.node_id not in self._revealed:
                self._revealed.add(read.node_id)
                self.index_tree.reveal(read.node_id)

    def _update(self, question: Question | None) -> None:
        status = self.query_one("#ask-status", Static)
        status.update(Text(question.status() if question else f"No questions about {self.name_shown} yet."))
        status.set_class(question is not None and question.phase == "failed", "-failed")
        self._update_citations(question)
        if self.stream.following:  # the status and citations took rows from the stream: keep its end in view
            self.call_after_refresh(self.stream.scroll_end, animate=False)

    def _update_list(self) -> None:
        box = self.query_one("#ask-questions", QuestionList)
        questions = self.model.asks.questions(self.doc)
        box.clear_options()
        box.add_options([Option(Text(one_line(q.summary(), 200))) for q in questions])
        shown = self.shown
        if shown is not None:
            box.highlighted = shown.number - 1
        box.display = bool(questions)

    def _update_citations(self, question: Question | None) -> None:
        box = self.citations
        box.clear_options()
        items = question.citations if question is not None else []
        ok = box.get_component_rich_style("citation--ok", partial=True)
        bad = box.get_component_rich_style("citation--bad", partial=True)
        for citation in items:
            line = Text()
            line.append(f"[{one_line(citation.marker) or '-'}] ")
            line.append("✓ " if citation.verified else "✗ ", ok if citation.verified else bad)
            if not citation.node_id:  # a marker of the answer that no source line explains
                line.append(one_line(citation.problem, 160), bad)
                box.add_option(Option(line))
                continue
            node = self.node(citation.node_id)
            pages = ",".join(str(p) for p in citation.pages) or "-"
            word = "line" if self.live.markdown else "p."
            line.append(f"{one_line(citation.node_id) or '?'} {one_line(node.title, 50) if node else ''}")
            line.append(f" {word} {pages}", style="dim")
            if citation.quote:
                line.append(f" “{one_line(citation.quote, 120)}”", style="italic")
            if citation.problem:
                line.append(f" ({one_line(citation.problem, 120)})", bad)
            box.add_option(Option(line))
        if question is not None and question.phase == "answered" and not items:
            box.add_option(Option(Text("The answer cites nothing.", style="italic"), disabled=True))
        box.display = bool(box.option_count)
        if items:
            box.highlighted = 0

    def apply(self, changes: Changes) -> None:
        """Ask events arrived (the app calls this from `show`)."""
        ask, question = changes.ask, self.shown
        if question is None:
            return
        if question.run in ask.redraw:
            self.draw()
            return
        for run, kind, text in ask.appends:
            if run == question.run:
                self.stream.append(kind, text)
        if self.doc in ask.marks:
            self.index_tree.set_marks(self.model.asks.marks(self.doc))
            self._reveal_reads(question)
        if any(q.run in ask.runs for q in self.model.asks.questions(self.doc)):
            self._update_list()
            self._update(question)

    def node(self, node_id: str) -> Node | None:
        return next((n for _p, n in walk_paths(self.live.nodes) if n.node_id == node_id), None)

    # -- asking ------------------------------------------------------------------------------------
    @on(Input.Submitted, "#ask-question")
    def _asked(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        if not text:
            self.notify("Type a question first.", timeout=3)
            return
        asks = self.model.asks
        running = asks.running(self.doc)
        if running is not None:
            stop = shown_key("ask.cancel", self.app)
            self.notify(f"Still answering question {running.number} ({stop}: stop it).", markup=False)
            return
        question = asks.start(self.doc, text)
        host = host_of(self.app)
        if host is None or not host.engine.ask(question.run, self.entry, text, host.settings):
            question.phase, question.error = "failed", "the engine is not running"
        self.question_box.value = ""
        self.draw()

    def action_cancel(self) -> None:
        question = self.model.asks.running(self.doc)
        host = host_of(self.app)
        if question is None or host is None or not host.engine.cancel_ask(question.run):
            self.notify("No question is running.", timeout=3)
            return
        self.notify(f"Stopping question {question.number} ...", timeout=3)

    @on(QuestionList.Chosen)
    def _chosen(self, message: QuestionList.Chosen) -> None:
        self.model.asks.show(self.doc, message.number)
        self.draw()
        self.app.call_later(self._tell_tree_pane)

    def _tell_tree_pane(self) -> None:
        """The main tree marks what the question on show read."""
        host = host_of(self.app)
        if host is not None:
            changes = Changes()
            changes.ask.marks.add(self.doc)
            host.show(changes)

    def action_focus_question(self) -> None:
        self.question_box.focus()

    def action_back(self) -> None:
        self.dismiss(self.last_node)

    # -- reading -----------------------------------------------------------------------------------
    @on(CitationList.Opened)
    def _open_citation(self, message: CitationList.Opened) -> None:
        question = self.shown
        if question is None or not 0 <= message.index < len(question.citations):
            return
        citation = question.citations[message.index]
        node = self.node(citation.node_id)
        if node is None:
            self.notify(f"The answer cites {one_line(citation.node_id)!r}, which is not in this tree.")
            return
        self.index_tree.go_to(node.node_id)
        self.last_node = node.node_id
        title = Text()
        title.append(f"{self.name_shown} · ")
        title.append(one_line(node.title, 80), style="bold")
        pages = ",".join(str(p) for p in citation.pages) or "-"
        word = "line" if self.live.markdown else "p."
        title.append(f" · node {one_line(node.node_id)} · cited {word} {pages}")
        title.append(" · verified" if citation.verified else f" · not verified: {one_line(citation.problem)}")
        at = citation.pages[0] if citation.pages else None
        reader = ReaderScreen(
            Path(self.doc), node, title, at=at, cited=citation.pages, quote=citation.quote, opened=self.opened
        )
        self.app.push_screen(reader)

    def action_page_text(self) -> None:
        cursor = self.index_tree.cursor_node
        if cursor is None or cursor.data is None:
            self.notify("Highlight a node of the tree first.", timeout=3)
            return
        node = cursor.data.node
        title = Text()
        title.append(f"{self.name_shown} · ")
        title.append(one_line(node.title, 80), style="bold")
        self.last_node = node.node_id or self.last_node
        self.app.push_screen(ReaderScreen(Path(self.doc), node, title, at=node.start, opened=self.opened))


def open_ask(app: App[Any], model: Workbench) -> None:
    """`A`: the Ask screen for the document highlighted in the documents pane, when it has an index."""
    if any(isinstance(screen, AskScreen) for screen in app.screen_stack):
        return
    doc = model.current_doc
    if doc is None:
        app.notify("Highlight an indexed document in the documents pane first.", markup=False)
        return
    state, name = model.state(doc), one_line(Path(doc).name, 60)
    if state.entry is None:
        key = shown_key("documents.index", app)
        app.notify(f"{name} has no index yet: press {key} to index it, then ask.", markup=False)
        return
    live = model.shown
    if state.busy and doc in model.live:
        app.notify(f"{name} is being indexed again; ask when it is done.", markup=False)
        return
    if live is None or not live.nodes:
        app.notify(f"The index of {name} is still loading; ask again in a moment.", markup=False)
        return

    def closed(node_id: str | None) -> None:
        tree = app.query_one("#tree", IndexTree)
        if node_id:
            tree.go_to(node_id)
            tree.focus()

    app.push_screen(AskScreen(model, doc, live, state.entry), closed)
