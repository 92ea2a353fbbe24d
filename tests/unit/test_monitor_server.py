"""Server polling against FakeVLLM (a real loopback HTTP server): every state has a reason, nothing raises."""

from __future__ import annotations

import json

import httpx
import pytest
from fakes import FakeVLLM
from fakes.monitor import VllmLoad, vllm_metrics

from pageindex_tui.discovery import root_url
from pageindex_tui.local.server import free_port
from pageindex_tui.monitor.server import ServerMonitor, short_name

pytestmark = pytest.mark.asyncio


def monitor(endpoint: str, **kwargs: object) -> ServerMonitor:
    options = {"interval": 1.0, "timeout": 1.0, "parse_in_thread": False} | kwargs
    return ServerMonitor(endpoint, **options)  # type: ignore[arg-type]


async def test_a_healthy_vllm() -> None:
    with FakeVLLM() as fake:
        async with monitor(fake.base_url) as mon:
            first = await mon.poll()
            assert first.state == "up" and first.reason == "" and first.http_status == 200
            assert first.kind == "vllm" and first.version == "0.16.0"
            assert first.models == ("Qwen/Qwen3-8B",) and first.context_length == 40960
            assert first.latency is not None and first.latency < 1.0
            assert (
                first.metrics_state == "ok" and first.metrics is not None and first.metrics.flavor == "vllm"
            )
            assert first.rates is not None and first.rates.generation_tps is None  # one scrape: no rate yet
            fake.generation_tokens_total = 500
            second = await mon.poll()
            assert (
                second.rates is not None and second.rates.generation_tps and second.rates.generation_tps > 0
            )
            assert mon.delay() == 1.0
            assert fake.paths.count("GET /v1/models") == 1  # looked at once, not every poll


async def test_old_vllm_metric_names() -> None:
    with FakeVLLM(old_metric_names=True) as fake:
        async with monitor(fake.base_url) as mon:
            status = await mon.poll()
    assert status.metrics is not None and status.metrics.old_names and status.metrics.kv_cache is not None
    assert status.metrics.itl is not None


async def test_several_engines_behind_one_endpoint() -> None:
    with FakeVLLM() as fake:
        fake.metrics_body = vllm_metrics(
            [VllmLoad(running=2, kv_cache=0.5), VllmLoad(running=3, kv_cache=0.3)]
        )
        async with monitor(fake.base_url) as mon:
            status = await mon.poll()
    assert status.metrics is not None and status.metrics.running == 5 and status.metrics.engines == 2


async def test_down_backs_off_and_recovers() -> None:
    port = free_port()
    async with monitor(f"http://127.0.0.1:{port}/v1", interval=1.0, max_backoff=6.0) as mon:
        delays = []
        for _ in range(5):
            status = await mon.poll()
            assert status.state == "down" and status.reason == "connection refused"
            delays.append(mon.delay())
        assert delays == [1.0, 2.0, 4.0, 6.0, 6.0]
        assert status.failures == 5 and status.metrics is None


async def test_what_was_known_is_kept_while_down() -> None:
    # No keep-alive: FakeVLLM's handler threads outlive its shutdown, a killed server's do not.
    client = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0))
    with FakeVLLM() as fake:
        mon = monitor(fake.base_url, client=client)
        assert (await mon.poll()).state == "up"
    try:
        down = await mon.poll()
        assert down.state == "down" and down.stale
        assert down.models == ("Qwen/Qwen3-8B",) and down.context_length == 40960
        assert down.since == down.checked_at
        again = await mon.poll()
        assert again.since == down.since  # the state did not change
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("status", "body", "state", "words"),
    [
        (503, b"", "unhealthy", "/health says 503 Service Unavailable"),
        (
            503,
            json.dumps(
                {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}
            ).encode(),
            "loading",
            "Loading model",
        ),
        (500, json.dumps({"error": {"message": "boom"}}).encode(), "unhealthy", "/health says 500 boom"),
    ],
    ids=["vllm-engine-dead", "llamacpp-loading", "error"],
)
async def test_unhealthy_answers(status: int, body: bytes, state: str, words: str) -> None:
    with FakeVLLM() as fake:
        fake.health_status, fake.health_body = status, body
        async with monitor(fake.base_url) as mon:
            result = await mon.poll()
            assert result.state == state and result.reason == words
            assert mon.delay() == 1.0 and result.http_status == status
            fake.health_status = 200
            assert (await mon.poll()).state == "up"


async def test_slow_server() -> None:
    with FakeVLLM() as fake:
        fake.health_delay = 0.5
        async with monitor(fake.base_url, timeout=0.1) as mon:
            status = await mon.poll()
    assert status.state == "slow" and status.reason == "no answer to /health within 0.1 s"


async def test_garbage_from_models_and_metrics() -> None:
    with FakeVLLM() as fake:
        fake.models_body = "<html>proxy error</html>"
        async with monitor(fake.base_url) as mon:
            status = await mon.poll()
            assert status.state == "garbage" and status.reason == "/v1/models did not answer JSON"
            fake.models_body = json.dumps({"models": "nope"})
            assert (await mon.poll()).reason == "/v1/models did not list models"
            fake.models_body = None
            fake.metrics_body = "<html>nope</html>"
            status = await mon.poll()
            assert status.state == "up" and status.metrics_state == "unreadable"
            assert status.metrics_reason.startswith("/metrics: not Prometheus text")


async def test_metrics_off_and_absent() -> None:
    props = {"default_generation_settings": {"n_ctx": 4096}, "build_info": "b6400-8b4a3e7", "total_slots": 4}
    with FakeVLLM(owned_by="llamacpp", props=props, max_model_len=None) as fake:
        fake.metrics_status = 501
        fake.metrics_body = json.dumps({"error": {"code": 501, "type": "not_supported_error"}})
        async with monitor(fake.base_url) as mon:
            status = await mon.poll()
            assert status.kind == "llamacpp" and status.version == "b6400-8b4a3e7"
            assert status.context_length == 4096 and status.slots == 4
            assert (
                status.metrics_state == "off" and status.metrics_reason == "start llama-server with --metrics"
            )
            fake.metrics_status = 404
            assert (await mon.poll()).metrics_state == "absent"


async def test_a_server_without_health_is_checked_through_models() -> None:
    with FakeVLLM() as fake:
        fake.health_status = 404
        async with monitor(fake.base_url) as mon:
            status = await mon.poll()
            assert status.state == "up" and status.models == ("Qwen/Qwen3-8B",)
            await mon.poll()
        assert fake.paths.count("GET /health") == 1


async def test_the_api_key_is_sent_and_a_refusal_is_reported() -> None:
    with FakeVLLM(api_key="secret") as fake:
        async with monitor(fake.base_url, api_key="wrong") as mon:
            status = await mon.poll()
        assert status.state == "up" and "refused the API key (401)" in status.info_problem
        async with monitor(fake.base_url, api_key="secret") as mon:
            status = await mon.poll()
        assert status.info_problem == "" and status.models == ("Qwen/Qwen3-8B",)


async def test_roots_and_names() -> None:
    assert root_url("http://h:8000/v1/") == "http://h:8000"
    assert root_url("http://h:8000") == "http://h:8000"
    assert short_name("http://127.0.0.1:8000/v1") == "127.0.0.1:8000"


async def test_the_gauge_shows_the_context_the_client_resolves_for_the_configured_model() -> None:
    cards = [
        {"id": "small", "owned_by": "vllm", "max_model_len": 8192},
        {"id": "large", "owned_by": "vllm", "max_model_len": 40960},
    ]
    with FakeVLLM(model="large") as fake:
        fake.models_body = json.dumps({"object": "list", "data": cards})
        async with monitor(fake.base_url) as mon:
            assert (await mon.poll()).context_length == 8192  # no model configured: the first served
        async with monitor(fake.base_url, model="large") as mon:
            status = await mon.poll()
            assert status.context_length == 40960  # the configured model's, not the first's
            assert status.model == "large"  # and the gauge names that model
        async with monitor(fake.base_url, model="large", context_length=16384) as mon:
            assert (await mon.poll()).context_length == 16384  # the setting wins, as in the client
