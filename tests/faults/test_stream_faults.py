"""Fault suite, server side: each way a server's reply can go wrong ends in a clear, specific error.

Cases 1, 2 and 6 of issue 10: malformed stream bytes, slow or endless streams, a non-streamed reply to a
stream request, and HTML from /v1/models. Each is retried as the retry policy says, then fails cleanly.
"""

from __future__ import annotations

import asyncio

import pytest
from fakes import FakeVLLM, Script

from pageindex_tui import events
from pageindex_tui.errors import ServerRefused, ServerUnavailable
from pageindex_tui.llm import LLMClient
from pageindex_tui.settings import Settings

HELLO = [{"role": "user", "content": "Say hello"}]
GOOD = Script(answer="Hello there, friend.")


def ask(fake: FakeVLLM, seen: list | None = None, **values):
    """One chat against the fake; backoff costs no time."""
    settings = Settings(endpoint=fake.base_url, **values)

    async def go():
        async with LLMClient(settings, sink=(seen.append if seen is not None else events.ignore)) as client:
            client._sleep = lambda seconds: asyncio.sleep(0)
            return await client.chat(HELLO, doc="d.md", purpose="greet")

    return asyncio.run(go())


GARBLED = {
    "bytes that are not UTF-8": Script(answer="Hello there, friend.", raw=b"\xff\xfe{\x80"),
    "a data line that is not JSON": Script(answer="Hello there, friend.", raw=b"<html>oops</html>"),
}


@pytest.mark.parametrize("what", list(GARBLED))
def test_a_garbled_stream_is_retried_and_the_retry_can_succeed(what):
    seen: list = []
    with FakeVLLM(replies=[GARBLED[what], GOOD], chunk=3) as fake:
        reply = ask(fake, seen, max_retries=2)
    assert reply.text == "Hello there, friend."
    outcomes = [(e.outcome, e.error) for e in seen if isinstance(e, events.CallFinished)]
    assert [o for o, _ in outcomes] == ["retry", "ok"]
    assert what in outcomes[0][1] and "garbled reply stream" in outcomes[0][1]


@pytest.mark.parametrize("what", list(GARBLED))
def test_a_stream_that_stays_garbled_fails_cleanly(what):
    with FakeVLLM(default=lambda body: GARBLED[what], chunk=3) as fake:
        with pytest.raises(ServerUnavailable) as caught:
            ask(fake, max_retries=2)
        assert len(fake.requests) == 3  # the first try and two retries
    assert what in caught.value.message and "check the server's log" in caught.value.hint


def test_a_slow_drip_meets_the_deadline():
    # Each chunk comes well inside the idle timeout, but the whole reply would take 20 chunks x 0.2 s.
    drip = Script(answer="one token at a time " * 4, drip=0.2)
    with FakeVLLM(default=lambda body: drip, chunk=4) as fake:
        with pytest.raises(ServerUnavailable) as caught:
            ask(fake, request_timeout=2.0, request_deadline=0.6, max_retries=1)
        assert len(fake.requests) == 2
    assert "still replying when the 0.6 s deadline for one request passed" in caught.value.message
    assert "--deadline" in caught.value.hint


def test_an_endless_stream_ends_at_the_default_deadline():
    # No --deadline: three idle timeouts. The stream never stops on its own.
    with FakeVLLM(default=lambda body: Script(answer="more", endless=True)) as fake:
        with pytest.raises(ServerUnavailable) as caught:
            ask(fake, request_timeout=1.0, max_retries=0)
        assert len(fake.requests) == 1
    assert "3 s deadline" in caught.value.message


def test_a_non_streamed_reply_says_so():
    with FakeVLLM(default=lambda body: Script(answer="Hi", plain_json=True)) as fake:
        with pytest.raises(ServerRefused) as caught:
            ask(fake, max_retries=3)
        assert len(fake.requests) == 1  # it would answer the same again
    message = caught.value.message
    assert "non-streamed reply (application/json)" in message and "closed the reply stream" not in message
    assert "stream: true" in caught.value.hint


def test_html_from_the_models_route_says_it_is_not_json():
    with FakeVLLM() as fake:
        fake.models_body, fake.models_type = (
            "<!doctype html><html><body>Welcome to nginx</body></html>",
            "text/html",
        )
        with pytest.raises(ServerRefused) as caught:
            ask(fake)
    message = caught.value.message
    assert "/models did not answer JSON" in message and "Welcome to nginx" in message
    assert "serves no models" not in message


def test_an_empty_model_list_still_says_no_models():
    with FakeVLLM() as fake:
        fake.models_body = '{"object": "list", "data": []}'
        with pytest.raises(ServerRefused) as caught:
            ask(fake)
    assert "serves no models" in caught.value.message
