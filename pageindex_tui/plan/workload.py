"""The user's own workload, from the run records the library keeps: tokens per document and per page
(prompt, completion, and the reasoning part of the completion), calls, and the seconds each document took.

A run that used no model (every reply cached, or a saved index reused) says nothing about cost and is left
out, as is a partial one. Reasoning tokens are counted inside the completion tokens (the server's
`completion_tokens` includes them), so they are shown as a share, never added again. The energy the records
measured (NVML, where a GPU was visible) becomes a mean draw: their joules over their seconds, so documents
that ran at once, each measuring the whole GPU, are not counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import checked
from ..errors import DamagedFile
from ..store.library import Library
from ..store.records import RunRecord


@dataclass(frozen=True)
class Workload:
    """Means per document over `documents` run records."""

    documents: int
    calls: float
    prompt_tokens: float
    completion_tokens: float
    reasoning_tokens: float
    pages: float  # a PDF among them (Markdown has lines, not pages); 0 when there is none
    wall_seconds: float
    source: str  # where the figures come from, shown next to them
    servers: tuple[str, ...] = ()  # "model (kind)" of the servers that answered
    prompt_per_page: float | None = None  # over the PDFs among them
    completion_per_page: float | None = None
    measured_watts: float | None = None  # the GPUs' mean draw while indexing, from the records' energy
    energy_documents: int = 0  # the records that measured it
    energy_joules: float | None = None  # their mean energy a document
    energy_gpus: tuple[str, ...] = ()  # the GPUs it was measured on, by name (one per GPU)

    @property
    def request_tokens(self) -> int:
        """The typical request: prompt plus reply of the mean call."""
        return round((self.prompt_tokens + self.completion_tokens) / max(1.0, self.calls))

    @property
    def tokens(self) -> float:
        return self.prompt_tokens + self.completion_tokens

    @property
    def recorded_output_rate(self) -> float | None:
        """Completion tokens a second over the recorded runs, one document at a time (prefill included)."""
        return self.completion_tokens / self.wall_seconds if self.wall_seconds else None


def from_records(records: Sequence[RunRecord], source: str) -> Workload | None:
    """The mean document of `records` that called a model; None when there is none."""
    used = [r for r in records if r.partial is None and r.llm.calls > 0]
    if not used:
        return None
    count = len(used)
    pdfs = [r for r in used if r.unit == "pages" and r.size > 0]
    pages = sum(r.size for r in pdfs)
    prompt_per_page = sum(r.llm.prompt_tokens for r in pdfs) / pages if pages else None
    completion_per_page = sum(r.llm.completion_tokens for r in pdfs) / pages if pages else None
    measured = [r for r in used if r.energy is not None and r.wall_seconds > 0]
    seconds = sum(r.wall_seconds for r in measured)
    joules = sum(r.energy.joules for r in measured if r.energy is not None)
    servers = sorted(
        {f"{r.server.model} ({r.server.kind or '?'})" for r in used if r.server and r.server.model}
    )
    return Workload(
        documents=count,
        calls=sum(r.llm.calls for r in used) / count,
        prompt_tokens=sum(r.llm.prompt_tokens for r in used) / count,
        completion_tokens=sum(r.llm.completion_tokens for r in used) / count,
        reasoning_tokens=sum(r.llm.reasoning_tokens for r in used) / count,
        pages=pages / len(pdfs) if pdfs else 0.0,
        wall_seconds=sum(r.wall_seconds for r in used) / count,
        source=source,
        servers=tuple(servers),
        prompt_per_page=prompt_per_page,
        completion_per_page=completion_per_page,
        measured_watts=joules / seconds if seconds else None,
        energy_documents=len(measured),
        energy_joules=joules / len(measured) if measured else None,
        energy_gpus=measured[-1].energy.gpus if measured and measured[-1].energy else (),
    )


def read_records(paths: Iterable[Path]) -> list[RunRecord]:
    """The run records at `paths`; a file that is gone or damaged is skipped."""
    out = []
    for path in paths:
        try:
            out.append(checked.read_json(Path(path), RunRecord.from_dict))
        except (OSError, DamagedFile):
            continue
    return out


def from_library(library: Library) -> Workload | None:
    """The mean document over every finished index in the library."""
    records = read_records(entry.run_path for entry in library.entries())
    return from_records(records, f"run records in {library.root}")
