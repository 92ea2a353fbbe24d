"""The calls of a real indexing run through the real llama-server (SmolLM2 on loopback), as an operator
sees them in the CLI: `index --verbose` prints one line per call of the document (the app's calls view:
tests/ui/test_calls_real_server.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pdfgen import operations_notes

# short replies, two at a time and a long deadline: a loaded two-core machine still finishes every call
FAST = ["--thinking", "no", "--max-output-tokens", "48", "--retries", "1", "--timeout", "300"]
FAST += ["--deadline", "1200", "--concurrency", "2"]

pytestmark = pytest.mark.integration


def test_index_verbose_prints_a_line_per_call_of_the_document(llama_server, tmp_path):
    out = tmp_path / "results"
    doc = operations_notes(tmp_path, sections=3)
    command = [sys.executable, "-m", "pageindex_tui", "index", str(doc), "--out", str(out), "--verbose"]
    proc = subprocess.run(
        [*command, "--endpoint", llama_server.endpoint, "--no-cache", *FAST],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    run = json.loads((out / "ops-notes_run.json").read_text())
    lines = [line for line in proc.stderr.splitlines() if line.startswith("call ")]
    assert run["llm"]["calls"] >= 1 and len(lines) == run["llm"]["calls"] + run["llm"]["cached_calls"]
    for line in lines:
        parts = line.removeprefix("call ").split(" · ")
        assert parts[0] == "ops-notes.md"
        assert parts[1].startswith(("summarize", "describe")), line
        assert parts[2].startswith(("ok", "invalid")), line  # the call's outcome for good
        assert parts[3].endswith(" out") and " in, " in parts[3]
        assert "ttft " in parts[4] or parts[2] != "ok", line  # a streamed answer has its first token's time
    summaries = sum(" · summarize " in line for line in lines)
    assert summaries >= 3  # one per section, at least
