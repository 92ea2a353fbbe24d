"""A stand-in for llama-server's binary: a small Python HTTP server answering every GET with 200 on the
`--port` it is given, so `LocalServer` starts, supervises and restarts a real child process quickly."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

STAND_IN = f"""#!{sys.executable}
import http.server, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
print("main: stand-in llama-server listening on", port, flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{{}}")

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def stand_in_server(folder: Path) -> tuple[Path, Path]:
    """(binary, model): the stand-in executable and a file that passes the GGUF check."""
    binary = folder / "llama-server"
    binary.write_text(STAND_IN)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    model = folder / "tiny.gguf"
    model.write_bytes(b"GGUF" + bytes(60))
    return binary, model
