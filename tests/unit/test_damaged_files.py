"""Files we read back that hold odd values end in one clear line naming the file and the field, never a
traceback: `_structure.json` files given to `export` and `ask`, through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import FakeVLLM, smart_model

from pageindex_tui.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _deep(levels: int) -> str:
    """A tree nested `levels` deep, as JSON text (json.dumps itself would recurse that deep)."""
    head = '{"title": "t", "start_index": 1, "nodes": ['
    return (
        '{"doc_name": "x.pdf", "structure": ['
        + head * (levels - 1)
        + '{"title": "leaf", "start_index": 1}'
        + "]}" * levels
    )


ODD_TREES = {
    "start_list": ({"structure": [{"title": "a", "start_index": [1]}]}, "structure[0].start_index"),
    "start_infinity": ('{"structure": [{"title": "a", "start_index": Infinity}]}', "not valid JSON"),
    "nodes_string": (
        {"structure": [{"title": "a", "start_index": 1, "nodes": "many"}]},
        "structure[0].nodes",
    ),
    "summary_number": (
        {"structure": [{"title": "a", "start_index": 1, "summary": 3}]},
        "structure[0].summary",
    ),
    "deep_600": (_deep(600), "nested"),  # deeper than MAX_DEPTH, or than the parser goes
    "deep_100k": ("[" * 100_000 + "]" * 100_000, "nested too deep"),
}


def _write(tmp_path, content) -> str:
    path = tmp_path / "odd_structure.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("case", list(ODD_TREES))
def test_export_of_an_odd_structure_file_is_one_line_naming_file_and_field(tmp_path, capsys, case):
    content, named = ODD_TREES[case]
    path = _write(tmp_path, content)
    assert main(["export", path, "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and path in err and named in err
    assert err.count("\n") <= 2  # the error line and its hint


@pytest.mark.parametrize("case", ["start_list", "summary_number", "deep_600", "deep_100k"])
def test_ask_about_an_odd_structure_file_fails_cleanly_before_any_call(tmp_path, capsys, case):
    content, named = ODD_TREES[case]
    path = _write(tmp_path, content)
    with FakeVLLM(default=smart_model) as fake:
        code = main(["ask", path, "what is it?", "--endpoint", fake.base_url, "--no-cache"])
        assert fake.requests == []  # no chat call was made
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and named in err


SOUND = '{"doc_name": "x", "structure": [{"title": "a", "start_index": 1}]}'


def test_export_to_a_full_standard_output_is_one_line_and_exit_1(tmp_path):
    path = tmp_path / "x_structure.json"
    path.write_text(SOUND)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "pageindex_tui", "export", str(path), "-o", "-"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stderr == "pageindex-tui: error: cannot write to standard output: No space left on device\n"


def test_export_leaves_a_read_only_file_alone_and_names_an_unwritable_folder(tmp_path, capsys):
    path = tmp_path / "x_structure.json"
    path.write_text(SOUND)
    target = tmp_path / "kept.json"
    target.write_text("mine")
    target.chmod(0o444)
    assert main(["export", str(path), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "read-only: not overwritten" in err and err.count("\n") == 1
    assert target.read_text() == "mine"
    if os.geteuid() != 0:  # root writes anywhere
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o555)
        assert main(["export", str(path), "-o", str(folder / "x.json")]) == 1
        err = capsys.readouterr().err
        assert "cannot write to" in err and err.count("\n") == 1
