"""When the embedded llama-server dies while starting, the message says how, with the fix and its log.

The deaths are real processes: small executables that write a log line and end the way llama-server does
(killed by a signal, an exit status, a port it cannot bind). The model-file check needs no process at all.
"""

from __future__ import annotations

import signal
import stat
from pathlib import Path

import pytest

from pageindex_tui.errors import LocalServerError
from pageindex_tui.local.server import CHECK_SERVER, LocalServer, check_gguf, diagnose_exit


def fake_server(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "llama-server"
    script.write_text(f"#!/bin/sh\necho 'main: llama threadpool init, n_threads = 2'\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF" + bytes(60))
    return path


def start(binary: Path, model: Path) -> LocalServerError:
    with pytest.raises(LocalServerError) as caught:
        LocalServer(model, binary=binary, startup_timeout=30).start()
    return caught.value


def test_sigill_names_the_signal_the_cause_and_the_exact_reinstall_command(tmp_path, model):
    err = start(fake_server(tmp_path, "kill -ILL $$"), model)
    assert "SIGILL" in err.message and "built for another CPU" in err.message
    assert CHECK_SERVER in err.hint and "--rebuild" in err.hint
    assert "llama threadpool init" in err.hint  # the last lines of its log


def test_another_signal_is_named(tmp_path, model):
    err = start(fake_server(tmp_path, "kill -SEGV $$"), model)
    assert "killed by SIGSEGV while starting" in err.message
    assert "llama threadpool init" in err.hint


def test_an_exit_status_is_given_with_the_log(tmp_path, model):
    err = start(fake_server(tmp_path, "echo 'error: unknown argument: --frobnicate'; exit 3"), model)
    assert err.message == "llama-server exited with status 3 while starting"
    assert "unknown argument: --frobnicate" in err.hint


def test_a_port_in_use_is_said_as_such(tmp_path, model):
    body = "echo 'start: couldn'\\''t bind HTTP server socket, hostname: 127.0.0.1, port: 9'; exit 1"
    err = start(fake_server(tmp_path, body), model)
    assert "already in use" in err.message


def test_a_file_that_is_not_gguf_is_refused_before_starting(tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(LocalServerError) as caught:
        check_gguf(bad)
    assert "is not a GGUF model file" in caught.value.message and "b'<htm'" in caught.value.message
    with pytest.raises(LocalServerError, match="not a GGUF model file"):
        LocalServer(bad, binary=fake_server(tmp_path, "exit 0"))


def test_a_shells_128_plus_n_status_is_read_as_the_signal():
    err = diagnose_exit(128 + signal.SIGILL, "Illegal instruction (core dumped)")
    assert "SIGILL" in err.message
    assert "killed by SIGKILL" in diagnose_exit(-signal.SIGKILL, "").message
