"""A checker for PageIndex's JSON format, shared by the tests."""

from __future__ import annotations

from typing import Any

PDF_KEYS = {"title", "node_id", "start_index", "end_index", "summary", "text", "nodes"}
MD_KEYS = {"title", "node_id", "line_num", "summary", "prefix_summary", "text", "nodes"}


def check_pageindex_json(data: dict[str, Any], *, pages: int | None = None, markdown: bool = False) -> None:
    assert isinstance(data.get("doc_name"), str) and data["doc_name"]
    allowed_top = {"doc_name", "doc_description", "structure"} | ({"line_count"} if markdown else set())
    assert set(data) <= allowed_top, set(data) - allowed_top
    assert isinstance(data["structure"], list) and data["structure"]
    ids: list[str] = []

    def visit(nodes: list[dict[str, Any]], lo: int, hi: int | None) -> None:
        for node in nodes:
            assert set(node) <= (MD_KEYS if markdown else PDF_KEYS), set(node)
            assert isinstance(node["title"], str) and node["title"].strip()
            if "node_id" in node:
                ids.append(node["node_id"])
            if "nodes" in node:
                assert node["nodes"], "empty nodes lists are omitted"
            if markdown:
                assert isinstance(node["line_num"], int) and node["line_num"] >= 1
                if node.get("nodes"):
                    assert "summary" not in node
                else:
                    assert "prefix_summary" not in node
            else:
                s, e = node["start_index"], node["end_index"]
                assert isinstance(s, int) and isinstance(e, int)
                assert 1 <= s <= e, (node["title"], s, e)
                if pages is not None:
                    assert e <= pages, (node["title"], e, pages)
                assert lo <= s and (hi is None or e <= hi), (node["title"], s, e, lo, hi)
            visit(node.get("nodes", []), node.get("start_index", 1), node.get("end_index"))

    visit(data["structure"], 1, pages)
    assert ids == [f"{i:04d}" for i in range(len(ids))], "node ids are pre-order 0000, 0001, ..."
