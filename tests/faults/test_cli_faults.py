"""Fault suite, front end side: what the CLI shows and stores when things go wrong.

Cases 4 (control characters), 8 (unusable --out), 9 (SIGTERM/SIGHUP), 10 (credentials in the endpoint) and
11 (private cache) of issue 10.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

import pytest
from fakes import FakeVLLM, Script, error, smart_model
from pdfgen import make_outline_pdf
from ptyrun import PtyRun, cursor_shown_at_end

from pageindex_tui.cli.main import main
from pageindex_tui.store.cache import ResponseCache
from pageindex_tui.store.files import cache_dir

SECTION = "word " * 400


def markdown(path: Path) -> Path:
    path.write_text(f"# Guide\n\n## Part\n\n{SECTION}\n", encoding="utf-8")
    return path


# --- 4: control characters --------------------------------------------------------------------
def test_control_characters_in_names_and_server_errors_are_shown_in_caret_notation(tmp_path, capsys):
    hostile = markdown(tmp_path / "\x1b[31mred\x1b]0;owned.md")
    reply = error(400, "bad \x1b[2J request \x1b]0;title\x07 here")
    with FakeVLLM(default=lambda body: reply) as fake:
        code = main(["index", str(hostile), "--endpoint", fake.base_url, "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 1
    everything = captured.out + captured.err
    assert "\x1b" not in everything and "\x07" not in everything
    assert "^[[31mred^[]0;owned.md" in captured.out and "bad ^[[2J request ^[]0;title^G here" in captured.out


def test_the_app_and_the_cli_share_one_caret_notation():
    from pageindex_tui import safe_text
    from pageindex_tui.ui import literal

    assert literal.literal is safe_text.literal and literal.one_line is safe_text.one_line


# --- 8: unusable --out ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("out", "words"),
    [("file", "is a file, not a folder"), ("file/sub", "file is a file"), ("/proc/x", "cannot be made")],
)
def test_an_unusable_out_is_reported_once_before_any_work(tmp_path, capsys, out, words):
    (tmp_path / "file").write_text("")
    docs = [markdown(tmp_path / f"d{n}.md") for n in range(3)]
    target = out if out.startswith("/") else str(tmp_path / out)
    with FakeVLLM(default=smart_model) as fake:
        code = main(["index", *map(str, docs), "--endpoint", fake.base_url, "--out", target])
        assert fake.requests == [] and fake.paths == []
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.count("error: --out: output folder") == 1 and words in captured.err
    assert "File exists" not in captured.err and captured.out == ""


# --- 9: SIGTERM and SIGHUP --------------------------------------------------------------------
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_index_like_ctrl_c(tmp_path, sig):
    drip = Script(answer="slowly " * 200, drip=0.2)
    with FakeVLLM(default=lambda body: drip) as fake:
        run = PtyRun(
            "index",
            str(markdown(tmp_path / "doc.md")),
            "--endpoint",
            fake.base_url,
            "--out",
            str(tmp_path / "o"),
        )
        run.wait_for(lambda: fake.requests and b"summarizing" in run.output, "a model call in progress")
        run.process.send_signal(sig)
        code = run.end()
    assert code == 128 + sig
    assert f"stopped by {sig.name}; finished documents are written".encode() in run.output
    assert b"Traceback" not in run.output and cursor_shown_at_end(run.output)
    assert b"stopped ones kept as partial indexes, nothing is half-written" in run.output
    # The tree was known (the document's own headings): it is kept as a partial index, whole, and under
    # names no reader takes for a finished index; nothing else is written.
    kept = sorted(p.name for p in (tmp_path / "o").glob("*.json"))
    assert kept == ["doc_run.partial.json", "doc_structure.partial.json"]
    record = json.loads((tmp_path / "o" / "doc_run.partial.json").read_text())
    assert record["partial"]["reason"] == "cancelled" and record["partial"]["stage"] == "summarize"
    assert json.loads((tmp_path / "o" / "doc_structure.partial.json").read_text())["structure"]


def test_a_signal_ends_doctor_cleanly(tmp_path):
    with FakeVLLM() as fake:
        fake.health_delay = 30.0
        run = PtyRun("doctor", "--endpoint", fake.base_url)
        run.wait_for(lambda: "GET /health" in fake.paths, "doctor asking /health")
        run.process.send_signal(signal.SIGTERM)
        code = run.end()
        fake.health_delay = 0.0
    assert code == 143 and b"stopped by SIGTERM" in run.output and b"Traceback" not in run.output


def test_a_signal_ends_the_app_and_restores_the_terminal(tmp_path):
    markdown(tmp_path / "doc.md")
    with FakeVLLM(default=smart_model) as fake:
        run = PtyRun(str(tmp_path), "--endpoint", fake.base_url)
        run.wait_for(lambda: b"vLLM 0.16.0" in run.output, "the app showing the server gauges")
        run.process.send_signal(signal.SIGTERM)
        code = run.end()
    assert code == 143, run.output[-2000:]
    output = run.output
    assert output.rfind(b"\x1b[?1049l") > output.rfind(b"\x1b[?1049h")  # the alternate screen is left
    assert cursor_shown_at_end(output) and b"stopped by SIGTERM" in output


def test_a_hangup_with_the_terminal_gone_ends_the_app_while_it_indexes(tmp_path):
    """tmux's kill-session closes the terminal, then sends SIGHUP: Textual's own shutdown would write to the
    dead terminal and block for good (the app and its llama-server stayed). The app leaves without it, its
    job cancelled (nothing half-written in the library), status 128 + SIGHUP."""
    markdown(tmp_path / "doc.md")
    home = tmp_path / "home"
    with FakeVLLM(default=lambda body: Script(answer="slow summary", delay=30)) as fake:
        run = PtyRun(str(tmp_path), "--endpoint", fake.base_url, env={"XDG_DATA_HOME": str(home)})
        run.wait_for(lambda: b"vLLM 0.16.0" in run.output, "the app showing the server gauges")
        run.send(b"ji")
        run.wait_for(lambda: len(fake.requests) > 0, "a summary call at the server")
        run.hang_up()
        run.process.send_signal(signal.SIGHUP)
        code = run.end(timeout=60)
    assert code == 128 + signal.SIGHUP
    assert not [p for p in home.rglob("*") if p.is_file() and ".tmp" in p.name]


# --- 10: credentials in the endpoint ----------------------------------------------------------
def with_password(url: str) -> str:
    return url.replace("http://", "http://alice:s3cretpw@")


def test_a_password_in_the_endpoint_is_never_shown(tmp_path, capsys):
    with FakeVLLM(default=lambda body: error(503, "engine asleep")) as fake:
        endpoint = with_password(fake.base_url)
        code = main(
            [
                "index",
                str(markdown(tmp_path / "d.md")),
                "--endpoint",
                endpoint,
                "--out",
                str(tmp_path / "o"),
                "--retries",
                "0",
            ]
        )
        failed = capsys.readouterr()
        doctor = main(["doctor", "--endpoint", endpoint])
        report = capsys.readouterr()
    assert code == 1 and doctor in (0, 1)
    for text in (failed.out, failed.err, report.out, report.err):
        assert "s3cretpw" not in text
    assert "alice:***@127.0.0.1" in failed.out and "alice:***@127.0.0.1" in report.out


def test_a_password_in_the_endpoint_is_never_stored(tmp_path, capsys):
    with FakeVLLM(default=smart_model) as fake:
        endpoint = with_password(fake.base_url)
        code = main(
            ["index", str(make_outline_pdf(tmp_path)), "--endpoint", endpoint, "--out", str(tmp_path / "o")]
        )
    assert code == 0, capsys.readouterr()
    run = (tmp_path / "o" / "outline_run.json").read_text()
    assert "s3cretpw" not in run
    record = json.loads(run)
    assert (
        record["server"]["endpoint"].startswith("http://alice:***@")
        and "***" in record["settings"]["endpoint"]
    )


# --- 11: the response cache is private ---------------------------------------------------------
def test_the_response_cache_is_private(tmp_path, capsys):
    folder = cache_dir() / "responses"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # as an older version left it
    with FakeVLLM(default=smart_model) as fake:
        code = main(
            [
                "index",
                str(markdown(tmp_path / "d.md")),
                "--endpoint",
                fake.base_url,
                "--out",
                str(tmp_path / "o"),
            ]
        )
    assert code == 0, capsys.readouterr()
    files = [p for p in folder.rglob("*") if p.is_file()]
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    assert files
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}


def test_a_new_cache_folder_is_made_private(tmp_path):
    cache = ResponseCache(tmp_path / "new" / "responses")
    cache.put("ab" + "0" * 62, {"text": "summary"})
    assert stat.S_IMODE((tmp_path / "new" / "responses").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "responses" / "ab").stat().st_mode) == 0o700
    assert os.stat(next((tmp_path / "new").rglob("*.json"))).st_mode & 0o077 == 0


def test_the_gauges_short_name_drops_credentials():
    from pageindex_tui.monitor.server import short_name

    assert short_name("http://alice:s3cretpw@gpu-box:8000/v1") == "gpu-box:8000"
