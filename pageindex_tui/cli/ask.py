"""`pageindex-tui ask`: the ask engine headless. Reasoning streams dimmed, the answer plain, then the checked
citations; `--json` prints the result alone for scripts. Everything from a PDF, a model or a server is
shown through safe_text (control characters visible, no markup read, no credentials)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from .. import events
from ..ask import (
    Asker,
    AskInputError,
    AskOptions,
    AskResult,
    LibraryScope,
    load_entry,
    load_structure_file,
)
from ..ask.types import AskDocument
from ..document import open_document
from ..errors import DocumentError
from ..formats import STRUCTURE_SUFFIX, kind_of
from ..jobs.filing import ensure_indexed
from ..jobs.pagetext import library_search
from ..safe_text import literal, shown
from ..settings import Settings
from ..store.cache import ResponseCache
from ..store.library import Library

if TYPE_CHECKING:
    from ..llm.session import ModelSession
from .common import EXIT_BOUND, EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, maybe_local_server


def usage_problem(paths: list[Path]) -> str:
    """Why the paths cannot be asked, before anything starts ("" when they can)."""
    for path in paths:
        if not path.exists():
            return f"{path}: no such file"
        if path.is_dir():
            return f"{path} is a folder; pass its documents or _structure.json files"
        if not path.name.endswith(STRUCTURE_SUFFIX) and kind_of(path) is None:
            return f"{path} is neither a PDF, a Markdown file nor a {STRUCTURE_SUFFIX}"
    return ""


class AskView:
    """Turns ask events into terminal output: reasoning dimmed, the answer's prose plain."""

    def __init__(self, console: Console, stream: bool = True) -> None:
        self.console = console
        self.stream = stream
        self.mode = ""  # "reasoning" or "answer": what the last printed text was
        self.purposes: dict[int, str] = {}

    def _print(self, text: str, style: str = "") -> None:
        self.console.print(Text(literal(text), style=style), end="", soft_wrap=True, highlight=False)

    def _switch(self, mode: str, heading: str = "") -> None:
        if self.mode and self.mode != mode:
            self._print("\n")
        if heading:
            self._print(heading + "\n", "dim bold")
        self.mode = mode

    def handle(self, event: events.Event) -> None:
        if not self.stream:
            return
        if isinstance(event, events.CallQueued) and event.all_busy:
            self._switch("note")
            self._print(f"{shown(event.purpose)}: {event.where()}\n", "dim")
        elif isinstance(event, events.CallStarted):
            self.purposes[event.call_id] = event.purpose
        elif isinstance(event, events.ReasoningDelta):
            purpose = self.purposes.pop(event.call_id, None)
            self._switch("reasoning", f"[{purpose}]" if purpose else "")
            self._print(event.text, "dim")
        elif isinstance(event, events.AskAnswerDelta):
            if self.mode != "answer":
                self._switch("answer")
            self._print(event.text)
        elif isinstance(event, events.AskAnswerRetry):
            self._switch("note", f"(answer written again: {shown(event.reason)[:300]})")
        elif (
            isinstance(event, events.AskProgress)
            and event.step in ("route", "pick", "read", "assess")
            and event.detail
            and not event.detail.startswith("outline part")
        ):
            self._switch("note")
            self._print(f"{event.step}: {shown(event.detail)}\n", "dim")


def print_citations(console: Console, result: AskResult) -> None:
    console.print()
    if not result.citations:
        console.print(Text("No citations.", style="yellow"))
    for citation in result.citations:
        line = Text(f" [{shown(citation.marker) or '-'}] ")
        line.append(
            "verified  " if citation.verified else "UNVERIFIED ", "green" if citation.verified else "bold red"
        )
        pages = ",".join(str(p) for p in citation.pages) or "-"
        if citation.node_id:
            line.append(f"{shown(citation.doc) or '?'} node {shown(citation.node_id)} p. {pages}")
        if citation.quote:
            line.append(f' "{shown(citation.quote)[:200]}"', "dim")
        if citation.problem:
            said = f" ({shown(citation.problem)})" if citation.node_id else shown(citation.problem)
            line.append(said, "red")
        console.print(line, soft_wrap=True)
    read = ", ".join(f"{shown(r.node_id)} ({len(r.pages)})" for r in result.nodes_read) or "none"
    if not result.nodes_read and result.picked:  # a bound stopped it before reading: what it chose
        read += "; picked " + ", ".join(f"{shown(p.node_id)} {shown(p.title)[:60]}" for p in result.picked)
    console.print(
        Text(
            f"read {len(result.nodes_read)} nodes [{read}] in {result.rounds} round(s); "
            f"{result.verified}/{len(result.citations)} citations verified; {result.calls} calls "
            f"({result.cached_calls} cached), {result.prompt_tokens}+{result.completion_tokens} tokens, "
            f"{result.seconds} s",
            style="dim",
        ),
        soft_wrap=True,
    )


async def gather_documents(
    paths: list[Path],
    settings: Settings,
    library: Library,
    sink: events.EventSink,
    password: str | None,
    session: ModelSession | None = None,
) -> tuple[list[AskDocument], list[str]]:
    """Each path as an AskDocument: a _structure.json as it is, a document from the library (indexed and filed
    there first when it has no index, on `session` when given). Returns the documents and one line per
    document reused or indexed."""
    docs, lines = [], []
    cache = session.cache if session is not None else ResponseCache(enabled=settings.cache)
    for path in paths:
        if path.name.endswith(STRUCTURE_SUFFIX):
            docs.append(await asyncio.to_thread(load_structure_file, path, password))
            continue
        if session is not None:  # the question needs the model: without it, nothing is indexed first
            await session.client()
        try:  # opened once: for indexing it when it has no index, and for reading it
            opened = await asyncio.to_thread(open_document, path, password)
        except DocumentError:
            opened = None  # indexing says what is wrong with it
        filed = await ensure_indexed(
            path, settings, library, sink=sink, cache=cache, password=password, session=session,
            document=opened,
        )  # fmt: skip
        docs.append(await asyncio.to_thread(load_entry, filed.entry, password, opened))
        lines.append(f"{'reused' if filed.reused else 'indexed'} {path}: {filed.entry.structure_path}")
    return docs, lines


def library_scope(args: argparse.Namespace, settings: Settings) -> LibraryScope:
    """The library (its documents from `--under`'s folder only, when given), searched with page text, each
    document asked through its tree made with `settings` where one is saved."""
    library = Library()
    search = library_search(library)
    return LibraryScope.of(library, args.password, under=args.under, search=search, settings=settings)


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    """`ask` after the flags are read."""
    from .progress import CliProgress

    problem = usage_problem(args.paths)
    if problem:
        error(problem)
        return EXIT_USAGE
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    with maybe_local_server(args, settings) as (settings, _server):
        progress = CliProgress(quiet=args.quiet or args.json, verbose=args.verbose)
        view = AskView(out, stream=not args.json)

        async def main() -> AskResult:
            from ..llm.session import ModelSession
            from ..serverload import watched_client

            # one session: a document indexed first and the question share its connection
            cache = ResponseCache(enabled=settings.cache)
            async with ModelSession(settings, cache, watched_client, progress.handle) as session:
                progress.counter = session.tally
                docs: list[AskDocument] = []
                lines: list[str] = []
                scope = library_scope(args, settings) if args.library else None
                with progress:
                    if scope is None:  # else the library's documents are found by the question
                        docs, lines = await gather_documents(
                            args.paths, settings, Library(), progress.handle, args.password, session
                        )
                for line in lines:
                    err.print(Text(shown(line), style="dim"), soft_wrap=True)
                session.sink = view.handle  # the bound's changes, while asking
                options = AskOptions(max_rounds=max(1, args.rounds))
                sink = progress.tee(view.handle)  # --verbose: the question's calls too
                async with Asker(settings, sink=sink, options=options, session=session) as asker:
                    return await asker.ask(docs, args.question, scope=scope)

        try:
            result = asyncio.run(main())
        except (AskInputError, DocumentError) as problem_:
            error(problem_.message, problem_.hint)
            return EXIT_USAGE if isinstance(problem_, AskInputError) else EXIT_FAILED
    code = EXIT_BOUND if result.stopped else EXIT_OK
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return code
    print_citations(out, result)
    for warning in result.warnings:
        err.print(Text(f"warning: {shown(warning)}", style="yellow"), soft_wrap=True)
    return code
