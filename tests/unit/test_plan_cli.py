"""`pageindex-tui plan`: usage errors, the report, and the files --write leaves (parsed back)."""

from __future__ import annotations

import configparser
import json
from typing import Any

from pageindex_tui.cli.main import main
from pageindex_tui.plan.deploy import compose_yaml, serve_args, systemd_unit
from pageindex_tui.plan.gpus import find_gpu
from pageindex_tui.plan.sizing import Box, recommend


def parse_compose(text: str) -> dict[str, Any]:
    """The YAML subset compose.yaml is written in: block mappings, block lists, every value JSON.

    Anything else in the file (a tab, a plain unquoted scalar, a bad indent) fails here."""
    rows = [
        (len(line) - len(line.lstrip(" ")), line.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert all("\t" not in row for _, row in rows)

    def block(start: int, indent: int) -> tuple[Any, int]:
        if rows[start][1].startswith("- "):
            items, at = [], start
            while at < len(rows) and rows[at][0] == indent and rows[at][1].startswith("- "):
                items.append(json.loads(rows[at][1][2:]))
                at += 1
            return items, at
        mapping: dict[str, Any] = {}
        at = start
        while at < len(rows) and rows[at][0] == indent:
            key, colon, rest = rows[at][1].partition(":")
            assert colon and key.isidentifier(), rows[at]
            if rest.strip():
                mapping[key] = json.loads(rest)
                at += 1
            else:
                assert rows[at + 1][0] > indent, rows[at]
                mapping[key], at = block(at + 1, rows[at + 1][0])
        return mapping, at

    data, end = block(0, 0)
    assert end == len(rows), rows[end:]
    return data


def choice():
    found = recommend(Box(find_gpu("RTX 4090"), count=2), 32768, 6000, 4)
    assert found is not None
    return found


def test_compose_file_runs_the_recommended_server_with_health_check_restart_and_gpus():
    plan = choice()
    data = parse_compose(compose_yaml(plan))
    service = data["services"]["vllm"]
    assert service["image"].startswith("vllm/vllm-openai")
    assert service["command"] == serve_args(plan)
    assert service["command"][:2] == ["--model", plan.fit.repo]
    assert "--tensor-parallel-size" in service["command"] and "--reasoning-parser" in service["command"]
    assert service["restart"] == "unless-stopped"
    assert "/health" in " ".join(service["healthcheck"]["test"])
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 2, "capabilities": ["gpu"]}]
    assert any(v.endswith(":/root/.cache/huggingface") for v in service["volumes"])
    assert service["ports"] == ["8000:8000"]


def test_systemd_unit_runs_the_same_command():
    plan = choice()
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(systemd_unit(plan))
    start = unit["Service"]["ExecStart"].split()
    assert start[:3] == ["/usr/bin/env", "vllm", "serve"] and start[3:-2] == plan.argv[2:]
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_plan_prints_the_fit_table_and_the_command(capsys):
    code = main(["plan", "--gpu", "RTX 3060", "--context", "16384", "--parallel", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Qwen3-8B" in out and "26,333" in out
    assert "vllm serve Qwen/Qwen3-8B-AWQ" in out and "--max-model-len 16384" in out
    # The test's library is empty: the typical request is the largest the settings allow.
    assert "no run records: the largest request your settings allow" in out


def test_plan_writes_compose_and_unit(tmp_path, capsys):
    code = main(["plan", "--gpu", "L40S", "--write", str(tmp_path / "deploy")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "(asked: 1;" in out  # no run records: one request of the settings' largest must fit
    compose = parse_compose((tmp_path / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    assert compose["services"]["vllm"]["command"][1].startswith("Qwen/Qwen3-")
    assert (tmp_path / "deploy" / "vllm.service").read_text(encoding="utf-8").count("ExecStart=") == 1
    assert sorted(p.name for p in (tmp_path / "deploy").iterdir()) == ["compose.yaml", "vllm.service"]


def test_usage_errors_exit_2_with_a_clear_message(capsys):
    for argv, message in (
        (["plan", "--gpu", "A100"], "could be A100 40GB or A100 80GB"),
        (["plan", "--gpu", "Voodoo 5"], "unknown GPU 'Voodoo 5'; known: RTX 3060 12GB"),
        (["plan", "--gpu", "L4", "--gpus", "3"], "--gpus 3: tensor parallel takes 1, 2, 4 or 8"),
        (["plan", "--gpu", "L4", "--gpu-memory-utilization", "1.5"], "outside 0.1-0.99"),
        (["plan", "--gpu", "L4", "--docs-per-month", "0"], "--docs-per-month must be 1 or more"),
        (["plan", "--gpu", "L4", "--kwh-price", "-1"], "--kwh-price cannot be negative"),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err


def test_write_into_a_file_fails_cleanly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["plan", "--gpu", "L4", "--write", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "--write" in err and "Traceback" not in err


def test_a_running_server_is_compared_with_the_plan(capsys):
    from fakes import FakeVLLM

    with FakeVLLM(model="Qwen/Qwen3-8B-FP8", max_model_len=40960) as fake:
        fake.cache_blocks = 5_000  # 80,000 tokens of KV cache by the server's count
        code = main(["plan", "--gpu", "RTX 4090", "--parallel", "1", "--server", fake.base_url])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"Your server ({fake.base_url}): vllm, Qwen/Qwen3-8B-FP8, --max-model-len 40960" in out
    # The plan for Qwen3-8B-FP8 on a 4090 at 0.90: 82,236 tokens (test_plan_sizing); 80,000 / 82,236 = -3%.
    assert "80,000 tokens by the server's own count; the plan computes 82,236" in out and "(-3%" in out
    assert "--max-model-len 40960 (plan: 32768)" in out


def test_a_server_that_is_down_cannot_be_compared(capsys):
    from pageindex_tui.local.server import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    assert main(["plan", "--gpu", "L4", "--server", url]) == 1
    err = capsys.readouterr().err
    assert f"cannot compare with the server at {url}" in err and "Traceback" not in err


def test_a_context_beyond_qwen3_s_native_length_is_capped_and_said(capsys):
    assert main(["plan", "--gpu", "H100", "--context", "65536", "--parallel", "1"]) == 0
    out = capsys.readouterr().out
    assert "--max-model-len 40960" in out and "65536 tokens is beyond Qwen3's native 40960" in out
    assert "fit no model here" not in out
    # At 0.7 of an RTX 3060 (8.4 GiB) no model above 1.7B holds a 32K request: the context is cut.
    assert main(["plan", "--gpu", "RTX 3060", "--gpu-memory-utilization", "0.7", "--parallel", "1"]) == 0
    out = capsys.readouterr().out
    assert "32768 tokens fit no model here; the context is cut to 16384" in out
    assert "vllm serve Qwen/Qwen3-4B-AWQ" in out and "--max-model-len 16384" in out


def test_without_gpu_the_plan_is_for_the_gpus_nvml_sees(capsys, monkeypatch):
    from fakes.monitor import FakeNVML, h100

    from pageindex_tui.cli import plan as plan_cli
    from pageindex_tui.monitor.gpu import GpuSampler

    seen = [h100(), h100(), h100()]  # three alike: tensor parallel takes two
    monkeypatch.setattr(plan_cli, "GpuSampler", lambda: GpuSampler(FakeNVML(seen), proc_dir=None))
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pageindex-tui plan: 2 x H100 80GB (80.0 GiB, compute 9.0)")  # NVML's 80 GiB
    assert "--tensor-parallel-size 2" in out
    monkeypatch.setattr(plan_cli, "GpuSampler", lambda: GpuSampler(FakeNVML([]), proc_dir=None))
    assert main(["plan"]) == 2
    assert "no GPU visible here: name one with --gpu" in capsys.readouterr().err


def test_a_chosen_model_replaces_the_recommendation_or_says_why_it_does_not_fit(capsys):
    code = main(["plan", "--gpu", "RTX 4090", "--parallel", "1", "--model", "Qwen/Qwen3-4B"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Your choice\n  Qwen3-4B at BF16 (Qwen/Qwen3-4B)" in out and "vllm serve Qwen/Qwen3-4B \\" in out
    assert main(["plan", "--gpu", "RTX 4090", "--model", "Qwen/Qwen3-32B"]) == 0
    out = capsys.readouterr().out
    assert "Qwen3-32B at BF16 does not fit RTX 4090 24GB (24.0 GiB, compute 8.9): weights 61.1 GiB" in out
    assert "vllm serve" not in out
    assert main(["plan", "--gpu", "L4", "--model", "meta-llama/Llama-3.1-8B"]) == 2
    err = capsys.readouterr().err
    assert "not a Qwen3 checkpoint the plan knows" in err and "Qwen/Qwen3-8B-FP8" in err
