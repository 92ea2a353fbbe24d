"""Ask trees a question: pick nodes from the outline, read their pages, maybe read more, answer, verify.

Every model reply is validated. A pick naming unknown nodes, or that is not JSON, is asked again with the
problem shown, then falls back (the valid part of it, else the titles closest to the question). An answer
citing unread pages or unknown nodes is written again once, then kept with those citations unverified.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import events
from ..aio import gather_or_cancel
from ..errors import ContextOverflow
from ..llm.client import LLMClient
from ..llm.replies import ask_json
from ..llm.scheduler import ASKING
from ..llm.session import ModelSession
from ..llm.tokens import estimate_tokens
from ..serverload import watched_client
from ..settings import Settings
from ..store.cache import ResponseCache
from ..store.library import settings_differences
from . import prompts, route
from .bounds import Bounds, Found
from .documents import AskInputError
from .outline import (
    Handles,
    Reading,
    Ref,
    merge_ranked,
    outline_lines,
    page_outline,
    read_nodes,
    remaining_list,
)
from .route import LibraryScope
from .shapes import Assessed, Picked
from .types import AskDocument, AskResult
from .verify import ProseFilter, parse_answer, verify

OVERHEAD_TOKENS = 600  # system prompt, instruction and chat template around the material
MIN_PAGE_SHARE = 0.5  # a question that leaves the pages less than this share of their room is refused
MIN_MATERIAL = 256  # tokens: less room than this for the outline or pages is not worth a call
OTHER_SETTINGS = "no saved tree was made with the settings asked for; asking the newest, made with"
_STOP = frozenset(
    "the a an of in on at to for and or is are was were be by with what which who how does do did".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class AskOptions:
    max_rounds: int = 2  # reading rounds: after each but the last the model may ask for more nodes
    pick_attempts: int = 3
    answer_attempts: int = 2


@dataclass
class _Stats:
    """A question's answer as it streams (its calls are counted by the session, in its `CallTally`)."""

    answer_call: int | None = None
    prose: ProseFilter | None = None
    shown: bool = False
    found: Found = field(default_factory=Found)
    bounds: Bounds | None = None


def refuse_long_question(question: str, context: int, room: int, shared: int) -> None:
    """Raises AskInputError, naming the question's length, when it leaves the outline and pages less than
    MIN_PAGE_SHARE of what they and the question share (`shared`: the context less the reply and the
    prompt's own text; `room`: what is left of it once the question is in)."""
    if room >= MIN_PAGE_SHARE * shared:
        return
    raise AskInputError(
        f"the question is too long: {len(question)} characters (about {estimate_tokens(question)} tokens) "
        f"leave the pages {max(0, room)} tokens of the model's {context}-token context, less than "
        f"{MIN_PAGE_SHARE:.0%} of the {max(0, shared)} that the question and pages share",
        "ask a shorter question",
    )


class Asker:
    """Answers questions over AskDocuments with one model connection and event sink."""

    def __init__(
        self,
        settings: Settings,
        sink: events.EventSink = events.ignore,
        cache: ResponseCache | None = None,
        options: AskOptions | None = None,
        client_factory: Callable[..., LLMClient] = watched_client,
        session: ModelSession | None = None,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.options = options or AskOptions()
        self._owns_session = session is None
        self.session = session or ModelSession(settings, cache, client_factory, sink)
        self._runs: dict[str, _Stats] = {}

    async def __aenter__(self) -> Asker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the model session it opened; a session it was given is its owner's to close."""
        if self._owns_session:
            await self.session.aclose()

    async def llm(self) -> LLMClient:
        return await self.session.client()

    def _reply_tokens(self, client: LLMClient) -> int:
        """The token budget of each reply of an ask run: a third of the context at most."""
        return max(64, min(self.settings.max_output_tokens, client.context_length // 3))

    def _route(self, event: events.Event) -> None:
        """A question's events, after the session counted them: its answer's prose goes out as it comes."""
        stats = self._runs.get(event.doc)
        if stats is not None:
            if stats.bounds is not None:
                stats.bounds.see(event)
            self._follow(stats, event)
        self.sink(event)

    def _follow(self, stats: _Stats, event: events.Event) -> None:
        if isinstance(event, events.CallStarted) and event.purpose.startswith("ask: answer"):
            if stats.shown:  # a stream that broke off is asked again by the client: start over
                self.sink(events.AskAnswerRetry(event.doc, "the reply broke off; asking again"))
            stats.answer_call, stats.prose, stats.shown = event.call_id, ProseFilter(), False
        elif isinstance(event, events.AnswerDelta) and event.call_id == stats.answer_call:
            assert stats.prose is not None
            self._prose(stats, event.doc, stats.prose.feed(event.text))
        elif (
            isinstance(event, events.CallFinished)
            and event.call_id == stats.answer_call
            and stats.prose is not None
        ):
            self._prose(stats, event.doc, stats.prose.close())

    def _prose(self, stats: _Stats, doc: str, text: str) -> None:
        if text:
            stats.shown = True
            self.sink(events.AskAnswerDelta(doc, text))

    # -- the run ---------------------------------------------------------------------------------
    async def ask(
        self, docs: list[AskDocument], question: str, run: str = "ask", scope: LibraryScope | None = None
    ) -> AskResult:
        """Answer `question` from `docs`, or from the documents of the library `scope` routes it to (`docs`
        unused; see route.py). Raises ServerUnavailable/ServerRefused when the server fails; bad replies
        never raise. A question that reaches its deadline or token budget (bounds.py) ends with what it
        found so far, `stopped` saying which. Events carry `run` as their doc."""
        started = time.monotonic()
        stats = self._runs[run] = _Stats()
        tally = self.session.open(run, self._route, lane=ASKING)  # its calls go ahead of indexing's
        try:
            stats.bounds = Bounds(self.settings.ask_deadline, self.settings.ask_tokens, tally)
            got = await stats.bounds.run(self._whole(docs, question, run, scope))
            if got is None:
                self._warn(run, stats.bounds.message(stats.found))
            result = got if got is not None else stats.found.result(question, stats.bounds.stop)
        finally:
            self._runs.pop(run, None)
            self.session.close(run)
        result.calls, result.cached_calls = tally.calls, tally.cached
        result.prompt_tokens, result.completion_tokens = tally.prompt, tally.completion
        result.reasoning_tokens = tally.reasoning
        result.warnings = [w.message for w in tally.warnings]
        result.seconds = round(time.monotonic() - started, 3)
        self.sink(events.AskFinished(run, result))
        return result

    async def _whole(
        self, docs: list[AskDocument], question: str, run: str, scope: LibraryScope | None
    ) -> AskResult:
        if scope is not None:
            docs = await self._documents(scope, question, run)
        self._runs[run].found.docs = docs
        self.sink(events.AskStarted(run, question, tuple(d.name for d in docs)))
        for doc in docs:
            if doc.note:
                self._warn(run, f"{doc.name}: {doc.note}")
            if doc.made_with is not None and (other := settings_differences(doc.made_with, self.settings)):
                self._warn(run, f"{doc.name}: {OTHER_SETTINGS}: " + "; ".join(other))
        return await self._ask(docs, question, run)

    async def _documents(self, scope: LibraryScope, question: str, run: str) -> list[AskDocument]:
        """The library's documents to read for `question`: found by search, chosen by the model."""
        hits = await route.candidates(scope, question)
        client = await self.llm()
        reply = self._reply_tokens(client)

        def warn(message: str) -> None:
            self._warn(run, message)

        chosen = await route.choose(client, hits, question, run, reply, self.options.pick_attempts, warn)
        self.sink(events.AskProgress(run, "route", 1, ", ".join(h.doc_name for h in chosen)))
        return await asyncio.to_thread(route.load_all, scope, chosen, warn)

    def _warn(self, run: str, message: str) -> None:
        self.session.dispatch(events.WarningEvent(run, message))

    async def _ask(self, docs: list[AskDocument], question: str, run: str) -> AskResult:
        client = await self.llm()
        context, reply = client.context_length, self._reply_tokens(client)
        room = context - reply - OVERHEAD_TOKENS - estimate_tokens(question)
        refuse_long_question(question, context, room, context - reply - OVERHEAD_TOKENS)
        handles, found = Handles(docs), self._runs[run].found
        refs = await self._pick(client, handles, question, run, room, reply)
        reading, read_refs = Reading(), list(refs)
        found.picked, found.reading = list(refs), reading
        for round_ in range(1, self.options.max_rounds + 1):
            found.rounds = round_
            last = round_ == self.options.max_rounds
            share = room - reading.tokens if last else int((room - reading.tokens) * 0.6)
            read_nodes(handles, refs, reading, max(0, share), round_)
            assert reading.reads is not None
            shown = [r for r in reading.reads if r.round == round_]
            if shown:
                self.sink(events.AskRead(run, round_, tuple(shown)))
            detail = (
                ", ".join(f"{r.node_id} ({len(r.pages)} {docs[0].unit}s)" for r in shown) or "nothing new"
            )
            self.sink(events.AskProgress(run, "read", round_, detail))
            left = room - reading.tokens
            if last or left < MIN_MATERIAL or len(reading.reads) >= len(handles.refs):
                break
            refs = await self._assess(client, handles, reading, question, run, round_, reply, left)
            if not refs:
                break
            read_refs += refs
            found.picked += refs
        assert reading.reads is not None
        if not reading.reads:
            self._warn(run, "no node was read: the answer rests on nothing from the documents")
        await self._answer(client, handles, reading, read_refs, question, run, reply, room)
        return found.result(question)

    # -- pick --------------------------------------------------------------------------------------
    async def _pick(
        self, client: LLMClient, handles: Handles, question: str, run: str, room: int, reply: int
    ) -> list[Ref]:
        lines = outline_lines(handles)
        budget = room
        while True:
            parts = page_outline(lines, max(MIN_MATERIAL, budget))
            try:  # the parts go out at once: the client's one bound decides how many run together
                ranked: list[list[Ref]] = await gather_or_cancel(
                    *(
                        self._pick_part(client, handles, question, run, part, number, len(parts), reply)
                        for number, part in enumerate(parts, start=1)
                    )
                )
                break
            except ContextOverflow:  # the other parts are cancelled: all go again, smaller
                if budget <= MIN_MATERIAL:
                    raise
                budget //= 2  # our count was low: smaller parts of the outline
        picked = merge_ranked(ranked, prompts.MAX_PICKS)
        if not picked:
            picked = closest(handles, question)
            self._warn(run, "the model chose no section; reading the titles closest to the question")
        self.sink(events.AskProgress(run, "pick", 1, ", ".join(r.handle for r in picked)))
        return picked

    async def _pick_part(
        self,
        client: LLMClient,
        handles: Handles,
        question: str,
        run: str,
        part: str,
        n: int,
        of: int,
        reply: int,
    ) -> list[Ref]:
        partial: list[Ref] = []
        purpose = "ask: pick nodes" + (f" (outline {n}/{of})" if of > 1 else "")
        self.sink(events.AskProgress(run, "pick", 1, f"outline part {n} of {of}"))
        messages = prompts.pick_nodes(part, question, n, of, handles.example())
        got = await ask_json(
            client,
            messages,
            doc=run,
            purpose=purpose,
            shape=Picked,
            context={"handles": handles, "partial": partial},
            attempts=self.options.pick_attempts,
            max_tokens=reply,
            use="answer",
        )
        if got is not None:
            return list(got.nodes)
        if partial:
            self._warn(run, f"{purpose}: kept the valid ids of the last reply")
            return partial
        fallback = closest(handles, question, within=part)
        self._warn(run, f"{purpose}: reading the titles closest to the question instead")
        return fallback

    # -- more rounds -------------------------------------------------------------------------------
    async def _assess(
        self,
        client: LLMClient,
        handles: Handles,
        reading: Reading,
        question: str,
        run: str,
        round_: int,
        reply: int,
        left: int,
    ) -> list[Ref]:
        remaining = remaining_list(handles, reading, max(64, min(1500, left // 2)))
        messages = prompts.assess_reading(reading.text, remaining, question, handles.example())
        partial: list[Ref] = []
        try:
            assessed = await ask_json(
                client,
                messages,
                doc=run,
                purpose=f"ask: assess round {round_}",
                shape=Assessed,
                context={"handles": handles, "partial": partial},
                attempts=self.options.pick_attempts,
                max_tokens=reply,
                use="answer",
            )
        except ContextOverflow:
            self._warn(run, "no room left in the context to ask whether more should be read")
            return []
        more = None if assessed is None else ([] if assessed.enough else list(assessed.more))
        assert reading.reads is not None
        done = {(r.doc, r.node_id) for r in reading.reads}
        fresh = [
            r for r in (more if more is not None else partial) if (r.doc.name, r.node.node_id) not in done
        ]
        self.sink(events.AskProgress(run, "assess", round_, ", ".join(r.handle for r in fresh) or "enough"))
        return fresh[: prompts.MAX_PICKS]

    # -- answer ------------------------------------------------------------------------------------
    async def _answer(
        self,
        client: LLMClient,
        handles: Handles,
        reading: Reading,
        read_refs: list[Ref],
        question: str,
        run: str,
        reply: int,
        room: int,
    ) -> None:
        """The answer's prose, its checked citations, and whether the reply was cut at its token limit, kept
        in the question's `Found` as each attempt ends."""
        unit = handles.docs[0].unit if len({d.unit for d in handles.docs}) == 1 else "page"
        messages = prompts.answer(reading.text or "(nothing was read)", question, handles.example(), unit)
        for attempt in range(1, self.options.answer_attempts + 1):
            self.sink(events.AskProgress(run, "answer", attempt))
            try:
                got = await client.chat(
                    messages, doc=run, purpose="ask: answer", max_tokens=reply, use="answer"
                )
            except ContextOverflow:
                if room <= MIN_MATERIAL or attempt == self.options.answer_attempts:
                    raise
                room //= 2  # our count was low: read the same nodes again within half the room
                reading.text, reading.tokens, reading.reads, reading.seen = "", 0, [], {}
                read_nodes(handles, read_refs, reading, room, 1)
                messages = prompts.answer(reading.text, question, handles.example(), unit)
                self._warn(run, "the pages did not fit the context; read again within half the room")
                continue
            prose, raws = parse_answer(got.text)
            cut = got.finish_reason == "length"
            citations, problems = verify(raws, handles, reading)
            self._runs[run].found.answered = (prose, citations, cut)
            if not prose.strip():
                problems = ["the answer is empty", *problems]
            self.sink(
                events.AskProgress(
                    run, "verify", attempt, f"{sum(c.verified for c in citations)}/{len(citations)}"
                )
            )
            if not problems or attempt == self.options.answer_attempts:
                if problems:
                    self._warn(run, "answer kept with unverified citations: " + "; ".join(problems))
                if cut:
                    self._warn(run, f"the answer was cut at its limit of {reply} tokens: it may end mid-way")
                break
            self._runs[run].shown = False  # this retry is announced here, not as a broken stream
            self.sink(events.AskAnswerRetry(run, "; ".join(problems)))
            messages = [
                *messages,
                {"role": "assistant", "content": got.text},
                {"role": "user", "content": prompts.answer_feedback(problems)},
            ]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOP}


def closest(handles: Handles, question: str, within: str | None = None, count: int = 2) -> list[Ref]:
    """The nodes whose title and summary share most words with the question (the fallback pick)."""
    wanted = _words(question)
    scored = []
    for order, (handle, ref) in enumerate(handles.refs.items()):
        if within is not None and f"[{handle}]" not in within:
            continue
        score = len(wanted & _words(f"{ref.node.title} {ref.node.summary or ''}"))
        if score:
            scored.append((-score, -ref.doc.depth(ref.node), order, ref))
    return [ref for *_key, ref in sorted(scored, key=lambda s: s[:3])[:count]]
