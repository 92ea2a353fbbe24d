"""Scripted model behaviours shared by the engine and app tests."""

from __future__ import annotations

import json
import re

from .vllm_server import Script


def smart_model(body: dict) -> Script:
    """Answers each of the engine's prompts correctly, from the prompt itself (engine and app tests)."""
    prompt = body["messages"][-1]["content"]
    if "BEGINS on these pages" in prompt:
        sections = []
        for page, text in re.findall(r"<page (\d+)>\n(.*?)\n</page \1>", prompt, re.S):
            first = text.strip().splitlines()[0] if text.strip() else ""
            if first in ("Overview", "Details", "Summary"):
                sections.append({"title": first, "level": 1, "page": int(page)})
        return Script(answer=json.dumps({"sections": sections}), reasoning="Looking at the pages one by one.")
    if "Write a summary" in prompt:
        return Script(answer="This section explains its topic in detail.", reasoning="Reading the section.")
    if "one sentence that describes" in prompt:
        return Script(answer="A synthetic test document.")
    if "does the section titled" in prompt:
        return Script(answer='{"page": null}')
    return Script(answer="{}")
