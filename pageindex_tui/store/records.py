"""What a run leaves behind, typed: the run record (`<stem>_run.json`) and its provenance.

Each record turns into the JSON written to disk, and back, in one place (`to_dict` / `from_dict`), so
the files keep the shape they always had and saved libraries written by older versions still load:
`from_dict` takes what it knows and leaves defaults for what is missing.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from .. import checked

# How a model call ended, as events.CallFinished reports it and a record's CallProblem keeps it.
CallOutcome = Literal["ok", "cached", "retry", "invalid", "error", "cancelled"]
# What a warning is about (events.WarningEvent, and the run record's log): a model answer replaced by a
# rule's ("fallback"), a prompt that did not fit the context ("overflow"), the structure ("structure"),
# settings that do not work together ("settings"), the document's own problems ("document"), anything
# else ("other").
WarningKind = Literal["fallback", "overflow", "structure", "settings", "document", "other"]
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
    layout_candidates: int | None = None
    layout_rejected: dict[str, int] | None = None  # why lines that looked like headings were not taken
    layout_unsure: int | None = None
    layout_model_lines: int | None = None  # of the unsure, those whose fate the model's answer could change
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
    ocr_engine: str | None = None  # what read the scanned pages: "tesseract" or "vision:<model>"
    ocr_pages: list[int] | None = None  # pages without a usable text layer, read by OCR (or its cache)
    ocr_cached: int | None = None  # of those, pages read back from the OCR cache
    ocr_failed: list[int] | None = None  # pages the engine could not read (left without text)
    ocr_seconds: float | None = None  # time spent rendering and recognising
    ocr_page_seconds: list[float] | None = None  # each of ocr_pages's, in its order (a cached page's too)

    def add(self, name: Counter, count: int = 1) -> None:
        setattr(self, name, (getattr(self, name) or 0) + count)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        if self.mapped_by is not None:
            out["page_offset"] = self.page_offset
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "facts") -> Provenance:
        return cls(**_known(cls, data, where))


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
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "llm") -> CallFigures:
        return cls(**_known(cls, data, where))


@dataclass
class ServerFacts:
    """The server that answered (the run record's "server")."""

    endpoint: str = ""
    kind: str = ""
    model: str = ""
    context_length: int = 0
    context_source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "server") -> ServerFacts | None:
        return None if data is None else cls(**_known(cls, data, where))


ENERGY_METHODS = ("energy counter", "power samples")


@dataclass(frozen=True)
class EnergyFigures:
    """The energy the visible GPUs used over the document's indexing (the run record's "energy"), measured
    through NVML (monitor/energy.py); a record without a GPU to measure has none (never 0)."""

    joules: float
    method: str  # "energy counter" (NVML's) or "power samples" (integrated)
    gpus: tuple[str, ...] = ()  # the GPUs measured, by name

    def to_dict(self) -> dict[str, Any]:
        return {"joules": self.joules, "method": self.method, "gpus": list(self.gpus)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "energy") -> EnergyFigures | None:
        if data is None:
            return None
        data = checked.obj(data, where)
        method = checked.choice(data.get("method"), checked.field(where, "method"), ENERGY_METHODS)
        names = checked.seq(data.get("gpus") or [], checked.field(where, "gpus"))
        return cls(
            checked.number(data.get("joules"), checked.field(where, "joules")),
            method,
            tuple(
                checked.text(n, checked.field(checked.field(where, "gpus"), i)) for i, n in enumerate(names)
            ),
        )


@dataclass(frozen=True)
class NodeOrigin:
    """Where one node came from: "outline", "contents", "layout", "model", "markdown" or "pages"; a
    subsection a large node was split into says so: "split/layout", "split/model"; a heading read on a
    page OCR recognised too: "ocr+layout", "split/ocr+layout", "ocr+model"."""

    node_id: str
    title: str
    source: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


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
    def from_dict(cls, data: Any, where: str = "provenance") -> NodeOrigins:
        data = {} if data is None else checked.obj(data, where)
        nodes = []
        where = checked.field(where, "nodes")
        for number, item in enumerate(checked.seq(data.get("nodes") or [], where)):
            at = checked.field(where, number)
            item = checked.obj(item, at)
            nodes.append(
                NodeOrigin(
                    checked.text(item.get("node_id"), checked.field(at, "node_id")),
                    checked.text(item.get("title"), checked.field(at, "title")),
                    checked.text(item.get("source"), checked.field(at, "source")),
                    checked.number(item.get("confidence"), checked.field(at, "confidence"), 1.0),
                )
            )
        return cls(nodes)


WARNING_KINDS: tuple[WarningKind, ...] = ("fallback", "overflow", "structure", "settings", "document")
WARNING_KINDS += ("other",)
PROBLEM_OUTCOMES: tuple[CallOutcome, ...] = ("retry", "invalid", "error")
MAX_PROBLEMS = 200  # failed or retried calls kept in a record, with their full error texts


@dataclass(frozen=True)
class RunWarning:
    """One warning of a run, and what it is about (see `WarningKind`)."""

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
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "call_problems[0]") -> CallProblem:
        data = checked.obj(data, where)
        outcome = checked.choice(data.get("outcome"), checked.field(where, "outcome"), PROBLEM_OUTCOMES)
        return cls(
            checked.text(data.get("purpose"), checked.field(where, "purpose")),
            outcome,
            checked.text(data.get("error"), checked.field(where, "error")),
            checked.number(data.get("seconds"), checked.field(where, "seconds")),
        )


Unit = Literal["pages", "lines"]
StopReason = Literal["server", "cancelled"]
# What a partial run left to do: "structure" (page groups stand in for sections only the model can find; the
# next run starts afresh), "summarize" (some summaries), "describe" (only the document's description).
PartialStage = Literal["structure", "summarize", "describe"]
PARTIAL_STAGES: tuple[PartialStage, ...] = ("structure", "summarize", "describe")


@dataclass
class PartialState:
    """How far a run got that stopped after its structure was known, or with page groups standing in for
    sections only the model could find (stage "structure"): the run record's "partial". The stage it
    stopped in, the summaries finished of those wanted, and why it stopped."""

    stage: PartialStage  # what is left to do
    done: int  # summaries finished
    total: int  # summaries wanted (0 when summaries are off)
    reason: StopReason  # "server": the model server failed; "cancelled": the user stopped it
    error: str = ""  # the server's failure, as the user saw it
    hint: str = ""

    @property
    def awaits_model(self) -> bool:
        """Page groups stand in for the sections: the next run indexes the document afresh, not resumes."""
        return self.stage == "structure"

    def describe(self) -> str:
        """ "partial: 8/12 summaries" (or "partial: no document description yet", "partial: sections
        wait for the model")."""
        if self.awaits_model:
            return "partial: sections wait for the model"
        if self.stage == "summarize" and self.total:
            return f"partial: {self.done}/{self.total} summaries"
        return "partial: no document description yet" if self.stage == "describe" else "partial"

    def why(self) -> str:
        return "cancelled" if self.reason == "cancelled" else f"stopped: {self.error or 'server failure'}"

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "partial") -> PartialState | None:
        if data is None:
            return None
        data = checked.obj(data, where)
        reason: StopReason = "cancelled" if data.get("reason") == "cancelled" else "server"
        return cls(
            stage=checked.choice(data.get("stage"), checked.field(where, "stage"), PARTIAL_STAGES),
            done=checked.whole(data.get("done"), checked.field(where, "done")),
            total=checked.whole(data.get("total"), checked.field(where, "total")),
            reason=reason,
            error=checked.text(data.get("error"), checked.field(where, "error")),
            hint=checked.text(data.get("hint"), checked.field(where, "hint")),
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
    energy: EnergyFigures | None = None  # the GPUs' energy over the run, when a GPU was visible

    def to_dict(self) -> dict[str, Any]:
        out = self._fields()
        if self.energy is not None:
            out["energy"] = self.energy.to_dict()
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
        """A record back from its JSON; missing or null fields get their defaults, a field of the wrong
        type or out of range raises DamagedFile naming it (see `checked`)."""
        data = checked.obj(data, "the record")
        unit: Unit = "lines" if "lines" in data and "pages" not in data else "pages"
        counts = {
            name: checked.whole(data.get(name), name)
            for name in ("titles_verified", "titles_total", "nodes", "depth", "structure_calls")
        }
        problems = checked.seq(data.get("call_problems") or [], "call_problems")
        return cls(
            doc_name=checked.text(data.get("doc_name"), "doc_name"),
            path=checked.text(data.get("path"), "path"),
            unit=unit,
            size=checked.whole(data.get(unit), unit),
            tool=checked.text(data.get("tool"), "tool"),
            finished_at=checked.text(data.get("finished_at"), "finished_at"),
            structure_source=checked.text(data.get("structure_source"), "structure_source"),
            **counts,
            origins=NodeOrigins.from_dict(data.get("provenance")),
            llm=CallFigures.from_dict(data.get("llm")),
            server=ServerFacts.from_dict(data.get("server")),
            settings=checked.obj(data.get("settings") or {}, "settings"),
            facts=Provenance.from_dict(data.get("facts")),
            warnings=_warnings(data.get("warnings"), data.get("warning_kinds")),
            problems=[CallProblem.from_dict(p, f"call_problems[{n}]") for n, p in enumerate(problems)],
            problems_dropped=checked.whole(data.get("call_problems_dropped"), "call_problems_dropped"),
            wall_seconds=checked.number(data.get("wall_seconds"), "wall_seconds"),
            partial=PartialState.from_dict(data.get("partial")),
            resumed=checked.text(data.get("resumed"), "resumed"),
            energy=EnergyFigures.from_dict(data.get("energy")),
        )


def _warnings(messages: Any, kinds: Any) -> list[RunWarning]:
    """The record's warnings; a record older than `warning_kinds` gets "other" for each, and a kind this
    version does not know reads as "other"."""
    messages = checked.seq(messages or [], "warnings")
    kinds = checked.seq(kinds or [], "warning_kinds")
    out = []
    for number, message in enumerate(messages):
        kind = kinds[number] if number < len(kinds) else "other"
        text = checked.text(message, f"warnings[{number}]")
        out.append(RunWarning(text, kind if kind in WARNING_KINDS else "other"))
    return out


def _plain(record: Any) -> dict[str, Any]:
    """A flat record's fields by name, in their order: the JSON of those whose file keeps them all."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _check(value: Any, kind: Any, where: str) -> Any:
    """`value` checked against a field's type: int, float, str, list[int | float], dict[str, int], or
    X | None."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if value is None else _check(value, options[0], where)
    if kind is int:
        return checked.whole(value, where)
    if kind is float:
        return checked.number(value, where)
    if kind is str:
        return checked.text(value, where)
    if typing.get_origin(kind) is list:
        item = typing.get_args(kind)[0]
        return [_check(v, item, checked.field(where, n)) for n, v in enumerate(checked.seq(value, where))]
    if typing.get_origin(kind) is dict:
        items = checked.obj(value, where).items()
        return {k: checked.whole(v, checked.field(where, k)) for k, v in items}
    raise TypeError(f"no check for {kind}")  # pragma: no cover - a field type this module does not use


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """The field types of `cls`, worked out once: they are two thirds of a record's reading otherwise."""
    return typing.get_type_hints(cls)


def _known(cls: type, data: Any, where: str) -> dict[str, Any]:
    """The fields of `cls` that `data` holds, each checked against its type; unknown keys are left out."""
    if data is None:
        return {}
    data = checked.obj(data, where)
    hints = _type_hints(cls)
    names = {f.name for f in fields(cls)}
    return {k: _check(v, hints[k], checked.field(where, k)) for k, v in data.items() if k in names}
