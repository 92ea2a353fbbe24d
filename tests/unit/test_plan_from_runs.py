"""The plan from real runs: a document indexed against the simulated vLLM files a run record in the
library, and `plan` reads its tokens back as the user's workload; documents indexed at once on a (fake)
H100 give the throughput the server delivered, which the plan for that model and GPU takes its hours from."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fakes import FakeVLLM, Script
from fakes.monitor import FakeNVML, h100
from pdfgen import make_outline_pdf

from pageindex_tui.cli.main import main
from pageindex_tui.monitor import energy
from pageindex_tui.plan.measured import busy_seconds
from pageindex_tui.plan.workload import read_records
from pageindex_tui.store.library import Library

TOPICS = ("harbour tides", "grain storage", "bridge inspection")


def test_an_indexed_document_is_the_plan_s_workload(tmp_path, capsys):
    pdf = make_outline_pdf(tmp_path)
    with FakeVLLM() as fake:
        assert (
            main(
                [
                    "index",
                    str(pdf),
                    "-q",
                    "--no-cache",
                    "--endpoint",
                    fake.base_url,
                    "--out",
                    str(tmp_path / "o"),
                ]
            )
            == 0
        )
    entries = Library().entries()
    assert len(entries) == 1
    run = json.loads(entries[0].run_path.read_text(encoding="utf-8"))
    llm = run["llm"]
    assert llm["calls"] > 0 and llm["prompt_tokens"] > 0
    capsys.readouterr()
    assert main(["plan", "--gpu", "L4", "--docs-per-month", "1000", "--tokens-per-second", "500"]) == 0
    out = capsys.readouterr().out
    assert "Your workload (1 document, run records in " in out
    calls, prompt, completion = llm["calls"], llm["prompt_tokens"], llm["completion_tokens"]
    assert f"{calls:,.1f} calls, {prompt:,} prompt + {completion:,} completion" in out
    request = round((llm["prompt_tokens"] + llm["completion_tokens"]) / llm["calls"])
    assert f"typical request {request:,} tokens: the mean call of your runs" in out
    month = f"{llm['prompt_tokens'] * 1000:,} prompt + {llm['completion_tokens'] * 1000:,} completion"
    assert month in out
    assert "500 tokens/s (given: --tokens-per-second)" in out


def index_three_documents(tmp_path, monkeypatch):
    """Three Markdown documents indexed in one batch against the fake vLLM (Qwen/Qwen3-8B) on loopback,
    a fake NVML showing one H100 beside it; their run records."""
    monkeypatch.setattr(energy, "_shared", energy.EnergyMeter(FakeNVML([h100()])))
    folder = tmp_path / "docs"
    folder.mkdir()
    for topic in TOPICS:
        body = f"Notes on {topic}, with figures and the reasons for each of them. " * 30
        sections = "".join(f"\n## {topic.title()} part {n}\n\n{body}\n" for n in range(1, 4))
        (folder / f"{topic.replace(' ', '-')}.md").write_text(f"# {topic.title()}\n{sections}", "utf-8")
    reply = lambda body: Script(answer="A short summary of the section.")  # noqa: E731
    with FakeVLLM(default=reply) as fake:
        argv = ["index", str(folder), "-q", "--no-cache", "--endpoint", fake.base_url]
        assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    energy._shared.close()
    records = read_records(entry.run_path for entry in Library().entries())
    assert len(records) == 3 and all(r.llm.calls > 0 and r.energy is not None for r in records)
    return records


def test_the_measured_rate_gives_the_hours_on_the_same_model_and_gpu(tmp_path, monkeypatch, capsys):
    records = index_three_documents(tmp_path, monkeypatch)
    spans = []
    for r in records:
        end = datetime.fromisoformat(r.finished_at).timestamp()
        spans.append((end - r.wall_seconds, end))
    busy = busy_seconds(spans)
    walls = [r.wall_seconds for r in records]
    assert max(walls) - 0.001 <= busy <= sum(walls) + 0.001  # within a rounded millisecond
    prompt = sum(r.llm.prompt_tokens for r in records) / busy
    completion = sum(r.llm.completion_tokens for r in records) / busy
    capsys.readouterr()
    plan = ["plan", "--gpu", "H100", "--model", "Qwen/Qwen3-8B", "--docs-per-month", "1000"]
    assert main(plan) == 0
    out = " ".join(capsys.readouterr().out.split())  # the report wraps at the terminal's width
    rates = f"{prompt:,.1f} prompt + {completion:,.1f} completion tokens/s"
    assert f"measured {rates} on Qwen/Qwen3-8B (vllm) on 1 x NVIDIA H100 80GB HBM3: 3 runs over" in out
    assert f"throughput {rates} at once (measured on your server: 3 runs over" in out
    mean_prompt = sum(r.llm.prompt_tokens for r in records) / 3 * 1000
    mean_completion = sum(r.llm.completion_tokens for r in records) / 3 * 1000
    hours = max(mean_prompt / prompt, mean_completion / completion) / 3600
    shown = f"{hours:,.1f} h" if hours >= 1 else f"{hours * 60:,.1f} min"
    assert f"GPU-hours {shown} of the month's 730 h (the longer of the prompt's and the completion's" in out
    assert "(estimate:" not in out


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        (["--gpu", "A100-80GB"], "your runs had 1 x NVIDIA H100 80GB HBM3, the plan 1 x A100 80GB"),
        (["--gpu", "H100", "--gpus", "2"], "your runs had 1 x NVIDIA H100 80GB HBM3, the plan 2 x H100 80GB"),
    ],
)
def test_another_gpu_keeps_the_estimate_labelled_so(tmp_path, monkeypatch, capsys, flags, why):
    index_three_documents(tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["plan", *flags, "--model", "Qwen/Qwen3-8B", "--docs-per-month", "1000"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "prefill " in out and "tokens/s (estimate: " in out and "decode " in out
    assert "completion tokens/s on your server (3 runs over" in out
    assert f"counted once), not used: {why}" in out
    assert "prefill and decode times added" in out
