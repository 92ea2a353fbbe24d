"""doctor's GPU check inside a container: a missing GPU is most often one the container was not given."""

from __future__ import annotations

from pageindex_tui.monitor.doctor import INFO, gpu_checks
from pageindex_tui.monitor.gpu import GpuSnapshot


def test_no_gpu_inside_a_container_says_how_to_pass_one_in():
    snapshot = GpuSnapshot(state="no-driver", reason="no NVIDIA driver here (the NVML library was not found)")
    inside = gpu_checks(snapshot, container=True)
    assert [c.level for c in inside] == [INFO]
    assert "docker run --gpus all" in inside[0].fix and "NVIDIA Container Toolkit" in inside[0].fix
    outside = gpu_checks(snapshot, container=False)
    assert outside[0].message == inside[0].message and "docker" not in outside[0].fix
    assert "install the NVIDIA driver" in outside[0].fix
