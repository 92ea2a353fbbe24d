"""LLMClient against the fake vLLM server over loopback."""

import asyncio
import socket
import time

import pytest
from fakes import FakeVLLM, Script, context_overflow, error

from pageindex_tui import events
from pageindex_tui.errors import ContextOverflow, ServerRefused, ServerUnavailable
from pageindex_tui.llm import LLMClient
from pageindex_tui.settings import Settings
from pageindex_tui.store.cache import ResponseCache

HELLO = [{"role": "user", "content": "Say hello"}]


def settings(fake, **values):
    return Settings(endpoint=fake.base_url, **values)


def run(fake_or_settings, body, *, sink=None, cache=None, sleeps=None, limits=None, **values):
    """Run `body(client)` in a fresh event loop with a client on the fake; backoff sleeps are recorded.
    `sink` sees the calls' events; the bound's (LimitChanged) go to `limits` when it is a list."""
    s = fake_or_settings if isinstance(fake_or_settings, Settings) else settings(fake_or_settings, **values)

    def route(event):
        if isinstance(event, events.LimitChanged):
            if limits is not None:
                limits.append(event)
        elif sink is not None:
            sink(event)

    async def go():
        async with LLMClient(s, sink=route, cache=cache) as client:
            client._random = lambda: 1.0

            async def no_wait(seconds):
                if sleeps is not None:
                    sleeps.append(seconds)

            client._sleep = no_wait
            return await body(client)

    return asyncio.run(go())


def chat(**kwargs):
    return lambda client: client.chat(HELLO, doc="d.pdf", purpose="greet", **kwargs)


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# --- connect ----------------------------------------------------------------------------------
def test_connect_reads_the_served_model():
    with FakeVLLM() as fake:
        info = run(fake, lambda c: c.connect())
    assert info.base_url == fake.base_url
    assert (info.models, info.model, info.kind) == (["Qwen/Qwen3-8B"], "Qwen/Qwen3-8B", "vllm")
    assert (info.context_length, info.context_source, info.has_tokenize) == (40960, "server", True)


def test_connect_context_from_settings_props_or_fallback():
    with FakeVLLM() as fake:
        assert run(fake, lambda c: c.connect(), context_length=8192).context_source == "settings"
    with FakeVLLM(max_model_len=None, owned_by="someone", tokenize=False) as fake:
        info = run(fake, lambda c: c.connect())
    assert (info.context_length, info.context_source, info.kind, info.has_tokenize) == (
        32768,
        "fallback",
        "openai-compatible",
        False,
    )
    props = {"default_generation_settings": {"n_ctx": 16384}, "build_info": "b9554-d403f00ec"}
    with FakeVLLM(max_model_len=None, owned_by="llamacpp", props=props) as fake:
        info = run(fake, lambda c: c.connect())
    assert (info.context_length, info.context_source, info.kind) == (16384, "server", "llamacpp")


def test_connect_refuses_a_model_that_is_not_served():
    with FakeVLLM() as fake, pytest.raises(ServerRefused) as caught:
        run(fake, lambda c: c.connect(), model="llama-3")
    assert "llama-3" in str(caught.value) and "Qwen/Qwen3-8B" in str(caught.value)


def test_connect_with_a_wrong_key_is_refused():
    with FakeVLLM(api_key="secret") as fake, pytest.raises(ServerRefused) as caught:
        run(fake, lambda c: c.connect(), api_key="wrong")
    assert "api key" in str(caught.value).lower() and "api_key" in caught.value.hint
    with FakeVLLM(api_key="secret") as fake:
        assert run(fake, lambda c: c.connect(), api_key="secret").model == "Qwen/Qwen3-8B"


def test_closed_port_is_server_unavailable_fast():
    url = closed_port_url()
    started = time.monotonic()
    with pytest.raises(ServerUnavailable) as caught:
        run(Settings(endpoint=url), chat())
    assert time.monotonic() - started < 3
    assert url in str(caught.value) and "is the server running" in caught.value.hint


# --- streaming and reasoning ------------------------------------------------------------------
@pytest.mark.parametrize("style", ["reasoning", "reasoning_content", "both", "inline"])
def test_reasoning_and_answer_are_split_for_every_field_style(style):
    seen = []
    script = Script(reasoning="The user wants a greeting. Fine.", answer='{"greeting": "hello"}')
    with FakeVLLM(reasoning_field=style, replies=[script], chunk=3) as fake:
        reply = run(fake, chat(), sink=seen.append)
    assert reply.text == '{"greeting": "hello"}'
    assert reply.reasoning == "The user wants a greeting. Fine."
    streamed_reasoning = "".join(e.text for e in seen if isinstance(e, events.ReasoningDelta))
    streamed_answer = "".join(e.text for e in seen if isinstance(e, events.AnswerDelta))
    assert streamed_reasoning.strip() == "The user wants a greeting. Fine."  # "both" is not doubled
    assert streamed_answer == '{"greeting": "hello"}'
    assert "think>" not in reply.text


def test_think_tags_cut_across_chunks():
    pieces = ["<thi", "nk>plan", " it</th", 'ink>\n\n{"a"', ": 1}"]
    with FakeVLLM(replies=[Script(pieces=pieces)]) as fake:
        reply = run(fake, chat())
    assert (reply.reasoning, reply.text) == ("plan it", '{"a": 1}')


def test_close_tag_only_content_is_reasoning_first():
    pieces = ["The template", " opened the block.", "</think>", "\n\nHello!"]
    with FakeVLLM(replies=[Script(pieces=pieces)]) as fake:
        reply = run(fake, chat())
    assert (reply.reasoning, reply.text) == ("The template opened the block.", "Hello!")


def test_events_in_order_with_usage_and_ttft():
    seen = []
    with FakeVLLM(replies=[Script(reasoning="abcdefgh", answer="Hello there")]) as fake:

        async def body(client):
            reply = await client.chat(HELLO, doc="d.pdf", purpose="greet")
            return reply, client

        reply, client = run(fake, body, sink=seen.append)
    assert isinstance(seen[0], events.CallQueued) and isinstance(seen[1], events.CallStarted)
    assert isinstance(seen[-1], events.CallFinished)
    queued, started, finished = seen[0], seen[1], seen[-1]
    assert (queued.doc, queued.call_id, queued.purpose) == ("d.pdf", 1, "greet")
    assert (started.doc, started.call_id, started.purpose) == ("d.pdf", 1, "greet")
    assert started.prompt_tokens == 2 + 8  # two words by /tokenize plus the template allowance
    deltas = seen[2:-1]
    assert [type(e) for e in deltas] == [events.ReasoningDelta] * 2 + [events.AnswerDelta] * 3
    assert [e.text for e in deltas] == ["abcd", "efgh", "Hell", "o th", "ere"]
    assert finished.outcome == "ok" and finished.call_id == 1
    assert (finished.prompt_tokens, finished.completion_tokens, finished.reasoning_tokens) == (2, 5, 2)
    assert finished.ttft is not None and 0 < finished.ttft <= finished.seconds
    assert (reply.prompt_tokens, reply.completion_tokens, reply.reasoning_tokens) == (2, 5, 2)
    assert (reply.finish_reason, reply.cached, reply.ttft) == ("stop", False, finished.ttft)
    assert (client.calls, client.prompt_tokens, client.completion_tokens, client.ttfts) == (
        1,
        2,
        5,
        [reply.ttft],
    )


@pytest.mark.parametrize(
    ("thinking", "sampling"), [(True, (0.6, 0.95, 20, 0.0)), (False, (0.7, 0.8, 20, 0.0))]
)
def test_thinking_mode_sends_template_kwargs_and_matching_sampling(thinking, sampling):
    with FakeVLLM(replies=[Script(reasoning="hmm", answer="hi")]) as fake:
        reply = run(fake, chat(), thinking=thinking)
    body = fake.requests[0]
    assert body["chat_template_kwargs"] == {"enable_thinking": thinking}
    assert (body["temperature"], body["top_p"], body["top_k"], body["min_p"]) == sampling
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 4096 and body["model"] == "Qwen/Qwen3-8B"
    assert reply.reasoning == ("hmm" if thinking else "")
    assert not [key for key in body if key.startswith("guided")]


def test_user_temperature_overrides_the_guidance():
    with FakeVLLM() as fake:
        run(fake, chat(), temperature=0.3)
    assert fake.requests[0]["temperature"] == 0.3


# --- structured output ------------------------------------------------------------------------
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}


def test_schema_is_sent_as_response_format():
    with FakeVLLM(replies=['{"title": "A"}']) as fake:
        run(fake, chat(schema=SCHEMA))
    body = fake.requests[0]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": SCHEMA},
    }
    assert not [key for key in body if key.startswith("guided")]


def test_refused_response_format_falls_back_to_plain_and_is_remembered():
    seen = []
    with FakeVLLM(structured=False, default=lambda body: Script(answer='{"title": "A"}')) as fake:

        async def twice(client):
            first = await client.chat(HELLO, doc="d", purpose="one", schema=SCHEMA)
            second = await client.chat(HELLO, doc="d", purpose="two", schema=SCHEMA)
            return first, second

        first, second = run(fake, twice, sink=seen.append)
    assert first.text == second.text == '{"title": "A"}'
    assert ["response_format" in body for body in fake.requests] == [True, False, False]
    outcomes = [e.outcome for e in seen if isinstance(e, events.CallFinished)]
    assert outcomes == ["retry", "ok", "ok"]


# --- retries ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "failure",
    [
        error(429, "Too many requests"),
        error(500, "EngineCore encountered an issue"),
        error(503, "Service Unavailable"),
        Script(answer="partial answer text", stream_error="engine died mid-request"),
        Script(close=True),
        Script(answer="partial answer text", close_mid_stream=True),
    ],
    ids=["429", "500", "503", "mid-stream-error", "closed", "closed-mid-stream"],
)
def test_transient_failures_are_retried(failure):
    seen, sleeps = [], []
    with FakeVLLM(replies=[failure, "recovered"]) as fake:
        reply = run(fake, chat(), sink=seen.append, sleeps=sleeps)
    assert reply.text == "recovered"
    assert len(fake.requests) == 2
    finished = [e for e in seen if isinstance(e, events.CallFinished)]
    assert [e.outcome for e in finished] == ["retry", "ok"]
    assert finished[0].error and finished[0].call_id != finished[1].call_id
    assert sleeps == [0.5]


def test_backoff_is_exponential_then_gives_up():
    seen, sleeps = [], []
    with (
        FakeVLLM(default=lambda body: error(500, "boom")) as fake,
        pytest.raises(ServerUnavailable) as caught,
    ):
        run(fake, chat(), sink=seen.append, sleeps=sleeps, max_retries=3)
    assert len(fake.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert [e.outcome for e in seen if isinstance(e, events.CallFinished)] == ["retry"] * 3 + ["error"]
    assert fake.base_url in str(caught.value) and "500" in str(caught.value)
    queued = [e for e in seen if isinstance(e, events.CallQueued)]  # each attempt names the one it retries
    assert [e.retry_of for e in queued] == [None, *(e.call_id for e in queued[:-1])]


def test_backoff_is_capped_and_retry_after_is_honoured():
    sleeps = []
    replies = [
        error(429, "slow down", headers={"Retry-After": "3"}),
        error(503, "busy", headers={"Retry-After": "120"}),
    ]
    replies += [error(500, "x")] * 5 + ["ok"]
    with FakeVLLM(replies=replies) as fake:
        assert run(fake, chat(), sleeps=sleeps, max_retries=8).text == "ok"
    assert sleeps == [3.0, 30.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (error(400, "temperature must be non-negative, got -1."), "temperature must be non-negative"),
        (error(404, "The model `Qwen/Qwen3-8B` does not exist.", param="model"), "Qwen/Qwen3-8B"),
        (error(422, "Unprocessable"), "422"),
    ],
)
def test_client_errors_are_not_retried(failure, words):
    seen = []
    with FakeVLLM(replies=[failure]) as fake, pytest.raises(ServerRefused) as caught:
        run(fake, chat(), sink=seen.append)
    assert len(fake.requests) == 1
    assert words in str(caught.value)
    assert [e.outcome for e in seen if isinstance(e, events.CallFinished)] == ["error"]


def test_timeout_is_server_unavailable_naming_the_wait():
    with FakeVLLM(default=lambda body: Script(answer="late", delay=1.0)) as fake:
        with pytest.raises(ServerUnavailable) as caught:
            run(fake, chat(), request_timeout=0.3, max_retries=1)
        assert len(fake.requests) == 2
    assert "timed out after 0.3 s" in str(caught.value)


# --- context ----------------------------------------------------------------------------------
def test_prompt_too_big_is_refused_before_sending():
    big = [{"role": "user", "content": "word " * 2000}]
    with FakeVLLM(max_model_len=1000) as fake, pytest.raises(ContextOverflow) as caught:
        run(fake, lambda c: c.chat(big, doc="d", purpose="summarize 0003"))
    assert fake.requests == []
    err = caught.value
    assert (err.prompt_tokens, err.limit) == (2008, 1000)
    assert "summarize 0003" in str(err) and "2008" in str(err) and "1000" in str(err)


def test_max_tokens_is_lowered_to_what_fits():
    prompt = [{"role": "user", "content": "word " * 500}]
    with FakeVLLM(max_model_len=1000) as fake:
        run(fake, lambda c: c.chat(prompt, doc="d", purpose="p"))
    assert fake.requests[0]["max_tokens"] == 1000 - 508


def test_server_context_overflow_maps_to_context_overflow():
    with FakeVLLM(replies=[context_overflow(prompt=50000, limit=40960)]) as fake:
        with pytest.raises(ContextOverflow) as caught:
            run(fake, chat())
        assert len(fake.requests) == 1
    assert (caught.value.prompt_tokens, caught.value.limit) == (50000, 40960)
    llama = Script(
        status=400,
        body={
            "error": {
                "code": 400,
                "type": "exceed_context_size_error",
                "n_prompt_tokens": 13392,
                "n_ctx": 8192,
                "message": "request (13392 tokens) exceeds the available context size (8192 tokens), "
                "try increasing it",
            }
        },
    )
    with FakeVLLM(replies=[llama]) as fake, pytest.raises(ContextOverflow) as caught:
        run(fake, chat())
    assert (caught.value.prompt_tokens, caught.value.limit) == (13392, 8192)


def test_server_overflow_with_room_left_retries_with_a_shorter_reply():
    with FakeVLLM(replies=[context_overflow(prompt=40000, limit=40960), "fits"]) as fake:
        assert run(fake, chat()).text == "fits"
    assert [body["max_tokens"] for body in fake.requests] == [4096, 40960 - 40000 - 8]


# --- concurrency, cancellation, cache, tokens -------------------------------------------------
def test_concurrency_bound_is_respected():
    with FakeVLLM(default=lambda body: Script(answer="x", delay=0.15)) as fake:

        async def many(client):
            return await asyncio.gather(*(client.chat(HELLO, doc="d", purpose=f"n{i}") for i in range(6)))

        replies = run(fake, many, concurrency=2)
    assert [r.text for r in replies] == ["x"] * 6
    assert fake.max_active == 2


def test_a_call_waiting_on_the_bound_is_queued_until_a_place_is_free():
    """CallQueued when a call waits under the concurrency bound, CallStarted only once it is sent: with
    one place, the call that starts second starts after the one that started first has finished, and one
    cancelled while it waits ends as cancelled without ever starting. Which of the first two reaches the
    place first is the event loop's choice (both connect first), so the test reads it from the events."""
    seen: list = []
    with FakeVLLM(default=lambda body: Script(answer="x", delay=0.3)) as fake:

        async def three(client):
            first = asyncio.create_task(client.chat(HELLO, doc="d", purpose="first"))
            second = asyncio.create_task(client.chat(HELLO, doc="d", purpose="second"))
            third = asyncio.create_task(client.chat(HELLO, doc="d", purpose="third"))
            while sum(isinstance(e, events.CallQueued) for e in seen) < 3:
                await asyncio.sleep(0.01)
            third.cancel()
            with pytest.raises(asyncio.CancelledError):
                await third
            return await asyncio.gather(first, second)

        replies = run(fake, three, sink=seen.append, concurrency=1)
    assert [r.text for r in replies] == ["x", "x"]
    ids = {e.purpose: e.call_id for e in seen if isinstance(e, events.CallQueued)}
    order = [(type(e).__name__, e.call_id) for e in seen if not isinstance(e, events.AnswerDelta)]
    started = [call_id for kind, call_id in order if kind == "CallStarted"]
    assert sorted(started) == sorted([ids["first"], ids["second"]])
    assert order.index(("CallStarted", started[1])) > order.index(("CallFinished", started[0]))
    assert ("CallStarted", ids["third"]) not in order
    ended = [e for e in seen if isinstance(e, events.CallFinished) and e.call_id == ids["third"]]
    assert [e.outcome for e in ended] == ["cancelled"]
    assert len(fake.requests) == 2


def test_cancel_closes_the_call_with_outcome_cancelled():
    seen = []
    with FakeVLLM(default=lambda body: Script(answer="slow", delay=2.0)) as fake:

        async def cancel(client):
            task = asyncio.create_task(client.chat(HELLO, doc="d", purpose="p"))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return True

        assert run(fake, cancel, sink=seen.append)
    assert isinstance(seen[0], events.CallQueued) and isinstance(seen[1], events.CallStarted)
    assert isinstance(seen[-1], events.CallFinished) and seen[-1].outcome == "cancelled"


def test_cache_hit_replays_without_a_request(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    with FakeVLLM(replies=[Script(reasoning="thinking", answer="Hello")]) as fake:
        first = run(fake, chat(), cache=cache)
        seen = []

        async def again(client):
            return await client.chat(HELLO, doc="d.pdf", purpose="greet"), client

        second, client = run(fake, again, cache=cache, sink=seen.append)
        assert len(fake.requests) == 1
    assert (second.text, second.reasoning, second.cached) == ("Hello", "thinking", True)
    assert (second.completion_tokens, second.prompt_tokens) == (first.completion_tokens, first.prompt_tokens)
    assert [type(e) for e in seen] == [
        events.CallStarted,
        events.ReasoningDelta,
        events.AnswerDelta,
        events.CallFinished,
    ]
    assert seen[-1].outcome == "cached" and seen[2].text == "Hello"
    assert (client.cached_calls, client.calls) == (1, 0)


def test_truncated_replies_are_cached_with_their_finish_reason(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    with FakeVLLM(default=lambda body: Script(answer="a long answer that will be cut")) as fake:
        first = run(fake, chat(max_tokens=2), cache=cache)
        second = run(fake, chat(max_tokens=2), cache=cache)
    assert first.finish_reason == "length" and second.finish_reason == "length" and second.cached
    assert len(fake.requests) == 1


def test_count_tokens_uses_tokenize_and_memoises():
    with FakeVLLM() as fake:

        async def count(client):
            return [await client.count_tokens("one two three"), await client.count_tokens("one two three")]

        assert run(fake, count) == [3, 3]
        assert len(fake.tokenize_requests) == 2  # the probe, then one real count
        body = fake.tokenize_requests[1]
        assert body == {"model": "Qwen/Qwen3-8B", "prompt": "one two three", "content": "one two three"}
    with FakeVLLM(tokenize=False) as fake:
        assert run(fake, lambda c: c.count_tokens("a" * 32)) == 10


def test_one_rule_decides_the_model_and_its_context():
    from pageindex_tui.discovery import (
        FALLBACK_CONTEXT_LENGTH,
        LlamaProps,
        ModelCard,
        ModelChoice,
        choose_model,
    )

    cards = [ModelCard("a", max_model_len=8192), ModelCard("b", max_model_len=40960)]
    cards.append(ModelCard("lora", parent="b"))
    assert choose_model(cards, None) == ModelChoice("a", 8192, "server")
    assert choose_model(cards, None, "lora").context_length == 40960  # an adapter's base model's
    assert choose_model(cards, None, "b", 4096).context_source == "settings"
    llama = [ModelCard("m", owned_by="llamacpp", meta_n_ctx=2048)]
    assert choose_model(llama, LlamaProps("b1", 4096, 4)).context_length == 4096  # the per-slot context
    assert choose_model(llama, None).context_length == 2048
    assert choose_model([], None) == ModelChoice("", FALLBACK_CONTEXT_LENGTH, "fallback")


# --- the bound fits the server (issue 22, build 3) --------------------------------------------
LLAMA_PROPS = {"default_generation_settings": {"n_ctx": 4096}, "build_info": "b1", "total_slots": 4}


@pytest.mark.parametrize(
    ("concurrency", "limit", "reason"),
    [
        (0, 4, "the server's 4 slots"),  # adaptive: starts at the slots, not at 8
        (8, 4, "the concurrency setting, cut to the server's 4 slots"),  # fixed: never above them
        (2, 2, "the concurrency setting"),  # fixed below the slots: kept
    ],
)
def test_a_llamacpp_servers_slot_count_caps_the_bound(concurrency, limit, reason):
    limits: list[events.LimitChanged] = []
    slow = lambda body: Script(answer="x", delay=0.1)  # noqa: E731
    with FakeVLLM(owned_by="llamacpp", props=LLAMA_PROPS, default=slow) as fake:

        async def many(client):
            return await asyncio.gather(*(client.chat(HELLO, doc="d", purpose=f"n{i}") for i in range(10)))

        replies = run(fake, many, limits=limits, concurrency=concurrency)
    assert [r.text for r in replies] == ["x"] * 10
    assert (limits[0].limit, limits[0].reason) == (limit, reason)
    assert fake.max_active <= limit


def test_a_server_that_does_not_say_its_slots_keeps_the_safe_start():
    limits: list[events.LimitChanged] = []
    props = {"default_generation_settings": {"n_ctx": 4096}, "build_info": "b1"}  # no total_slots
    with FakeVLLM(owned_by="llamacpp", props=props) as fake:
        run(fake, lambda c: c.connect(), limits=limits, concurrency=0)
    assert (limits[0].limit, limits[0].reason) == (8, "a safe start")


def test_the_adaptive_bound_never_grows_past_the_servers_slots():
    from pageindex_tui.llm.adaptive import CallBound
    from pageindex_tui.llm.scheduler import Load

    bound = CallBound(Settings(concurrency=0), events.ignore)
    bound.fit_server(4)
    bound.scheduler.in_flight = 4  # the whole bound in use, the server idle: it would grow
    assert bound.observe(Load(waiting=0.0, kv_usage=0.1)).limit == 4
    assert bound.observe(Load(waiting=0.0, slots=4)).limit == 4
    bound.scheduler.in_flight = 0
