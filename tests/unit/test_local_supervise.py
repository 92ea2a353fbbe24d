"""Issue 22, build 1: the embedded server supervised. A stand-in llama-server (a small Python HTTP server
that answers /health on the port it is given) is killed with SIGKILL: the supervisor says so at once
with the signal and the last log lines, reaps it (no <defunct>), starts it again by itself once on the
same port, and after that only when asked."""

from __future__ import annotations

import os
import queue
import signal
from pathlib import Path

import httpx
import pytest
from fakes.standin import stand_in_server

from pageindex_tui.local.server import LocalServer
from pageindex_tui.local.supervise import ServerLife, Supervisor


@pytest.fixture
def server(tmp_path: Path):
    binary, model = stand_in_server(tmp_path)
    local = LocalServer(model, binary=binary, startup_timeout=30).start()
    yield local
    local.stop()


def next_life(lives: queue.Queue[ServerLife], kind: str) -> ServerLife:
    while True:
        life = lives.get(timeout=30)
        if life.kind == kind:
            return life


def gone(pid: int) -> bool:
    """Reaped: no process (not even a zombie) has this id any more."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "zombie" not in status


def test_a_killed_server_is_diagnosed_reaped_and_restarted_once_by_itself_then_on_request(server):
    lives: queue.Queue[ServerLife] = queue.Queue()
    supervisor = Supervisor(server, lives.put).start()
    try:
        first = server.process.pid
        os.killpg(first, signal.SIGKILL)
        died = next_life(lives, "died")
        assert "killed by SIGKILL while running" in died.message
        assert "stand-in llama-server listening" in died.hint  # the last lines of its log
        assert gone(first)
        assert next_life(lives, "restarting").message == "restarting it by itself (once)"
        next_life(lives, "restarted")
        assert httpx.get(f"{server.root}/health", timeout=5).status_code == 200  # the same port
        assert not supervisor.dead and supervisor.restarts == 1

        second = server.process.pid
        os.killpg(second, signal.SIGKILL)
        next_life(lives, "died")
        assert supervisor.dead and gone(second)
        assert supervisor.restart()
        assert lives.get(timeout=30) == ServerLife("restarting", "restarting it")  # asked: not by itself
        assert next_life(lives, "restarted").message.startswith("llama-server answers again at")
        assert not supervisor.restart()  # it runs: nothing to restart
    finally:
        supervisor.stop()
    assert server.process is None
    reports = []
    while not lives.empty():
        reports.append(lives.get().kind)
    assert "died" not in reports  # stopping it is no death


def test_a_session_that_ends_on_a_dead_server_raises_why(tmp_path, server, monkeypatch, capsys):
    """`--local` (cli/common.py): the death is said on stderr when it happens, and a session that ends
    while the server is down raises it, so the exit status is not 0."""
    import argparse

    from pageindex_tui.cli import common
    from pageindex_tui.errors import LocalServerError
    from pageindex_tui.settings import Settings

    monkeypatch.setattr("pageindex_tui.local.server.find_llama_server", lambda: server.binary)
    args = argparse.Namespace(local=True, local_model=server.model)
    lives: queue.Queue[ServerLife] = queue.Queue()
    session = common.maybe_local_server(args, Settings())
    with pytest.raises(LocalServerError) as ended, session as (settings, supervisor):
        assert supervisor is not None and settings.endpoint == supervisor.server.endpoint
        supervisor.report = lives.put
        supervisor.auto_left = 0
        os.killpg(supervisor.server.process.pid, signal.SIGKILL)
        next_life(lives, "died")
    assert (
        ended.value.message
        == "the session ended with llama-server down: llama-server was killed by SIGKILL while running"
    )
    assert "stand-in llama-server listening" in ended.value.hint
