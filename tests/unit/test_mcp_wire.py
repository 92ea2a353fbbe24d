"""Malformed JSON-RPC lines get the protocol's error reply (issue 21): -32700 for a line that is not JSON,
-32600 for JSON that is no JSON-RPC message (with its id where it has a usable one), and the server goes on
serving the lines after them. Through the real `pageindex-tui mcp` process over its pipes, and the rule
itself on the SDK's own decoding errors."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp_types import INVALID_REQUEST, PARSE_ERROR

from pageindex_tui.mcp_wire import error_reply

ROOT = Path(__file__).resolve().parents[2]
BOUND = 60.0  # seconds a reply may take before the test fails


def decode_error(line: str) -> Exception:
    """The exception the SDK's stdio reader hands the server for `line`."""
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except Exception as err:
        return err
    raise AssertionError(f"{line!r} decoded")


@pytest.mark.parametrize(
    ("line", "code", "request_id"),
    [
        ("{bad", PARSE_ERROR, None),
        ("", PARSE_ERROR, None),
        ('{"jsonrpc": "2.0", "id": 1, "method": "x"', PARSE_ERROR, None),  # cut short
        ("[1, 2]", INVALID_REQUEST, None),  # a batch: MCP has none
        ('"text"', INVALID_REQUEST, None),
        ("42", INVALID_REQUEST, None),
        ('{"jsonrpc": "2.0", "id": 7, "method": 3}', INVALID_REQUEST, 7),
        ('{"jsonrpc": "2.0", "id": "q-1", "params": {}}', INVALID_REQUEST, "q-1"),
        ('{"id": 5, "method": "ping"}', INVALID_REQUEST, 5),  # no "jsonrpc"
        ('{"jsonrpc": "2.0", "id": true, "method": 3}', INVALID_REQUEST, None),  # an id JSON-RPC refuses
        ('{"jsonrpc": "2.0", "id": [1], "method": 3}', INVALID_REQUEST, None),
    ],
)
def test_each_undecodable_line_gets_its_json_rpc_error(line, code, request_id):
    reply = error_reply(decode_error(line))
    assert reply.error.code == code
    assert reply.id == request_id
    wire = json.loads(reply.model_dump_json(by_alias=True, exclude_unset=True))
    assert wire["jsonrpc"] == "2.0" and "id" in wire and wire["id"] == request_id


def test_an_error_that_is_no_decoding_error_is_a_parse_error():
    undecodable = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    assert error_reply(undecodable).error.code == PARSE_ERROR


class Lines:
    """The server's stdout, a line at a time, read on a thread so every wait has a bound."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line)

    def next(self) -> dict[str, Any]:
        try:
            return json.loads(self.lines.get(timeout=BOUND))
        except queue.Empty:
            raise AssertionError("the server sent no reply") from None


def test_the_mcp_server_answers_malformed_lines_and_goes_on_serving(tmp_path):
    env = dict(
        os.environ,
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONPATH=str(ROOT),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "pageindex_tui", "mcp", "--endpoint", "http://127.0.0.1:9/v1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert server.stdin is not None and server.stdout is not None
    replies = Lines(server.stdout)

    def send(line: str) -> None:
        assert server.stdin is not None
        server.stdin.write(line + "\n")
        server.stdin.flush()

    try:
        send("{this is not json")
        assert replies.next() == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": PARSE_ERROR, "message": "Parse error: the line is not JSON"},
        }
        send('{"jsonrpc": "2.0", "id": 3, "method": 12}')
        invalid = replies.next()
        assert invalid["id"] == 3 and invalid["error"]["code"] == INVALID_REQUEST
        assert invalid["error"]["message"].startswith("Invalid Request:")
        # The session is whole: the handshake and a tool list still work after the bad lines.
        send(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": "2025-06-18",
                        "capabilities": {},
                        "clientInfo": {"name": "wire-test", "version": "1"},
                    },
                }
            )
        )
        initialized = replies.next()
        assert initialized["id"] == 1 and "result" in initialized
        send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        send("[]")
        assert replies.next()["error"]["code"] == INVALID_REQUEST
        send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        tools = replies.next()
        assert tools["id"] == 2
        assert "ask" in {tool["name"] for tool in tools["result"]["tools"]}
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=BOUND)
        finally:
            if server.poll() is None:
                server.kill()
            assert server.stderr is not None
            server.stderr.close()
            server.stdout.close()
    assert server.returncode == 0
