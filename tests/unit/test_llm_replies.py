import asyncio
import json

import pytest
from fakes import FakeVLLM, Script, error
from pydantic import BaseModel, StrictInt

from pageindex_tui import events
from pageindex_tui.errors import BadReply, ServerRefused
from pageindex_tui.llm import LLMClient, ask_json, extract_json
from pageindex_tui.llm.replies import reply_schema, whole_items
from pageindex_tui.settings import Settings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure! Here it is: {"a": [1, 2]} Hope that helps.', {"a": [1, 2]}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ("Some {notes} first\n```\n[1, 2, 3]\n```", [1, 2, 3]),
        ('<think>maybe {"wrong": true}</think>\n{"right": true}', {"right": True}),
        ('I reasoned about {x} here</think>\n\n{"right": 1}', {"right": 1}),
        ('[{"title": "A}"}, {"title": "B]"}]', [{"title": "A}"}, {"title": "B]"}]),
        ('{"a": "say \\"hi\\" {"}', {"a": 'say "hi" {'}),
        ('{"a": [1, 2,], "b": {"c": 3,},}', {"a": [1, 2], "b": {"c": 3}}),
        (
            '{"ok": True, "none": None, "text": "True story, None left"}',
            {"ok": True, "none": None, "text": "True story, None left"},
        ),
        ('Use {braces} like this: {"a": 1}', {"a": 1}),
        ('{"text": "line one\nline two"}', {"text": "line one\nline two"}),
    ],
)
def test_extract_json_is_lenient(text, expected):
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("I could not find any sections.", "no JSON object found"),
        ('{"sections": [{"title": "A", "page": 3}, {"title": "B"', "JSON ends early"),
        ('```json\n{"a": 1, "b": [1, 2\n', "JSON ends early"),
        ('{\n  "a": 1\n  "b": 2\n}', "Expecting ',' delimiter at line 3 column 3"),
        ('<think>only thoughts {"a": 1}', "empty"),
    ],
)
def test_extract_json_says_what_is_wrong(text, reason):
    with pytest.raises(BadReply) as caught:
        extract_json(text)
    assert reason in str(caught.value)


class Pages(BaseModel):
    pages: list[StrictInt]


SCHEMA = {
    "type": "object",
    "properties": {"pages": {"type": "array", "items": {"type": "integer"}}},
    "required": ["pages"],
}


def test_reply_schema_is_plain_and_self_contained():
    class Entry(BaseModel):
        title: str
        page: int | None = None

    class Listing(BaseModel):
        """Not for the model."""

        entries: list[Entry]

    assert reply_schema(Pages) == SCHEMA
    schema = reply_schema(Listing)
    assert "$defs" not in json.dumps(schema) and "Not for the model" not in json.dumps(schema)
    assert schema["properties"]["entries"]["items"]["properties"]["title"] == {"type": "string"}


def ask(fake, sink, attempts=3):
    async def go():
        async with LLMClient(Settings(endpoint=fake.base_url), sink=sink) as client:
            messages = [{"role": "user", "content": "Which pages?"}]
            return await ask_json(
                client,
                messages,
                doc="d.pdf",
                purpose="locate",
                shape=Pages,
                attempts=attempts,
            )

    return asyncio.run(go())


def test_ask_json_retries_with_the_error_shown_to_the_model():
    replies = [Script(answer="Pages one and two."), Script(answer='{"pages": "1-2"}'), '{"pages": [1, 2]}']
    seen = []
    with FakeVLLM(replies=replies) as fake:
        assert ask(fake, seen.append) == Pages(pages=[1, 2])
    assert len(fake.requests) == 3
    second = fake.requests[1]["messages"]
    assert second[1] == {"role": "assistant", "content": "Pages one and two."}
    assert second[2]["role"] == "user" and "no JSON object found" in second[2]["content"]
    assert '"pages"' in second[2]["content"]  # the schema is shown
    third = fake.requests[2]["messages"]
    assert len(third) == 5 and "pages: Input should be a valid list" in third[4]["content"]
    assert all(r["response_format"]["json_schema"]["schema"] == SCHEMA for r in fake.requests)
    assert not [e for e in seen if isinstance(e, events.WarningEvent)]


def test_ask_json_gives_up_with_a_warning():
    seen = []
    with FakeVLLM(default=lambda body: Script(answer="no idea")) as fake:
        assert ask(fake, seen.append, attempts=2) is None
    assert len(fake.requests) == 2
    warnings = [e for e in seen if isinstance(e, events.WarningEvent)]
    assert len(warnings) == 1
    assert warnings[0].doc == "d.pdf"
    assert warnings[0].message == "locate: model reply unusable after 2 tries: no JSON object found"


def test_ask_json_lets_server_errors_through():
    with FakeVLLM(replies=[error(400, "bad request body")]) as fake, pytest.raises(ServerRefused):
        ask(fake, events.ignore)
    assert len(fake.requests) == 1


def test_ask_json_gives_up_when_the_retry_no_longer_fits():
    rambling = " ".join(f"word{i}" for i in range(400))
    seen = []

    async def go(fake):
        settings = Settings(endpoint=fake.base_url, context_length=600, max_output_tokens=450)
        async with LLMClient(settings, sink=seen.append) as client:
            messages = [{"role": "user", "content": "Which pages?"}]
            return await ask_json(client, messages, doc="d.pdf", purpose="locate", shape=Pages)

    with FakeVLLM(default=lambda body: Script(answer=rambling), chunk=64) as fake:
        assert asyncio.run(go(fake)) is None
        assert len(fake.requests) == 1  # the second try was never sent
    warning = next(e for e in seen if isinstance(e, events.WarningEvent))
    assert "no longer fits the context" in warning.message


def test_ask_json_does_not_ask_again_after_a_reply_cut_at_the_limit():
    rambling = Script(answer='{"pages":\n \t \t  \t \t', finish_reason="length")  # no whole item
    seen = []

    async def go(fake, max_tokens):
        async with LLMClient(Settings(endpoint=fake.base_url), sink=seen.append) as client:
            messages = [{"role": "user", "content": "Which pages?"}]
            return await ask_json(
                client, messages, doc="d.pdf", purpose="pages", shape=Pages, max_tokens=max_tokens
            )

    with FakeVLLM(default=lambda body: rambling) as fake:
        assert asyncio.run(go(fake, 40)) is None  # a limit sized for the answer
        assert asyncio.run(go(fake, None)) is None  # the settings' limit
        assert len(fake.requests) == 2  # each asked once: another try would ramble to the limit again
    warnings = [e.message for e in seen if isinstance(e, events.WarningEvent)]
    assert len(warnings) == 2
    assert all(w.startswith("pages: model reply unusable after 1 try: JSON ends early") for w in warnings)
    assert all(w.endswith("(cut off at the length limit: not asked again)") for w in warnings)


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ('{"pages": [{"n": 1}, {"n": 2}, {"n', {"pages": [{"n": 1}, {"n": 2}]}),
        ('{"a": [1, 2], "b": [{"li', {"a": [1, 2]}),  # a member of the outermost object is whole
        ('```json\n{"pages": [3, 4, 1', {"pages": [3, 4]}),  # the last number may be cut short
        ('{"t": "a, ] b", "pages": [7', {"t": "a, ] b"}),  # brackets and commas in strings are text
        ("[1, 2, 3", [1, 2]),
        ('{"pages": [1, 2]}', None),  # whole: not a cut reply
        ('{"pages": [{"n": 1', None),  # nothing whole before the cut
        ("no JSON at all", None),
    ],
)
def test_a_reply_cut_in_a_list_gives_its_whole_items(text, whole):
    assert whole_items(text) == whole


def test_ask_json_takes_the_whole_items_of_a_list_cut_at_the_limit():
    cut = Script(answer='{"pages": [1, 2, 3, 1', finish_reason="length")
    seen = []
    with FakeVLLM(default=lambda body: cut) as fake:
        assert ask(fake, seen.append) == Pages(pages=[1, 2, 3])
        assert len(fake.requests) == 1  # never asked again: the retry would be cut again
    warnings = [e.message for e in seen if isinstance(e, events.WarningEvent)]
    assert warnings == ["locate: the reply was cut at the length limit; its whole items used"]
