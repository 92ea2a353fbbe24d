"""What a run leaves behind, typed: the run record (`<stem>_run.json`), its provenance, a document's result.

Each record turns into the JSON written to disk, and back, in one place (`to_dict` / `from_dict`), so
the files keep the shape they always had and saved libraries written by older versions still load:
`from_dict` takes what it knows and leaves defaults for what is missing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from .events import CallOutcome, DocumentFailed, FailureKind, WarningKind

Counter = Literal[
    "model_titles_dropped",
    "split_by_layout",
    "split_skipped",
    "split_refused",
    "summaries_short_text",
    "summaries_fallback",
]


@dataclass
class Provenance:
    """How the structure was found (the run record's "facts"): each stage fills in what it did.

    A fact a run never reached stays None and is left out of the file."""

    toc_pages: list[int] | None = None  # pages holding the printed contents
    toc_parsed_by: str | None = None  # "rules" or "model"
    mapped_by: str | None = None  # "page labels", "offset" or "search": printed pages to physical
    page_offset: int | None = None  # physical minus printed page; written with mapped_by, even when None
    toc_entries: int | None = None
    toc_entries_beyond_end: int | None = None
    titles_asked_model: int | None = None
    layout_candidates: int | None = None
    layout_rejected: dict[str, int] | None = None  # why lines that looked like headings were not taken
    layout_unsure: int | None = None
    layout_model_batches: int | None = None
    layout_model_accepted: int | None = None
    layout_grafted: int | None = None
    layout_listed: int | None = None  # layout headings a printed contents page confirmed
    model_groups: int | None = None
    model_titles_dropped: int | None = None
    split_by_layout: int | None = None
    split_skipped: int | None = None
    split_refused: int | None = None  # large sections left whole: the headings in them are tables'
    summaries_short_text: int | None = None
    summaries_fallback: int | None = None
    titles_verified: int | None = None

    def add(self, name: Counter, count: int = 1) -> None:
        setattr(self, name, (getattr(self, name) or 0) + count)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        if self.mapped_by is not None:
            out["page_offset"] = self.page_offset
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Provenance:
        return cls(**_known(cls, data))


@dataclass
class CallFigures:
    """One document's model calls (the run record's "llm")."""

    calls: int = 0
    cached_calls: int = 0
    failed_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    ttft_seconds_mean: float | None = None
    ttft_seconds_median: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> CallFigures:
        return cls(**_known(cls, data))


@dataclass
class ServerFacts:
    """The server that answered (the run record's "server")."""

    endpoint: str = ""
    kind: str = ""
    model: str = ""
    context_length: int = 0
    context_source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> ServerFacts | None:
        return cls(**_known(cls, data)) if isinstance(data, dict) else None


@dataclass(frozen=True)
class NodeOrigin:
    """Where one node came from: "outline", "contents", "layout", "model", "markdown" or "pages"; a
    subsection a large node was split into says so: "split/layout", "split/model"."""

    node_id: str
    title: str
    source: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "title": self.title,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass
class NodeOrigins:
    """Every node's origin and how many nodes each source gave (the run record's "provenance")."""

    nodes: list[NodeOrigin] = field(default_factory=list)

    @property
    def by_source(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.source] = counts.get(node.source, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {"by_source": self.by_source, "nodes": [n.to_dict() for n in self.nodes]}

    @classmethod
    def from_dict(cls, data: Any) -> NodeOrigins:
        items = data.get("nodes") if isinstance(data, dict) else None
        nodes = [
            NodeOrigin(
                str(i.get("node_id", "")),
                str(i.get("title", "")),
                str(i.get("source", "")),
                float(i.get("confidence", 1.0) or 0.0),
            )
            for i in items or []
            if isinstance(i, dict)
        ]
        return cls(nodes)


WARNING_KINDS: tuple[WarningKind, ...] = ("fallback", "overflow", "structure", "settings", "document")
WARNING_KINDS += ("other",)
PROBLEM_OUTCOMES = ("retry", "invalid", "error")
MAX_PROBLEMS = 200  # failed or retried calls kept in a record, with their full error texts


@dataclass(frozen=True)
class RunWarning:
    """One warning of a run, and what it is about (see `events.WarningKind`)."""

    message: str
    kind: WarningKind = "other"


@dataclass(frozen=True)
class CallProblem:
    """A model call that did not simply answer: retried, refused, invalid or failed, with the whole error."""

    purpose: str
    outcome: CallOutcome
    error: str
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> CallProblem | None:
        if not isinstance(data, dict) or data.get("outcome") not in PROBLEM_OUTCOMES:
            return None
        seconds = data.get("seconds")
        seconds = float(seconds) if isinstance(seconds, (int, float)) else 0.0
        return cls(str(data.get("purpose", "")), data["outcome"], str(data.get("error", "")), seconds)


Unit = Literal["pages", "lines"]
StopReason = Literal["server", "cancelled"]


@dataclass
class PartialState:
    """How far a run got that stopped after its structure was known (the run record's "partial"): the
    stage it stopped in, the summaries finished of those wanted, and why it stopped."""

    stage: str  # "summarize" or "describe": what is left to do
    done: int  # summaries finished
    total: int  # summaries wanted (0 when summaries are off)
    reason: StopReason  # "server": the model server failed; "cancelled": the user stopped it
    error: str = ""  # the server's failure, as the user saw it
    hint: str = ""

    def describe(self) -> str:
        """ "partial: 8/12 summaries" (or "partial: no document description yet")."""
        if self.stage == "summarize" and self.total:
            return f"partial: {self.done}/{self.total} summaries"
        return "partial: no document description yet" if self.stage == "describe" else "partial"

    def why(self) -> str:
        return "cancelled" if self.reason == "cancelled" else f"stopped: {self.error or 'server failure'}"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any) -> PartialState | None:
        if not isinstance(data, dict):
            return None
        reason: StopReason = "cancelled" if data.get("reason") == "cancelled" else "server"
        return cls(
            stage=str(data.get("stage", "")),
            done=_int(data.get("done")),
            total=_int(data.get("total")),
            reason=reason,
            error=str(data.get("error", "")),
            hint=str(data.get("hint", "")),
        )


@dataclass
class RunRecord:
    """The sidecar `<stem>_run.json`: what was indexed, how, with which server, and what it cost."""

    doc_name: str
    path: str
    unit: Unit = "pages"  # written as the key of `size`: "pages" for a PDF, "lines" for Markdown
    size: int = 0
    tool: str = ""
    finished_at: str = ""
    structure_source: str = ""
    titles_verified: int = 0
    titles_total: int = 0
    nodes: int = 0
    depth: int = 0
    structure_calls: int = 0
    origins: NodeOrigins = field(default_factory=NodeOrigins)
    llm: CallFigures = field(default_factory=CallFigures)
    server: ServerFacts | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # Settings.public_dict()
    facts: Provenance = field(default_factory=Provenance)
    warnings: list[RunWarning] = field(default_factory=list)
    problems: list[CallProblem] = field(default_factory=list)  # at most MAX_PROBLEMS, the first ones
    problems_dropped: int = 0  # problems beyond MAX_PROBLEMS, counted only
    wall_seconds: float = 0.0
    partial: PartialState | None = None  # set while the index is unfinished (written only then)
    resumed: str = ""  # the partial state this run went on from ("" for a run from the start)

    def to_dict(self) -> dict[str, Any]:
        out = self._fields()
        if self.partial is not None:
            out["partial"] = self.partial.to_dict()
        if self.resumed:
            out["resumed"] = self.resumed
        return out

    def _fields(self) -> dict[str, Any]:
        return {
            "doc_name": self.doc_name,
            "path": self.path,
            "tool": self.tool,
            "finished_at": self.finished_at,
            "structure_source": self.structure_source,
            "titles_verified": self.titles_verified,
            "titles_total": self.titles_total,
            self.unit: self.size,
            "nodes": self.nodes,
            "depth": self.depth,
            "structure_calls": self.structure_calls,
            "provenance": self.origins.to_dict(),
            "llm": self.llm.to_dict(),
            "server": None if self.server is None else self.server.to_dict(),
            "settings": self.settings,
            "facts": self.facts.to_dict(),
            "warnings": [w.message for w in self.warnings],
            "warning_kinds": [w.kind for w in self.warnings],
            "call_problems": [p.to_dict() for p in self.problems],
            "call_problems_dropped": self.problems_dropped,
            "wall_seconds": self.wall_seconds,
        }

    @classmethod
    def from_dict(cls, data: Any) -> RunRecord:
        """A record back from its JSON; missing or damaged fields get their defaults."""
        data = data if isinstance(data, dict) else {}
        unit: Unit = "lines" if "lines" in data and "pages" not in data else "pages"
        return cls(
            doc_name=str(data.get("doc_name", "")),
            path=str(data.get("path", "")),
            unit=unit,
            size=_int(data.get(unit)),
            tool=str(data.get("tool", "")),
            finished_at=str(data.get("finished_at", "")),
            structure_source=str(data.get("structure_source", "")),
            titles_verified=_int(data.get("titles_verified")),
            titles_total=_int(data.get("titles_total")),
            nodes=_int(data.get("nodes")),
            depth=_int(data.get("depth")),
            structure_calls=_int(data.get("structure_calls")),
            origins=NodeOrigins.from_dict(data.get("provenance")),
            llm=CallFigures.from_dict(data.get("llm")),
            server=ServerFacts.from_dict(data.get("server")),
            settings=dict(data.get("settings") or {}) if isinstance(data.get("settings"), dict) else {},
            facts=Provenance.from_dict(data.get("facts")),
            warnings=_warnings(data.get("warnings"), data.get("warning_kinds")),
            problems=[p for p in map(CallProblem.from_dict, _list(data.get("call_problems"))) if p],
            problems_dropped=_int(data.get("call_problems_dropped")),
            wall_seconds=float(data.get("wall_seconds") or 0.0),
            partial=PartialState.from_dict(data.get("partial")),
            resumed=str(data.get("resumed") or ""),
        )


@dataclass
class DocumentResult:
    """One document's outcome. A failure is the `DocumentFailed` event the engine reported, kept as is; a
    partial index (the run stopped after its structure was known) has files and a run record whose
    `partial` says how far it got, and is not `ok` either."""

    path: Path
    structure_path: Path | None = None
    run_path: Path | None = None
    result: dict[str, Any] = field(default_factory=dict)  # the PageIndex JSON
    run: RunRecord | None = None
    failure: DocumentFailed | None = None
    reused: bool = False  # a saved index of the same content and tree-shaping settings was taken

    @property
    def partial(self) -> PartialState | None:
        return self.run.partial if self.run is not None else None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.partial is None

    @property
    def error(self) -> str:
        if self.failure is not None:
            return self.failure.error
        partial = self.partial
        return f"{partial.describe()}, {partial.why()}" if partial is not None else ""

    @property
    def hint(self) -> str:
        if self.failure is not None:
            return self.failure.hint
        return self.partial.hint if self.partial is not None else ""

    @property
    def kind(self) -> FailureKind | None:
        if self.failure is not None:
            return self.failure.kind
        return "server" if self.partial is not None and self.partial.reason == "server" else None


class CancelledKeeping(asyncio.CancelledError):
    """A run was cancelled after its structure was known: `result` is the partial index it wrote. It is a
    cancellation like any other to asyncio; the job service files `result` into the library on the way."""

    def __init__(self, result: DocumentResult) -> None:
        super().__init__()
        self.result = result


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _warnings(messages: Any, kinds: Any) -> list[RunWarning]:
    """The record's warnings; a record older than `warning_kinds` gets "other" for each."""
    kinds = _list(kinds)
    out = []
    for number, message in enumerate(_list(messages)):
        kind = kinds[number] if number < len(kinds) else "other"
        out.append(RunWarning(str(message), kind if kind in WARNING_KINDS else "other"))
    return out


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _known(cls: type, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {}
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}
