"""The installed llama-server (from `pageindex-tui install-local`): portable, diagnosed, checked by doctor."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from pageindex_tui.cli.main import main
from pageindex_tui.errors import LocalServerError
from pageindex_tui.local.install import build_key, installed_server
from pageindex_tui.local.server import LocalServer, default_model

pytestmark = pytest.mark.integration
WIDE_REGISTERS = re.compile(rb"%zmm\d|%ymm\d|%k[0-7]\b|%tmm\d")  # AVX-512, AVX, AVX-512 masks, AMX tiles


@pytest.fixture(scope="module")
def binary() -> Path:
    found = installed_server()
    if found.binary is None:
        if os.environ.get("CI"):
            pytest.fail("llama-server is required in CI: run `pageindex-tui install-local`")
        pytest.skip("llama-server not installed (pageindex-tui install-local)")
    return found.binary


def test_the_installed_server_is_the_portable_build(binary):
    found = installed_server()
    assert found.marker is not None, "not built by install-local (no marker, or the binary changed since)"
    assert found.marker.key == build_key() and "-DGGML_NATIVE=OFF" in found.marker.flags


def test_only_the_cpu_variants_use_wide_vector_registers(binary):
    """All but the per-CPU backends is baseline x86-64, and so is the variant it falls back to."""
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) not installed")
    folder = binary.parent
    variants = sorted(p.name for p in folder.glob("libggml-cpu-*.so"))
    assert "libggml-cpu-x64.so" in variants and "libggml-cpu-haswell.so" in variants
    common = [binary, *(p for p in folder.glob("lib*.so*") if not p.name.startswith("libggml-cpu-"))]
    assert len(common) >= 3  # llama-server, libllama, libggml-base, ...
    for path in [*common, folder / "libggml-cpu-x64.so"]:
        code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(path)], capture_output=True).stdout
        found = WIDE_REGISTERS.search(code)
        assert found is None, f"{path.name} uses {found.group().decode() if found else ''}"


def qemu_wrapper(tmp_path: Path, binary: Path, cpu: str) -> Path:
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        if os.environ.get("CI"):
            pytest.fail("qemu-x86_64 is required in CI (Debian's qemu-user; .ci/run installs it)")
        pytest.skip("qemu-x86_64 not installed (Debian's qemu-user)")
    tmp_path.mkdir(parents=True, exist_ok=True)
    wrapper = tmp_path / "llama-server"
    wrapper.write_text(f'#!/bin/sh\nexec {qemu} -cpu {cpu} {binary} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def test_it_runs_on_cpus_without_avx512_and_without_avx(binary, tmp_path):
    """Emulated CPUs: a Nehalem (SSE4.2, no AVX at all) loads the backends; a Haswell (AVX2, no AVX-512,
    no AMX) starts the server: it answers /health only after loading the model and its start-up warm-up,
    one decode through the CPU backend. A generation under the emulator takes minutes, so the warm-up
    stands for it."""
    nehalem = qemu_wrapper(tmp_path / "nehalem", binary, "Nehalem")
    listed = subprocess.run([str(nehalem), "--list-devices"], capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    haswell = qemu_wrapper(tmp_path / "haswell", binary, "Haswell")
    with LocalServer(binary=haswell, context=256, parallel=1, threads=2, startup_timeout=900) as server:
        assert httpx.get(f"{server.root}/health", timeout=30).status_code == 200
        assert server.exit_error() is None


def test_a_port_in_use_is_reported_as_such(binary):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LocalServerError) as caught:
            LocalServer(binary=binary, port=port, context=512, parallel=1).start()
    assert f"port {port}" in caught.value.message and "already in use" in caught.value.message


def test_a_damaged_model_file_is_reported_with_the_log(binary, tmp_path):
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(default_model().read_bytes()[:4096])  # a real header, cut short
    with pytest.raises(LocalServerError) as caught:
        LocalServer(damaged, binary=binary, context=512, parallel=1).start()
    assert "could not load the model" in caught.value.message
    assert "last lines of its log" in caught.value.hint


def test_doctor_local_starts_it_and_gets_a_one_token_completion(binary, capsys):
    assert main(["doctor", "--local"]) == 0
    out = capsys.readouterr().out
    assert "one-token chat completion" in out and "[FAIL]" not in out


def test_doctor_local_reports_a_server_that_cannot_start(binary, tmp_path, capsys):
    bad = tmp_path / "model.gguf"
    bad.write_text("not a model")
    assert main(["doctor", "--local", "--local-model", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] the embedded llama-server (--local) does not work" in out and "not a GGUF" in out
