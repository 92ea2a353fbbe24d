"""Every reader of a file we read back takes any JSON value and gives a valid result or a DamagedFile.

Random JSON values (hypothesis) go into each reader, alone and in the fields the reader knows, so that
wrong types, odd numbers and deep nesting reach every check: nothing but our own error may come out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pageindex_tui import checked
from pageindex_tui.errors import DamagedFile, SettingsError
from pageindex_tui.settings import FIELD_NAMES, Settings
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.library import LibraryEntry, read_paths
from pageindex_tui.store.records import RunRecord
from pageindex_tui.tree import Tree

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
NODE_KEYS = ["title", "start_index", "end_index", "line_num", "node_id", "summary", "prefix_summary", "text"]


def _nodes(depth: int) -> st.SearchStrategy[Any]:
    node = st.fixed_dictionaries({}, optional={k: VALUES for k in NODE_KEYS})
    if depth:
        node = st.fixed_dictionaries(
            {}, optional={**{k: VALUES for k in NODE_KEYS}, "nodes": _nodes(depth - 1)}
        )
    return st.lists(node | VALUES, max_size=3) | VALUES


TREES = st.fixed_dictionaries(
    {"structure": _nodes(3)}, optional={"doc_name": VALUES, "doc_description": VALUES, "line_count": VALUES}
)
ENTRY_KEYS = ["digest", "settings_key", "settings", "source", "doc_name", "structure_file", "run_file"]
ENTRY_KEYS += ["nodes", "structure_source", "finished_at", "warnings", "partial"]
RECORD_KEYS = ["doc_name", "path", "pages", "lines", "nodes", "depth", "provenance", "llm", "server"]
RECORD_KEYS += ["settings", "facts", "warnings", "warning_kinds", "call_problems", "wall_seconds", "partial"]
ENTRIES = st.fixed_dictionaries({}, optional={k: VALUES for k in ENTRY_KEYS}) | VALUES
RECORDS = st.fixed_dictionaries({}, optional={k: VALUES for k in RECORD_KEYS}) | VALUES
PATHS = st.dictionaries(st.text(max_size=6), st.lists(VALUES, max_size=4) | VALUES, max_size=3) | VALUES
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _clean(reader: Any, data: Any) -> Any:
    """The reader's result, or None when it refused the value with our own error."""
    try:
        return reader(data)
    except DamagedFile as err:
        assert err.problem and "\n" not in str(err)
        return None


@FAST
@given(TREES)
def test_the_tree_reader_gives_a_sound_tree_or_a_clean_error(data):
    tree = _clean(Tree.from_json, data)
    if tree is not None:
        for node in tree.walk():
            assert isinstance(node.title, str) and 1 <= node.start <= node.end
            assert node.summary is None or isinstance(node.summary, str)
        assert Tree.from_json(json.loads(json.dumps(tree.to_json()))).count() == tree.count()


@FAST
@given(ENTRIES)
def test_the_library_entry_reader_gives_a_typed_entry_or_a_clean_error(data):
    entry = _clean(lambda d: LibraryEntry.from_json(Path("/lib/x"), d), data)
    if entry is not None:
        assert isinstance(entry.nodes, int) and entry.nodes >= 0
        assert not entry.structure_file or entry.structure_path.parent == Path("/lib/x")


@FAST
@given(RECORDS)
def test_the_run_record_reader_gives_a_record_or_a_clean_error(data):
    record = _clean(RunRecord.from_dict, data)
    if record is not None:
        assert RunRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


@FAST
@given(PATHS)
def test_the_paths_reader_gives_memos_or_a_clean_error(data):
    paths = _clean(read_paths, data)
    if paths is not None:
        assert all(isinstance(m[0], int) and isinstance(m[2], str) for m in paths.values())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{", "not valid JSON"),
        (b'{"structure": [{"title": "a", "start_index": Infinity}]}', "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
    ],
)
def test_a_file_that_is_not_strict_json_is_named_with_its_problem(tmp_path, content, problem):
    path = tmp_path / "x_structure.json"
    path.write_bytes(content)
    with pytest.raises(DamagedFile, match=problem) as caught:
        checked.read_json(path, Tree.from_json)
    assert caught.value.path == str(path) and str(path) in str(caught.value)


SETTING_NAMES = st.sampled_from(sorted(FIELD_NAMES))


@FAST
@given(st.dictionaries(SETTING_NAMES, VALUES, max_size=4))
def test_settings_take_any_values_as_valid_settings_or_a_settings_error(values):
    try:
        settings = Settings().with_values("settings file /x/config.toml", **values)
    except SettingsError as err:
        assert "Traceback" not in str(err) and "/x/config.toml" in str(err)
        return
    for name in values:
        assert getattr(settings, name) is None or isinstance(getattr(settings, name), (str, int, float, bool))


@pytest.mark.parametrize("content", [b"[1]", b"{", b"[" * 100_000, b"\xff", b'{"text": NaN}'])
def test_a_damaged_cached_reply_is_a_miss(tmp_path, content):
    cache = ResponseCache(tmp_path / "cache")
    key = cache.key("m", {"messages": []})
    cache.put(key, {"text": "kept"})
    assert cache.get(key) == {"text": "kept"}
    cache._path(key).write_bytes(content)
    assert cache.get(key) is None
