"""Shared fixtures: an isolated config/cache per test run, and the real llama-server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DOCS = ROOT / "sample_docs"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the user's settings, cache or library; never take endpoints from the environment."""
    home = tmp_path_factory.getbasetemp() / "xdg"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
        monkeypatch.setenv(var, str(home / sub))
    # The library (saved indexes, reused by `index`) is each test's own: one test's index is no other's.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    for var in (
        "VLLM_ENDPOINT",
        "VLLM_MODEL_NAME",
        "OPENAI_API_KEY",
        "CHATGPT_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
    ):
        monkeypatch.delenv(var, raising=False)


def _llama_server_available() -> str:
    """Empty when the real server can run here, else why not."""
    try:
        from pageindex_tui.local.server import default_model, find_llama_server

        find_llama_server()
        default_model()
    except Exception as err:  # any reason to skip is reported
        describe = getattr(err, "describe", None)
        return describe() if callable(describe) else str(err)
    return ""


def _need_llama_server() -> None:
    reason = _llama_server_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"llama-server is required in CI: {reason}")
        pytest.skip(f"llama-server not available: {reason}")


@pytest.fixture(scope="session")
def llama_server() -> Iterator[object]:
    """A real llama-server with SmolLM2 on a free loopback port, `--metrics --parallel 4` (threads: see
    localserver.py)."""
    _need_llama_server()
    from localserver import local_server

    server = local_server(context=16384, parallel=4)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_llama_server() -> Iterator[object]:
    """A real llama-server of this test's own (SmolLM2, `--parallel 2`), which the test may stop and start
    again on the same port (`server.kill()`, `server.start()`); stopped at the end."""
    _need_llama_server()
    from localserver import local_server

    server = local_server(context=8192, parallel=2)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tesseract() -> None:
    """The embedded OCR engine: skipped where it is not installed, a failure in CI (.ci/run installs it)."""
    if shutil.which("tesseract") is None:
        if os.environ.get("CI"):
            pytest.fail("tesseract-ocr is required in CI")
        pytest.skip("tesseract-ocr not installed (apt-get install tesseract-ocr)")
