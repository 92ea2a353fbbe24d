"""Scripted model behaviours shared by the engine and app tests."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable

from .vllm_server import Script, error


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


class Outage:
    """Summaries that work `budget` times, then fail with 503 (`on_outage` runs once, then) until `up` is set;
    with `hold`, the summaries after the budget hang instead (for cancelling mid-run)."""

    def __init__(self, budget: int, hold: bool = False, on_outage: Callable[[], None] | None = None) -> None:
        self.budget, self.hold, self.on_outage = budget, hold, on_outage
        self.up = False
        self.asked: list[str] = []  # titles of the summaries asked for (answered or not)
        self._lock = threading.Lock()

    def __call__(self, body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        title = re.search(r'the section "(.*?)" of a document', prompt)
        if title is None:
            return Script(answer="A guide in several parts.")
        with self._lock:
            self.asked.append(title.group(1))
            failing = not self.up and self.budget <= 0
            self.budget -= 1
            on_outage = self.on_outage if failing else None
            if failing:
                self.on_outage = None
        if on_outage is not None:
            on_outage()
        if not failing:
            return Script(answer=f"The part called {title.group(1)} explains its topic.")
        if self.hold:
            return Script(answer="never arrives", delay=60)
        return error(503, "the server is going away")

    def asked_since(self, count: int) -> list[str]:
        with self._lock:
            return self.asked[count:]
