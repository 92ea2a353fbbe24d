"""A small PDF with known facts on known pages, its PageIndex tree, and a scripted model that answers the ask
engine's three prompts (pick, assess, answer) as a test tells it to."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fakes import Script
from fpdf import FPDF

if TYPE_CHECKING:
    from pageindex_tui.ask import AskResult
    from pageindex_tui.ask.types import AskDocument

PAGES = {
    1: ["Harbor Report", "This report covers the harbor of Northport in 2023."],
    2: ["1 Traffic", "Ships arriving at the harbor numbered 4,210 in 2023, up from 3,980."],
    3: ["1.1 Cargo", "Container cargo reached 1.8 million tonnes, a record for the port."],
    4: ["2 Finances", "Harbor revenue was 52 million euros; the largest cost was dredging."],
    5: ["2.1 Dredging", "Dredging the outer channel cost 9 million euros and took eleven weeks."],
    6: ["3 Outlook", "A new quay for ferries is planned to open in the spring of 2026."],
}

STRUCTURE = {
    "doc_name": "harbor.pdf",
    "structure": [
        {"title": "Harbor Report", "node_id": "0000", "start_index": 1, "end_index": 1, "summary": "Scope."},
        {
            "title": "1 Traffic",
            "node_id": "0001",
            "start_index": 2,
            "end_index": 3,
            "summary": "Ship arrivals and cargo volumes in 2023.",
            "nodes": [
                {
                    "title": "1.1 Cargo",
                    "node_id": "0002",
                    "start_index": 3,
                    "end_index": 3,
                    "summary": "Container cargo tonnage record.",
                }
            ],
        },
        {
            "title": "2 Finances",
            "node_id": "0003",
            "start_index": 4,
            "end_index": 5,
            "summary": "Revenue and costs of the harbor.",
            "nodes": [
                {
                    "title": "2.1 Dredging",
                    "node_id": "0004",
                    "start_index": 5,
                    "end_index": 5,
                    "summary": "Cost and duration of dredging the outer channel.",
                }
            ],
        },
        {"title": "3 Outlook", "node_id": "0005", "start_index": 6, "end_index": 6, "summary": "Plans."},
    ],
}


def make_harbor(folder: Path, with_source: bool = True) -> Path:
    """Writes `harbor_structure.json` (and `harbor.pdf` beside it) into `folder`; returns the structure."""
    folder.mkdir(parents=True, exist_ok=True)
    if with_source:
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(False)
        for page in sorted(PAGES):
            pdf.add_page()
            pdf.set_font("Helvetica", style="B", size=16)
            pdf.cell(0, 10, PAGES[page][0], new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=11)
            pdf.cell(0, 7, PAGES[page][1], new_x="LMARGIN", new_y="NEXT")
        pdf.output(str(folder / "harbor.pdf"))
    path = folder / "harbor_structure.json"
    path.write_text(json.dumps(STRUCTURE), encoding="utf-8")
    return path


def file_harbor(folder: Path, library) -> Path:
    """harbor.pdf and its tree in `folder`, the tree filed in `library` (a pageindex_tui Library) as `index`
    files one, made with the default settings; returns the PDF."""
    from pageindex_tui.settings import Settings
    from pageindex_tui.store.records import RunRecord

    structure = make_harbor(folder)
    run = folder / "harbor_run.json"
    run.write_text(json.dumps({"doc_name": "harbor.pdf", "nodes": 6, "finished_at": "2026-01-01T00:00:00"}))
    pdf = folder / "harbor.pdf"
    target = library.folder_for(library.digest(pdf), Settings())
    target.mkdir(parents=True)
    kept = target / structure.name, target / run.name
    for source, copy in zip((structure, run), kept, strict=True):
        copy.write_bytes(source.read_bytes())
    record = RunRecord.from_dict(json.loads(run.read_text()))
    library.save(pdf, library.digest(pdf), Settings(), kept[0], kept[1], record)
    return pdf


def kind(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    if "Write the whole answer again" in prompt or "Answer the question from the text above" in prompt:
        return "answer"
    if "Does the text above hold enough" in prompt:
        return "assess"
    if "Which sections most likely hold" in prompt:
        return "pick"
    return "other"


def scripted(
    picks: list[str | Script],
    answers: list[str | Script],
    assess: list[str | Script] | None = None,
    other: Callable[[dict], Script] | None = None,
) -> Callable[[dict], Script]:
    """A FakeVLLM `default` answering each kind of prompt from its own queue (the last reply repeats)."""
    queues = {"pick": list(picks), "answer": list(answers), "assess": list(assess or ['{"enough": true}'])}

    def reply(body: dict) -> Script:
        which = kind(body)
        if which == "other":
            return other(body) if other else Script(answer="A section of the report.")
        queue = queues[which]
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        return (
            item
            if isinstance(item, Script)
            else Script(reasoning=f"Thinking about the {which}.", answer=item)
        )

    return reply


def prompts_of(fake, which: str) -> list[str]:
    return [b["messages"][-1]["content"] for b in fake.requests if kind(b) == which]


def shown_pages(prompt: str) -> list[int]:
    return [int(n) for n in re.findall(r"<page (\d+)>", prompt)]


GOOD_ANSWER = (
    "Dredging the outer channel cost 9 million euros [1].\n\n"
    'Sources:\n[1] 0004, page 5: "Dredging the outer channel cost 9 million euros"'
)


def check_reads(doc: AskDocument, result: AskResult) -> None:
    """Each node read carries its pages, or none new by design: `read_nodes` shows no page twice (a
    section read after its parent, which showed its pages) and records a node whose budget share
    holds no page as cut."""
    for read in result.nodes_read:
        node = doc.node(read.node_id)
        earlier = {p for r in result.nodes_read if r is not read for p in r.pages}
        assert node is not None
        assert read.pages or read.truncated or set(range(node.start, node.end + 1)) <= earlier, read
