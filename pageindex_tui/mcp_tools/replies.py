"""Each MCP tool's JSON, from what `LibraryService` returns: ours, and PageIndex's contract (its tool names,
argument names and result fields, so agents written for PageIndex's MCP server work here). Every result
carries `next_steps` ({"summary": ..., "options": [...]}) saying what to call next; errors come as
{"error": ..., "hint": ..., "next_steps": ...}. The words follow the document's unit: pages of a PDF,
lines of a Markdown document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ..ask import AskResult
from ..safe_text import literal
from ..tree import Unit
from . import paging
from .library import DocumentInfo, Listing, PagesRead, StructurePart, StructureRun


def steps(summary: str, *options: str) -> dict[str, Any]:
    return {"summary": summary, "options": [o for o in options if o]}


def plural(count: int, unit: Unit) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


# -- ours ------------------------------------------------------------------------------------------
def document_list(listing: Listing) -> dict[str, Any]:
    items, more, capped = _fitted(listing, lambda d: asdict(d) | {"note": d.note})
    return {
        "documents": items,
        "total": listing.total,
        "offset": listing.offset,
        "next_offset": more,
        "next_steps": steps(
            f"{len(items)} of {listing.total} documents"
            + (f" from offset {listing.offset}" if listing.offset else "")
            + (" (more would not fit one result)" if capped else ""),
            f"list_documents(offset={more}) lists the next ones" if more is not None else "",
            "get_structure(document=<id or name>) shows a document's sections; search(query=...) finds "
            "sections by words; ask(question=...) answers from the library",
        ),
    }


def _fitted(
    listing: Listing, item: Callable[[DocumentInfo], dict[str, Any]]
) -> tuple[list[dict[str, Any]], int | None, bool]:
    """The listing's documents as items, as many as fit one result (at least one); the offset that
    follows them (None at the end); whether the cap left some of the window out."""
    items = [item(d) for d in listing.documents]
    shown = max(1, paging.largest(len(items), lambda n: paging.size(items[:n]), paging.ITEMS_CHARS))
    shown = min(shown, len(items))
    end = listing.offset + shown
    return items[:shown], end if end < listing.total else None, shown < len(items)


def structure_run(run: StructureRun) -> dict[str, Any]:
    unit, more = run.info.unit, run.next_offset
    why = " (more would not fit one result)" if run.capped else ""
    return {
        "document": run.info.name,
        "document_id": run.info.id,
        "unit": unit,
        "description": run.info.description,
        "total_nodes": run.total,
        "offset": run.offset,
        "next_offset": more,
        "nodes": run.nodes,
        "next_steps": steps(
            f"nodes {run.offset + 1} to {run.offset + len(run.nodes)} of {run.total}{why}; start_index and "
            f"end_index are {unit}s",
            f"get_structure(document={run.info.id!r}, offset={more}) gives the next nodes" if more else "",
            f'get_pages(document={run.info.id!r}, pages="<start_index>-<end_index>") reads its {unit}s',
        ),
    }


def pages_read(read: PagesRead) -> dict[str, Any]:
    unit = read.info.unit
    return {
        "document": read.info.name,
        "document_id": read.info.id,
        "unit": unit,
        "requested": paging.spans(read.requested),
        "returned": paging.spans([t.unit for t in read.texts]),
        "remaining": paging.spans(read.remaining),
        "pages": [_text(t, unit) for t in read.texts],
        "next_steps": _read_steps(read, f'get_pages(document={read.info.id!r}, pages="{{}}")'),
    }


def search_results(query: str, hits: list[dict[str, Any]]) -> dict[str, Any]:
    shown = paging.largest(len(hits), lambda n: paging.size(hits[:n]), paging.ITEMS_CHARS)
    left = len(hits) - shown
    return {
        "query": literal(query),
        "results": hits[:shown],
        "next_steps": steps(
            f"{shown} sections" + (f"; {left} more did not fit one result" if left else ""),
            'get_pages(document=<document_id>, pages="<start>-<end>") reads a section',
            "get_structure(document=<document_id>) shows the document's tree",
        ),
    }


def answer(result: AskResult) -> dict[str, Any]:
    data = result.to_dict()
    data["answer"] = literal(data["answer"])
    unverified = result.unverified
    data["next_steps"] = steps(
        f"{result.verified} citations verified, {unverified} not",
        "get_pages(document=..., pages=...) reads a cited page to check it yourself"
        if result.citations
        else "",
        "the answer ran into its token limit and may end mid-way" if result.cut else "",
        f"the question stopped at its {'deadline' if result.stopped == 'deadline' else 'token budget'} "
        "(settings ask_deadline, ask_tokens): what it had found is here"
        if result.stopped
        else "",
    )
    reads = data["nodes_read"]
    if not paging.fits(data):  # the reads listed last go first: the answer and citations stay
        keep = paging.largest(
            len(reads), lambda n: paging.size(data | {"nodes_read": reads[:n]}), paging.ITEMS_CHARS
        )
        data["nodes_read"] = reads[:keep]
        data["next_steps"]["options"].append(
            f"{keep} of the {len(reads)} nodes read are listed: the rest did not fit one result"
        )
    return data


# -- PageIndex's contract --------------------------------------------------------------------------
PAGEINDEX_STATUS = {"indexed": "completed", "changed": "completed", "damaged": "failed"}


def _pageindex_entry(info: DocumentInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": info.name,
        "description": info.description or "No description provided",
        "status": PAGEINDEX_STATUS[info.status],
        "created_at": info.indexed_at,
        "id": info.id,
        "unit": info.unit,
    }
    if info.note:
        entry["note"] = info.note
    return entry


def browse(listing: Listing, sort: str) -> dict[str, Any]:
    items, more, capped = _fitted(listing, _pageindex_entry)
    return {
        "success": True,
        "documents": items,
        "folders": [],
        "sort": sort,
        "total": listing.total,
        "next_offset": more,
        "has_more": more is not None,
        "next_steps": steps(
            (f"{len(items)} of {listing.total} documents" if items else "No documents")
            + (" (more would not fit one result)" if capped else ""),
            "get_document(doc_name=<name>) shows one; get_document_structure(doc_name=<name>) its sections"
            if items
            else "index documents with `pageindex-tui index` first",
            f"browse_documents(offset={more}) lists the next ones" if more is not None else "",
        ),
    }


def document(info: DocumentInfo) -> dict[str, Any]:
    size_key = "line_count" if info.unit == "line" else "page_count"
    name = info.name
    return {
        "success": True,
        **_pageindex_entry(info),
        size_key: info.size,
        "folder_id": None,
        "next_steps": steps(
            f"The document is indexed: {plural(info.size or 0, info.unit)}"
            if info.status != "damaged"
            else "Its index is damaged",
            f'get_document_structure(doc_name="{name}") shows its sections and their {info.unit} ranges',
            f'get_page_content(doc_name="{name}", pages="1-3") reads {info.unit}s',
            info.note,
        ),
    }


def structure_part(part: StructurePart) -> dict[str, Any]:
    more = part.part < part.parts
    name = part.info.name
    return {
        "success": True,
        "doc_name": name,
        "unit": part.info.unit,
        "total_parts": part.parts,
        "structure": part.nodes,
        "pagination": {"part": part.part, "total_parts": part.parts, "has_more": more},
        "next_steps": steps(
            f"Part {part.part} of {part.parts}; start_index and end_index are {part.info.unit}s",
            f'get_document_structure(doc_name="{name}", part={part.part + 1}) gives the next part'
            if more
            else "",
            f'get_page_content(doc_name="{name}", pages="<start_index>-<end_index>") reads a section',
        ),
    }


def page_content(read: PagesRead) -> dict[str, Any]:
    unit = read.info.unit
    return {
        "success": True,
        "doc_name": read.info.name,
        "unit": unit,
        f"total_{unit}s": read.info.size,
        f"requested_{unit}s": paging.spans(read.requested),
        f"returned_{unit}s": paging.spans([t.unit for t in read.texts]),
        "content": [_text(t, unit) for t in read.texts],
        "next_steps": _read_steps(read, f'get_page_content(doc_name="{read.info.name}", pages="{{}}")'),
    }


# -- both ------------------------------------------------------------------------------------------
def _text(text: paging.Text, unit: Unit) -> dict[str, Any]:
    item: dict[str, Any] = {unit: text.unit, "text": text.text}
    if text.cut:
        item["cut"] = True
    return item


def _read_steps(read: PagesRead, call: str) -> dict[str, Any]:
    unit, got = read.info.unit, len(read.texts)
    cut = [t.unit for t in read.texts if t.cut]
    summary = f"{plural(got, unit)} of {len(read.requested)} asked for"
    if read.remaining:
        summary += f"; {unit}s {paging.spans(read.remaining)} did not fit one result"
    return steps(
        summary,
        f"{call.format(paging.spans(read.remaining))} reads the rest" if read.remaining else "",
        f"{unit} {cut[0]} holds more text than one result: it is cut" if cut else "",
        f"the document's structure gives each section's {unit} range: read only the sections you need",
    )


def failure(message: str, hint: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"error": message}
    if hint:
        data["hint"] = hint
    data["next_steps"] = steps(
        "The call failed: nothing was changed",
        "list_documents() or browse_documents() lists the documents and their names",
    )
    return data
