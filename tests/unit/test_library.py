import json
import os

import pytest

from pageindex_tui.errors import OutputError
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.files import atomic_write_json, atomic_write_text, check_writable


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out" / "a.json"
    atomic_write_json(target, {"x": 1})
    atomic_write_json(target, {"x": 2})
    assert json.loads(target.read_text()) == {"x": 2}
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_failed_write_keeps_old_file(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")

    with pytest.raises(TypeError):
        atomic_write_text(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_is_reported(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(OutputError, match="not writable"):
        check_writable(folder)


def test_output_under_a_file_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=r"cannot be made: .*file is a file"):
        check_writable(blocker / "sub")
    with pytest.raises(OutputError):
        atomic_write_text(blocker / "sub" / "a.json", "{}")


def test_cache_round_trip_and_disabled_cache(tmp_path):
    cache = ResponseCache(tmp_path)
    key = cache.key("m", {"messages": [{"role": "user", "content": "hi"}]})
    assert key != cache.key("other-model", {"messages": [{"role": "user", "content": "hi"}]})
    assert cache.get(key) is None
    cache.put(key, {"text": "hello"})
    assert cache.get(key) == {"text": "hello"} and cache.hits == 1
    off = ResponseCache(tmp_path, enabled=False)
    assert off.get(key) is None


def test_corrupt_cache_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    key = cache.key("m", {})
    cache.put(key, {"text": "x"})
    path = next(tmp_path.rglob("*.json"))
    path.write_text("{not json")
    assert cache.get(key) is None


def test_the_library_root_is_private_and_an_old_open_one_is_closed(tmp_path):
    import stat

    from pageindex_tui.settings import Settings
    from pageindex_tui.store.library import Library

    root = tmp_path / "library"
    root.mkdir(mode=0o755)  # as an older version left it
    doc = tmp_path / "a.md"
    doc.write_text("# A\n")
    library = Library(root)
    folder = library.folder_for(library.digest(doc), Settings())
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert folder.parent.parent == root and (root / "paths.json").is_file()


def test_partial_indexes_sit_beside_finished_ones_and_best_prefers_the_finished_one(tmp_path):
    from pageindex_tui.settings import Settings
    from pageindex_tui.store.library import Library
    from pageindex_tui.store.records import PartialState, RunRecord

    library = Library(tmp_path / "lib")
    doc = tmp_path / "a.md"
    doc.write_text("# A\n\nText.\n")
    digest = library.digest(doc)
    these, others = Settings(), Settings(if_add_node_id=False)

    def file(settings: Settings, partial: PartialState | None, finished_at: str):
        folder = library.folder_for(digest, settings, partial=partial is not None)
        structure, run = folder / "a_structure.json", folder / "a_run.json"
        atomic_write_json(structure, {"doc_name": "a.md", "structure": []})
        record = RunRecord("a.md", str(doc), nodes=2, finished_at=finished_at, partial=partial)
        atomic_write_json(run, record.to_dict())
        return library.save(doc, digest, settings, structure, run, record)

    assert library.best(doc, these) == (None, False)
    finished_other = file(others, None, "2026-01-01")
    assert library.best(doc, these)[0].folder == finished_other.folder  # made with other settings
    partial = file(these, PartialState("summarize", 1, 2, "server"), "2026-01-02")
    assert partial.folder.name.endswith(".partial") and partial.partial is not None
    entry, exact = library.best(doc, these)
    assert exact and entry.partial == partial.partial  # these settings' partial beats others' finished
    assert [e.folder for e in library.entries_for(digest)] == [finished_other.folder]  # never a partial
    assert library.find(digest, these) is None and library.find(digest).folder == finished_other.folder
    finished = file(these, None, "2026-01-03")
    entry, exact = library.best(doc, these)
    assert exact and entry.partial is None
    assert (
        library.best(doc, these)[0].folder == finished.folder and library.find_partial(digest, these) is None
    )
    assert not partial.folder.exists()  # filing the finished index dropped the partial one
