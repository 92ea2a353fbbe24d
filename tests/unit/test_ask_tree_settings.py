"""Which saved tree a question uses (issue 23): the one made with the settings asked for when the library
holds it, else the newest, and then the answer's warnings say how its settings differ, in the CLI, the MCP
service (named documents and the whole library) and the engine the app uses. And `ask` without a server says
so before indexing anything, with no hint to a flag it would reject."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest
from askdocs import GOOD_ANSWER, STRUCTURE, make_harbor, scripted
from fakes import FakeVLLM

from pageindex_tui.cli.main import main
from pageindex_tui.cli.parsers import parse
from pageindex_tui.local.server import free_port
from pageindex_tui.mcp_tools import LibraryService, replies
from pageindex_tui.settings import Settings
from pageindex_tui.store.library import Library, settings_differences
from pageindex_tui.store.records import RunRecord

QUESTION = "How much did dredging the outer channel cost?"
BARE = Settings(if_add_node_summary=False)  # a tree without summaries


@pytest.fixture
def library(tmp_path, monkeypatch) -> Library:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return Library(tmp_path / "data" / "pageindex-tui" / "library")


def file_tree(library: Library, pdf: Path, settings: Settings, title: str, finished_at: str) -> None:
    """The harbor tree, its dredging node titled `title`, filed for `pdf` as made with `settings`."""
    tree = copy.deepcopy(STRUCTURE)
    tree["structure"][2]["nodes"][0]["title"] = title
    target = library.folder_for(library.digest(pdf), settings)
    target.mkdir(parents=True)
    (target / "harbor_structure.json").write_text(json.dumps(tree))
    run = {"doc_name": "harbor.pdf", "nodes": 6, "finished_at": finished_at}
    (target / "harbor_run.json").write_text(json.dumps(run))
    kept = target / "harbor_structure.json", target / "harbor_run.json"
    library.save(pdf, library.digest(pdf), settings, *kept, RunRecord.from_dict(run))


@pytest.fixture
def two_trees(tmp_path, library) -> Path:
    """harbor.pdf with two saved trees: with summaries (the defaults, older) and without (newer)."""
    pdf = make_harbor(tmp_path / "docs").with_name("harbor.pdf")
    file_tree(library, pdf, Settings(), "2.1 Dredging (default tree)", "2026-01-01T00:00:00")
    file_tree(library, pdf, BARE, "2.1 Dredging (bare tree)", "2026-02-01T00:00:00")
    return pdf


def model():
    return scripted(picks=['{"nodes": ["0004"]}'], answers=[GOOD_ANSWER])


def test_settings_differences_name_each_setting_that_differs():
    assert settings_differences(dict(Settings().public_dict()), Settings()) == []
    recorded = dict(Settings().public_dict())
    assert settings_differences(recorded, BARE) == ["if_add_node_summary yes, not no"]
    del recorded["toc_check_pages"]
    assert "toc_check_pages not recorded, not 20" in settings_differences(recorded, Settings())


def run_cli(capsys, pdf: Path, *flags: str) -> tuple[dict, str]:
    with FakeVLLM(default=model()) as fake:
        argv = ["ask", str(pdf), QUESTION, "--endpoint", fake.base_url, "--retries", "0", "--no-cache"]
        assert main([*argv, "--json", *flags]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_the_cli_asks_the_tree_made_with_the_settings_asked_for(two_trees, capsys):
    default, _err = run_cli(capsys, two_trees)  # the default settings: the older tree, made with them
    assert default["picked"][0]["title"] == "2.1 Dredging (default tree)"
    bare, _err = run_cli(capsys, two_trees, "--if-add-node-summary", "no")
    assert bare["picked"][0]["title"] == "2.1 Dredging (bare tree)"
    for result in (default, bare):
        assert not any("settings asked for" in w for w in result["warnings"])


def test_without_a_tree_made_with_them_the_newest_is_asked_and_the_warning_says_how_it_differs(
    two_trees, capsys
):
    result, _err = run_cli(capsys, two_trees, "--max-pages-per-node", "3")
    assert result["picked"][0]["title"] == "2.1 Dredging (bare tree)"  # the newest
    said = [w for w in result["warnings"] if "no saved tree was made with the settings asked for" in w]
    assert len(said) == 1 and said[0].startswith("harbor.pdf: ")
    assert "max_pages_per_node 10, not 3" in said[0] and "if_add_node_summary no, not yes" in said[0]
    with FakeVLLM(default=model()) as fake:  # printed as a warning without --json
        argv = ["ask", str(two_trees), QUESTION, "--endpoint", fake.base_url, "--max-pages-per-node", "3"]
        assert main(argv) == 0
    assert "warning: harbor.pdf: no saved tree was made with" in capsys.readouterr().err


@pytest.mark.parametrize("named", [True, False])  # named documents, and the whole library routed
def test_the_mcp_ask_uses_the_tree_made_with_its_settings_or_says(two_trees, library, named):
    def ask(settings: Settings) -> dict:
        with FakeVLLM(default=model()) as fake:
            chosen = settings.with_values("test", endpoint=fake.base_url, cache=False, max_retries=0)
            service = LibraryService(chosen, library)
            return replies.answer(asyncio.run(service.ask(QUESTION, ["harbor.pdf"] if named else None)))

    default = ask(Settings())
    assert default["picked"][0]["title"] == "2.1 Dredging (default tree)"
    assert not any("settings asked for" in w for w in default["warnings"])
    other = ask(Settings(max_pages_per_node=3))
    assert other["picked"][0]["title"] == "2.1 Dredging (bare tree)"
    assert any("max_pages_per_node 10, not 3" in w for w in other["warnings"])


def test_the_mcp_lists_the_tree_made_with_its_settings(two_trees, library):
    def listed(settings: Settings) -> str:
        service = LibraryService(settings, library)
        (entry,) = service.entries()
        return entry.settings_key

    assert listed(Settings()) != listed(BARE)  # each the one made with its settings
    assert listed(Settings(max_pages_per_node=3)) == listed(BARE)  # none made with these: the newest


def test_ask_without_a_server_says_so_before_indexing(tmp_path, library, capsys):
    pdf = make_harbor(tmp_path / "docs").with_name("harbor.pdf")
    url = f"http://127.0.0.1:{free_port()}/v1"
    code = main(["ask", str(pdf), QUESTION, "--endpoint", url, "--retries", "0", "--server-wait", "0"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot reach the model server" in err
    assert "--if-add-node-summary" not in err and "node summaries" not in err
    assert library.entries() == [] and not any(library.root.glob("*/*.partial"))
    # the tree flags are ask's too: what a hint to them says can be typed
    assert parse(["ask", str(pdf), QUESTION, "--if-add-node-summary", "no"]).if_add_node_summary == "no"
