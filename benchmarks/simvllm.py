"""A vLLM-shaped simulated server on loopback, for `throughput.py`: batches, a KV budget and a queue.

Not a test double for correctness (tests/fakes/vllm_server.py is that); this one models *time*:

- Continuous batching. Each engine step admits waiting requests while fewer than `max_num_seqs` run, their
  prompts fit in the KV budget and the step's prefill budget (`max_num_batched_tokens`, chunked prefill)
  allows; then every running sequence emits one token.
- Step time `t = T0 + K_SEQ * running + K_KV * kv_tokens + K_PREFILL * prefill_tokens`, in seconds.
- KV capacity in tokens: prompt plus tokens generated so far. When generation outgrows it, the newest
  sequence is preempted (recomputed later), as vLLM's V1 scheduler does.
- `/metrics` in Prometheus text under vLLM's V1 names (`vllm:num_requests_running`,
  `vllm:num_requests_waiting`, `vllm:kv_cache_usage_perc` in 0..1, token counters, preemptions and a
  time-to-first-token histogram), `/health`, `/v1/models` (with `max_model_len`), `/tokenize`.
- Streams as vLLM does: a role chunk, then one token a chunk, `reasoning` before `content` when thinking
  is on (`chat_template_kwargs.enable_thinking`, default on as Qwen3's template has it), a finish chunk,
  a usage chunk (with `completion_tokens_details.reasoning_tokens`, as with a reasoning parser),
  `data: [DONE]`.

Coefficients, from published vLLM figures for an 8B model in BF16 on one GPU:
- Llama-3.1-8B on an A100-40GB, vLLM 0.23, 1024 in / 128 out: about 75 tok/s at one request (13.3 ms a
  step) and 6.6x that at 8 requests (about 16.2 ms a step) (johnmusgrave.com, "vLLM throughput-latency
  sweep on NVIDIA A100"): T0 = 13 ms and K_SEQ = 0.4 ms a sequence.
- Mistral-7B on an RTX 4090, 256 in / 128 out: 210 output tok/s at 4 requests and 1190 at 48 (19 ms and
  40 ms a step), the same shape (mushfiqrahman.dev): T0 17 ms, K_SEQ 0.48 ms; we keep the A100 figures.
- Attention reads the KV cache every step: Qwen3-8B keeps 36 layers x 8 KV heads x 128 x 2 x 2 bytes =
  147 KB a token; at about 2 TB/s that is K_KV = 0.07 us a token in flight.
- Prefill is compute-bound: 2 x 8e9 FLOP a token at about half of an A100's 312 TFLOP/s gives about
  16k tok/s; with attention and overheads we take K_PREFILL = 0.06 ms a token.
- KV capacity: an 80 GB GPU at `--gpu-memory-utilization 0.9` less 16.4 GB of weights leaves about 55 GB,
  or 375,000 tokens at 147 KB each. `max_num_seqs` 256 (vLLM's default), `max_num_batched_tokens` 8192.

`scale` multiplies every sleep (0.5 runs the simulated GPU twice as fast as the figures say) so that a
benchmark finishes sooner; the client's own overheads are not scaled, which is the point of measuring them.

`SimProcess` runs the server in a process of its own, so that the client being measured does not share
its interpreter (and GIL) with the simulated GPU; `stats()` reads the engine's own counters from there.
Peak waiting is counted after each scheduling step (what a scrape of `num_requests_waiting` can see),
not in the instant between a request's arrival and the next step.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

T0 = 0.013
K_SEQ = 0.0004
K_KV = 0.07e-6
K_PREFILL = 0.06e-3
KV_CAPACITY = 375_000
MAX_NUM_SEQS = 256
MAX_BATCHED_TOKENS = 8192
MAX_MODEL_LEN = 32768
TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0)
WORDS = ("the", "section", "reports", "results", "methods", "figures", "data", "growth", "rates", "sample")


@dataclass
class Sim:
    """Knobs of one simulated server (defaults: the figures above)."""

    max_num_seqs: int = MAX_NUM_SEQS
    kv_capacity: int = KV_CAPACITY
    max_batched_tokens: int = MAX_BATCHED_TOKENS
    t0: float = T0
    k_seq: float = K_SEQ
    k_kv: float = K_KV
    k_prefill: float = K_PREFILL
    scale: float = 1.0
    answer_tokens: int = 90  # a summary's length
    reasoning_tokens: int = 450  # Qwen3's thinking before a summary: several times the summary
    model: str = "Qwen/Qwen3-8B"
    seed: int = 7
    tokens_per_chunk: int = 1  # vLLM streams one token a chunk; more spare the client's CPU in a benchmark


@dataclass(frozen=True)
class EngineStats:
    """The engine's own counters after a run."""

    prompt_tokens: int
    generation_tokens: int
    reasoning_tokens: int
    finished: int  # requests
    preemptions: int
    peak_waiting: int  # after a scheduling step
    peak_running: int
    peak_kv: float  # fraction of the KV capacity


@dataclass
class _Request:
    prompt: int
    reasoning: int
    answer: int
    arrived: float
    out: asyncio.Queue[tuple[str, str] | None] = field(default_factory=asyncio.Queue)
    done: int = 0  # tokens generated (reasoning + answer), streamed to the client
    prefill: int = 0  # tokens to compute before the next token: the prompt, plus `done` after a preemption
    prefilled: int = 0
    reserved: int = 0  # KV tokens held
    first_token_at: float = 0.0
    pending: list[str] = field(default_factory=list)  # tokens not yet sent, all of one kind
    pending_kind: str = ""

    @property
    def total(self) -> int:
        return self.reasoning + self.answer


class Engine:
    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.waiting: deque[_Request] = deque()
        self.running: list[_Request] = []
        self.wake = asyncio.Event()
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.reasoning_tokens = 0
        self.preemptions = 0
        self.finished = 0
        self.peak_waiting = 0
        self.peak_running = 0
        self.peak_kv = 0
        self.ttft: list[float] = []
        self.kv_used = 0

    def submit(self, request: _Request) -> None:
        self.waiting.append(request)
        self.wake.set()

    def stats(self) -> EngineStats:
        return EngineStats(
            self.prompt_tokens,
            self.generation_tokens,
            self.reasoning_tokens,
            self.finished,
            self.preemptions,
            self.peak_waiting,
            self.peak_running,
            self.peak_kv / self.sim.kv_capacity,
        )

    def _admit(self) -> int:
        """Move waiting requests into the batch; the prefill tokens this step computes."""
        budget = self.sim.max_batched_tokens
        for r in self.running:  # unfinished chunked prefills go first
            if r.prefilled < r.prefill and budget > 0:
                take = min(budget, r.prefill - r.prefilled)
                r.prefilled += take
                budget -= take
        while self.waiting and len(self.running) < self.sim.max_num_seqs and budget > 0:
            r = self.waiting[0]
            need = r.prompt + r.done  # a preempted sequence recomputes what it had generated too
            if self.kv_used + need > self.sim.kv_capacity:
                break
            self.waiting.popleft()
            r.prefill, r.reserved = need, need  # reserved whole; the rest is computed in later steps
            r.prefilled = min(budget, need)
            budget -= r.prefilled
            self.running.append(r)
            self.kv_used += need
        return self.sim.max_batched_tokens - budget

    async def run(self) -> None:
        while True:
            if not self.waiting and not self.running:
                self.wake.clear()
                await self.wake.wait()
            prefill = self._admit()
            self.peak_running = max(self.peak_running, len(self.running))
            self.peak_waiting = max(self.peak_waiting, len(self.waiting))
            self.peak_kv = max(self.peak_kv, self.kv_used)
            s = self.sim
            step = s.t0 + s.k_seq * len(self.running) + s.k_kv * self.kv_used + s.k_prefill * prefill
            await asyncio.sleep(step * s.scale)
            now = time.monotonic()
            still: list[_Request] = []
            for r in self.running:
                if r.prefilled < r.prefill:
                    still.append(r)
                    continue
                if not r.first_token_at:
                    r.first_token_at = now
                    self.ttft.append(now - r.arrived)
                kind = "reasoning" if r.done < r.reasoning else "content"
                if r.pending and kind != r.pending_kind:
                    r.out.put_nowait((r.pending_kind, "".join(r.pending)))
                    r.pending.clear()
                r.pending_kind = kind
                r.pending.append(random.choice(WORDS) + " ")
                r.done += 1
                self.reasoning_tokens += kind == "reasoning"
                if len(r.pending) >= s.tokens_per_chunk or r.done >= r.total:
                    r.out.put_nowait((kind, "".join(r.pending)))
                    r.pending.clear()
                r.reserved += 1
                self.kv_used += 1
                self.generation_tokens += 1
                if r.done >= r.total:
                    r.out.put_nowait(None)
                    self.kv_used -= r.reserved
                    self.finished += 1
                else:
                    still.append(r)
            self.running = still
            while self.kv_used > s.kv_capacity and len(self.running) > 1:  # preempt the newest
                victim = self.running.pop()
                self.kv_used -= victim.reserved
                victim.reserved = victim.prefilled = 0  # recomputed on re-admission; nothing is resent
                self.preemptions += 1
                self.waiting.appendleft(victim)

    def metrics(self) -> str:
        m = self.sim.model
        label = f'{{engine="0",model_name="{m}"}}'
        lines = [
            "# TYPE vllm:num_requests_running gauge",
            f"vllm:num_requests_running{label} {len(self.running)}",
            "# TYPE vllm:num_requests_waiting gauge",
            f"vllm:num_requests_waiting{label} {len(self.waiting)}",
            "# TYPE vllm:kv_cache_usage_perc gauge",
            f"vllm:kv_cache_usage_perc{label} {min(1.0, self.kv_used / self.sim.kv_capacity):.4f}",
            "# TYPE vllm:prompt_tokens_total counter",
            f"vllm:prompt_tokens_total{label} {self.prompt_tokens}",
            "# TYPE vllm:generation_tokens_total counter",
            f"vllm:generation_tokens_total{label} {self.generation_tokens}",
            "# TYPE vllm:num_preemptions_total counter",
            f"vllm:num_preemptions_total{label} {self.preemptions}",
            "# TYPE vllm:time_to_first_token_seconds histogram",
        ]
        for bound in TTFT_BUCKETS:
            count = sum(1 for t in self.ttft if t <= bound)
            lines.append(
                f'vllm:time_to_first_token_seconds_bucket{{engine="0",le="{bound}",model_name="{m}"}} {count}'
            )
        lines.append(
            f'vllm:time_to_first_token_seconds_bucket{{engine="0",le="+Inf",model_name="{m}"}} '
            f"{len(self.ttft)}"
        )
        lines.append(f"vllm:time_to_first_token_seconds_sum{label} {sum(self.ttft):.6f}")
        lines.append(f"vllm:time_to_first_token_seconds_count{label} {len(self.ttft)}")
        return "\n".join(lines) + "\n"


def _prompt_tokens(body: dict[str, Any]) -> int:
    text = "".join(str(m.get("content", "")) for m in body.get("messages", []))
    return max(1, math.ceil(len(text) / 4))


class SimServer:
    """The simulated server on its own thread and loop: `with SimServer(Sim()) as sim: sim.base_url`."""

    def __init__(self, sim: Sim | None = None) -> None:
        self.sim = sim or Sim()
        self.engine: Engine | None = None
        self.requests: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._ready = threading.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> SimServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        async def stop() -> None:
            tasks = [t for t in asyncio.all_tasks(self._loop) if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(stop(), self._loop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        random.seed(self.sim.seed)
        self.engine = Engine(self.sim)
        self._loop.create_task(self.engine.run())
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                await self._route(method, path.split("?")[0], body, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _plain(self, writer: asyncio.StreamWriter, status: int, body: str, kind: str) -> None:
        data = body.encode()
        head = f"HTTP/1.1 {status} OK\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n"
        writer.write(head.encode() + data)
        await writer.drain()

    async def _route(self, method: str, path: str, raw: bytes, writer: asyncio.StreamWriter) -> None:
        assert self.engine is not None
        if path == "/health":
            await self._plain(writer, 200, "", "text/plain")
        elif path == "/metrics":
            await self._plain(writer, 200, self.engine.metrics(), "text/plain; version=0.0.4")
        elif path == "/v1/models":
            model = {
                "id": self.sim.model,
                "object": "model",
                "owned_by": "vllm",
                "max_model_len": MAX_MODEL_LEN,
            }
            await self._plain(
                writer, 200, json.dumps({"object": "list", "data": [model]}), "application/json"
            )
        elif path == "/version":
            await self._plain(writer, 200, json.dumps({"version": "0.11.0-sim"}), "application/json")
        elif path == "/tokenize" and method == "POST":
            body = json.loads(raw or b"{}")
            count = max(1, math.ceil(len(str(body.get("prompt", ""))) / 4))
            await self._plain(
                writer, 200, json.dumps({"count": count, "max_model_len": MAX_MODEL_LEN}), "application/json"
            )
        elif path == "/v1/chat/completions" and method == "POST":
            await self._chat(json.loads(raw), writer)
        else:
            await self._plain(writer, 404, json.dumps({"detail": "Not Found"}), "application/json")

    async def _chat(self, body: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        assert self.engine is not None
        self.requests.append({k: v for k, v in body.items() if k != "messages"})
        thinking = (body.get("chat_template_kwargs") or {}).get("enable_thinking", True)
        if body.get("reasoning_effort") == "none":
            thinking = False
        limit = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
        budget = body.get("thinking_token_budget")
        reasoning = self.sim.reasoning_tokens if thinking else 0
        if isinstance(budget, int):
            reasoning = min(reasoning, budget)
        reasoning = min(reasoning, limit)
        answer = min(self.sim.answer_tokens, limit - reasoning)
        prompt = _prompt_tokens(body)
        self.engine.prompt_tokens += prompt
        request = _Request(prompt, reasoning, max(0, answer), time.monotonic())
        self.engine.submit(request)
        rid = f"chatcmpl-sim{len(self.requests)}"
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )

        def chunk(
            delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None
        ) -> bytes:
            choice = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
            event: dict[str, Any] = {
                "id": rid,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": self.sim.model,
                "choices": [] if usage else choice,
            }
            if usage:
                event["usage"] = usage
            data = f"data: {json.dumps(event)}\n\n".encode()
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"

        writer.write(chunk({"role": "assistant", "content": ""}))
        while (piece := await request.out.get()) is not None:
            kind, text = piece
            writer.write(chunk({kind: text}))
            await writer.drain()
        finish = "length" if request.total >= limit else "stop"
        writer.write(chunk({}, finish))
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": request.total,
            "total_tokens": prompt + request.total,
            "completion_tokens_details": {"reasoning_tokens": request.reasoning},  # with a reasoning parser
        }
        if (body.get("stream_options") or {}).get("include_usage"):
            writer.write(chunk({}, usage=usage))
        done = b"data: [DONE]\n\n"
        writer.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        await writer.drain()


def _serve_in_process(sim: Sim, conn: Connection) -> None:
    with SimServer(sim) as server:
        conn.send(server.port)
        while conn.recv() == "stats":
            assert server.engine is not None
            conn.send(server.engine.stats())


class SimProcess:
    """`SimServer` in a process of its own: `with SimProcess(Sim()) as sim: sim.base_url, sim.stats()`."""

    def __init__(self, sim: Sim | None = None) -> None:
        self.sim = sim or Sim()
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_in_process, args=(self.sim, child), daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> SimProcess:
        self._process.start()
        if not self._conn.poll(30):
            self._process.kill()
            raise RuntimeError("the simulated server did not start within 30 s")
        self.port = self._conn.recv()
        return self

    def stats(self) -> EngineStats:
        self._conn.send("stats")
        stats: EngineStats = self._conn.recv()
        return stats

    def __exit__(self, *_exc: object) -> None:
        self._conn.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
