"""The app's parts without a running app: literal text, the bounded call book, wrapping, storage."""

from __future__ import annotations

import json
import stat
import sys

import pytest
from textual.app import App
from uikit import make_app

from pageindex_tui.export import markdown_outline, node_json
from pageindex_tui.index.tree import Node, frozen
from pageindex_tui.settings import Settings
from pageindex_tui.settings.file import load_settings, save_settings
from pageindex_tui.store.library import Library, file_digest, tree_settings_key
from pageindex_tui.store.records import RunRecord
from pageindex_tui.tree import Tree
from pageindex_tui.ui.host import host_of
from pageindex_tui.ui.literal import literal, one_line
from pageindex_tui.ui.widgets.detail import describe
from pageindex_tui.ui.widgets.stream import wrap_offsets
from pageindex_tui.workbench.calls import MAX_CALL_TEXT, CallBook

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_control_characters_become_visible():
    assert literal("a\x1b[31mb\x07\r\nc\td\x9b") == "a^[[31mb^G\nc    d\\x9b"
    assert one_line("[bold]x[/bold]\nnext\x1b") == "[bold]x[/bold] next^["
    assert one_line("abcdef", 4) == "abc…"


def test_detail_text_is_literal():
    node = Node("[bold red]T[/]", 3, 5, node_id="0007", summary="\x1b[2J[i]s[/i]")
    text = describe(node, "toc", markdown=False)
    assert "[bold red]T[/]" in text.plain and "^[[2J[i]s[/i]" in text.plain
    assert "node 0007" in text.plain and "pp. 3–5" in text.plain and "printed table of contents" in text.plain
    assert not text.spans or all("red" not in str(span.style) for span in text.spans)


def test_call_book_is_bounded():
    book = CallBook(max_calls=5, max_texts=2)
    for number in range(8):
        record = book.start("doc", number, f"call {number}", 10)
        record.add("answer", "x" * 10)
    assert len(book) == 5 and book.take_removed() == [1, 2, 3]
    kept = list(book.records.values())
    assert [r.text_freed for r in kept] == [True, True, True, False, False]
    big = book.start("doc", 99, "big", 1)
    for _ in range(100):
        big.add("reasoning", "y" * 1000)
    assert big.chars <= MAX_CALL_TEXT and big.dropped >= 100_000 - MAX_CALL_TEXT


def test_wrapping_breaks_at_words_and_folds_long_words():
    text = "alpha beta gamma delta " * 5
    starts = wrap_offsets(text, 12)
    pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    assert all(len(p.rstrip()) <= 12 for p in pieces) and "".join(pieces) == text
    assert wrap_offsets("x" * 25, 10) == [0, 10, 20]
    assert wrap_offsets("日本語" * 4, 6) == [0, 3, 6, 9]


def test_exports():
    nodes = [Node("A", 1, 4, [Node("A.1", 2, 3, node_id="0001", summary="about\nit")], node_id="0000")]
    tree = Tree("doc.pdf", "page", frozen(nodes))
    outline = markdown_outline(tree)
    assert outline == "# doc.pdf\n\n- A (pages 1-4) `0000`\n  - A.1 (pages 2-3) `0001`\n    > about it\n"
    assert json.loads(node_json(tree.nodes[0], "page"))["nodes"][0]["summary"] == "about\nit"


def test_save_settings_keeps_overrides_out_of_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\nendpoint = "http://file-host/v1"\nconcurrency = 2\n')
    env = {"VLLM_ENDPOINT": "http://env-host/v1"}
    settings = load_settings(flags={"model": "flag-model"}, env=env, path=path)
    settings = settings.with_values(f"settings file {path}", concurrency=5, api_key="k")
    save_settings(settings, path)
    data = tomllib.loads(path.read_text())
    assert data["server"]["endpoint"] == "http://file-host/v1"  # the env value was not written
    assert "model" not in data["server"]  # nor the flag's
    assert data["server"]["concurrency"] == 5 and data["server"]["api_key"] == "k"
    assert "index" not in data  # defaults the file never held stay out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings(env={}, path=path).concurrency == 5


def test_save_settings_never_writes_what_local_chose(tmp_path):
    path = tmp_path / "config.toml"
    settings = load_settings(env={}, path=path).with_values("--local", endpoint="http://127.0.0.1:5/v1")
    settings = settings.with_values("--local default model", thinking=False, max_output_tokens=384)
    save_settings(settings.with_values(f"settings file {path}", concurrency=3), path)
    data = tomllib.loads(path.read_text())
    assert data["server"] == {"concurrency": 3}


def test_library_keys_by_content_and_tree_settings(tmp_path):
    library = Library(tmp_path / "lib")
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.4 one")
    digest = library.digest(doc)
    assert digest == file_digest(doc) and library.known_digest(doc) == digest
    settings = Settings()
    folder = library.folder_for(digest, settings)
    folder.mkdir(parents=True)
    (folder / "a_structure.json").write_text('{"doc_name": "a.pdf", "structure": []}')
    (folder / "a_run.json").write_text("{}")
    assert library.lookup(doc, settings) is None  # no entry.json yet: an interrupted run
    run = RunRecord("a.pdf", str(doc), nodes=4)
    library.save(doc, digest, settings, folder / "a_structure.json", folder / "a_run.json", run)
    assert library.lookup(doc, settings).nodes == 4
    assert library.lookup(doc, settings.with_values("x", concurrency=1)) is not None  # speed only
    other = settings.with_values("x", if_add_node_summary=False)
    assert tree_settings_key(other) != tree_settings_key(settings)
    assert library.lookup(doc, other) is None and library.lookup(doc) is not None
    copy = tmp_path / "b.pdf"
    copy.write_bytes(doc.read_bytes())
    assert library.lookup(copy, settings) is not None  # same content, other path
    doc.write_bytes(b"%PDF-1.4 two")
    assert library.lookup(doc) is None
    assert Library(tmp_path / "lib").known_digest(copy) == digest  # remembered across runs


@pytest.mark.asyncio
async def test_stream_view_appends_incrementally():
    from textual.app import App

    from pageindex_tui.ui.widgets.stream import StreamView

    class One(App):
        def compose(self):
            yield StreamView(id="s")

    app = One()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(StreamView)
        for _ in range(300):
            view.append("reasoning", "word ")
        view.append("answer", "final [b]answer[/b]\x1b")
        await pilot.pause()
        assert view.text.endswith("final [b]answer[/b]^[")
        whole = StreamView()
        whole._width = view._width
        for kind, text in view._lines:
            whole._lines.append((kind, text))
            whole._first.append(-1)
        whole._wrap_from(0)
        assert whole._visual == view._visual  # incremental wrapping == wrapping all at once
        await pilot.pause(0.1)
        assert view.is_vertical_scroll_end and view.following
        view.scroll_to(y=0, animate=False)
        await pilot.pause()
        assert not view.following
        view.append("answer", "more\n" * 20)
        await pilot.pause()
        assert view.scroll_y == 0  # the user scrolled up: no jumping to the end


def test_the_app_is_the_host_its_panes_and_screens_read(tmp_path):
    """Panes and screens reach the app's keymap, settings and engine through `host_of`; were the app to
    lack one of the Host's members, they would find no host (and a question would not be asked)."""
    app = make_app(tmp_path, tmp_path)
    assert host_of(app) is app
    assert host_of(App()) is None
