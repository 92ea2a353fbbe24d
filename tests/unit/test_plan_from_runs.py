"""The plan from real runs: a document indexed against the simulated vLLM files a run record in the
library, and `plan` reads its tokens back as the user's workload."""

from __future__ import annotations

import json

from fakes import FakeVLLM
from pdfgen import make_outline_pdf

from pageindex_tui.cli.main import main
from pageindex_tui.store.library import Library


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
    assert "500 tokens/s (measured on your server: --tokens-per-second)" in out
