"""What the MCP server's tools do, apart from MCP: the library service, results cut to fit
(`paging.RESULT_CHARS`), each tool's JSON with its next_steps (ours and PageIndex's contract), an ask's
progress notifications, and argument errors in plain words. `mcp_server.py` registers the tools."""

from .library import MAX_HITS_PER_CALL, MAX_LISTED, MAX_NODES_PER_CALL, DocumentInfo, LibraryService
from .paging import RESULT_CHARS

__all__ = [
    "MAX_HITS_PER_CALL",
    "MAX_LISTED",
    "MAX_NODES_PER_CALL",
    "RESULT_CHARS",
    "DocumentInfo",
    "LibraryService",
]
