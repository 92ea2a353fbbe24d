"""The MCP wire over stdio: the SDK's own transport, plus the JSON-RPC error replies it leaves out.

The `mcp` SDK (2.3) reads a line it cannot decode, hands the server an exception in its place, and the
server drops it: a client that sent a malformed line waits for an answer that never comes. Here every
such line is answered as JSON-RPC 2.0 says, and nothing else changes:

- a line that is not JSON: `-32700` (parse error), `"id": null`;
- JSON that is no JSON-RPC message (an array, a number, a request with a numeric method, no `jsonrpc`):
  `-32600` (invalid request), with the line's `id` where it holds a usable one, else `null`.

The SDK's `stdio_server` still owns the process's stdin and stdout (it points fd 1 at stderr while it
serves, so a stray print cannot corrupt the protocol); the sifter sits between its read stream and the
server, and the replies go out through the SDK's own writer, so they never tear another message.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared._context_streams import ContextReceiveStream, ContextSendStream, create_context_streams
from mcp.shared.message import SessionMessage
from mcp_types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError
from pydantic import ValidationError

log = logging.getLogger(__name__)

MAX_SHOWN = 200  # characters of pydantic's first complaint quoted in an invalid-request reply


def error_reply(err: Exception) -> JSONRPCError:
    """The JSON-RPC error answering a line the SDK could not decode (`err`, as its reader raised it)."""
    if not isinstance(err, ValidationError):
        return _error(None, PARSE_ERROR, "Parse error: the line could not be read")
    problems = err.errors()
    if any(problem["type"] == "json_invalid" for problem in problems):
        return _error(None, PARSE_ERROR, "Parse error: the line is not JSON")
    first = problems[0]["msg"][:MAX_SHOWN] if problems else "no detail"
    return _error(
        _request_id(problems),
        INVALID_REQUEST,
        f"Invalid Request: not a JSON-RPC 2.0 request, notification or response ({first})",
    )


def _error(request_id: str | int | None, code: int, message: str) -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message))


def _request_id(problems: list[Any]) -> str | int | None:
    """The `id` of the message that failed, where pydantic's errors carry the whole object and its id is one
    JSON-RPC allows (a string or an integer; never a bool, a float or a structure)."""
    for problem in problems:
        value = problem.get("input")
        if isinstance(value, dict):
            found = value.get("id")
            if isinstance(found, str) or (isinstance(found, int) and not isinstance(found, bool)):
                return found
    return None


async def sift(
    source: ContextReceiveStream[SessionMessage | Exception],
    sink: ContextSendStream[SessionMessage | Exception],
    replies: ContextSendStream[SessionMessage],
) -> None:
    """Pass decoded messages on to the server; answer every line that failed to decode, on `replies`."""
    async with sink:
        async for item in source:
            if isinstance(item, Exception):
                reply = error_reply(item)
                log.warning("answered an undecodable line with JSON-RPC error %d", reply.error.code)
                await replies.send(SessionMessage(reply))
            else:
                await sink.send(item)


async def serve_stdio(server: MCPServer) -> None:
    """Run `server` over stdio as `MCPServer.run("stdio")` does, with the sifter in front of it."""
    lowlevel = server._lowlevel_server  # the SDK's `run_stdio_async` runs the same object the same way
    async with stdio_server() as (read_stream, write_stream):
        sink, sifted = create_context_streams[SessionMessage | Exception](0)
        async with anyio.create_task_group() as group:
            group.start_soon(sift, read_stream, sink, write_stream)
            await lowlevel.run(sifted, write_stream, lowlevel.create_initialization_options())
