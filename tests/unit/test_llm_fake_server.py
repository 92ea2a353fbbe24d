"""The fake vLLM server itself speaks vLLM's wire format."""

import json

import httpx
from fakes import FakeVLLM, Script


def test_health_version_models_tokenize():
    with FakeVLLM() as fake, httpx.Client(base_url=fake.root_url, trust_env=False) as http:
        health = http.get("/health")
        assert (health.status_code, health.content) == (200, b"")
        assert http.get("/version").json() == {"version": "0.16.0"}
        card = http.get("/v1/models").json()["data"][0]
        assert (card["id"], card["owned_by"], card["max_model_len"]) == ("Qwen/Qwen3-8B", "vllm", 40960)
        counted = http.post("/tokenize", json={"model": "Qwen/Qwen3-8B", "prompt": "a b c"}).json()
        assert (counted["count"], counted["tokens"], counted["max_model_len"]) == (3, [0, 1, 2], 40960)
        assert http.get("/props").status_code == 404


def test_stream_matches_vllm_chunk_sequence():
    fake = FakeVLLM(replies=[Script(reasoning="hmm", answer="hi")], reasoning_field="both")
    with fake, httpx.Client(base_url=fake.base_url, trust_env=False) as http:
        body = {
            "model": "Qwen/Qwen3-8B",
            "messages": [{"role": "user", "content": "x"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        text = http.post("/chat/completions", json=body).text
    events = [line[6:] for line in text.split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[1]["choices"][0]["delta"] == {"reasoning": "hmm", "reasoning_content": "hmm"}
    assert chunks[2]["choices"][0]["delta"] == {"content": "hi", "reasoning_content": None}
    assert chunks[3]["choices"][0]["finish_reason"] == "stop" and "stop_reason" in chunks[3]["choices"][0]
    assert chunks[4]["choices"] == [] and chunks[4]["usage"]["completion_tokens"] == 2


def test_metrics_new_and_old_names():
    with FakeVLLM() as fake, httpx.Client(base_url=fake.root_url, trust_env=False) as http:
        text = http.get("/metrics").text
    for name in (
        "num_requests_running",
        "num_requests_waiting",
        "kv_cache_usage_perc",
        "prompt_tokens_total",
        "generation_tokens_total",
        "time_to_first_token_seconds_bucket",
        "inter_token_latency_seconds_sum",
    ):
        assert f"vllm:{name}{{" in text
    assert 'model_name="Qwen/Qwen3-8B"' in text and 'engine="0"' in text
    assert "gpu_cache_usage_perc" not in text
    with (
        FakeVLLM(old_metric_names=True) as fake,
        httpx.Client(base_url=fake.root_url, trust_env=False) as http,
    ):
        text = http.get("/metrics").text
    assert "vllm:gpu_cache_usage_perc{" in text and "vllm:time_per_output_token_seconds_count{" in text
    assert "kv_cache_usage_perc" not in text
