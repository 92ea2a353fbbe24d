"""A stand-in for vLLM's OpenAI-compatible server: a real HTTP server on 127.0.0.1 that streams like vLLM.

    with FakeVLLM(replies=[Script(reasoning="hmm", answer='{"a": 1}'), error(500, "boom")]) as fake:
        client = LLMClient(Settings(endpoint=fake.base_url))

Replies come from the queue in order, then from `default(body)`. Every chat body lands in `requests`.
For monitoring tests, these attributes may be changed while it runs: `health_status`/`health_body`/
`health_delay` (GET /health), `metrics_status`/`metrics_body` (GET /metrics: another status, or raw text in
place of the generated metrics), `models_body` (raw text in place of GET /v1/models) and `models_type` (its
Content-Type).
Streams follow vLLM: a first chunk with role and empty content, reasoning and content chunks holding only
the keys that are set, a final chunk with finish_reason and stop_reason, a usage chunk with no choices when
asked for, then `data: [DONE]`, all over chunked transfer encoding.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    """One scripted reply; text is streamed in pieces of `chunk` characters, or exactly as `pieces`."""

    answer: str = ""
    reasoning: str = ""
    pieces: list[str] | None = None  # exact content chunks, sent as they are (reasoning ignored)
    finish_reason: str = "stop"
    status: int = 0  # answer with this HTTP status and vLLM's nested error body instead
    message: str = ""
    error_type: str = ""
    param: str | None = None
    body: dict[str, Any] | None = None  # a raw error body, replacing vLLM's shape
    headers: dict[str, str] = field(default_factory=dict)
    stream_error: str = ""  # after two chunks send `data: {"error": ...}` then [DONE]
    delay: float = 0.0  # seconds before the first byte
    close: bool = False  # drop the connection without answering
    close_mid_stream: bool = False  # drop it after two chunks
    # misbehaviours for the fault suite
    raw: bytes = b""  # after two chunks send `data: <raw>` (bytes that need not be UTF-8 or JSON)
    drip: float = 0.0  # seconds between chunks
    endless: bool = False  # after the first chunks, content chunks forever (until the client hangs up)
    plain_json: bool = False  # answer the stream request with one non-streamed chat.completion JSON


_TYPES = {400: "BadRequestError", 401: "Unauthorized", 404: "NotFoundError", 429: "TooManyRequests"}


def error(
    status: int, message: str, *, param: str | None = None, headers: dict[str, str] | None = None
) -> Script:
    kind = _TYPES.get(status, "InternalServerError" if status >= 500 else "BadRequestError")
    return Script(status=status, message=message, error_type=kind, param=param, headers=headers or {})


def context_overflow(prompt: int = 50000, limit: int = 40960, output: int = 4096) -> Script:
    """vLLM ~0.11-0.2x wording for a prompt that does not fit."""
    message = (
        f"This model's maximum context length is {limit} tokens. However, you requested {output} output "
        f"tokens and your prompt contains at least {prompt} input tokens, for a total of at least "
        f"{prompt + output} tokens. Please reduce the length of the input prompt or the number of requested "
        f"output tokens. (parameter=input_tokens, value={prompt})"
    )
    return error(400, message, param="input_tokens")


def llamacpp_overflow(prompt: int = 1500, limit: int = 1024) -> Script:
    """llama.cpp's 400 for a prompt longer than a slot's context (-c divided by --parallel)."""
    message = (
        f"request ({prompt} tokens) exceeds the available context size ({limit} tokens), try increasing it"
    )
    inner = {"code": 400, "message": message, "type": "exceed_context_size_error"}
    return Script(status=400, body={"error": inner | {"n_prompt_tokens": prompt, "n_ctx": limit}})


def _error_body(status: int, message: str, kind: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": status}}


def _endless(items: list[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    yield from items
    while True:
        yield ("content", "and more ")


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class FakeVLLM:
    def __init__(
        self,
        *,
        replies: Iterable[Script | str] = (),
        default: Callable[[dict[str, Any]], Script | str] | None = None,
        model: str = "Qwen/Qwen3-8B",
        max_model_len: int | None = 40960,
        reasoning_field: str = "reasoning",  # "reasoning" | "reasoning_content" | "both" | "inline"
        chunk: int = 4,
        structured: bool = True,  # False: answer 400 to response_format
        tokenize: bool = True,
        old_metric_names: bool = False,
        api_key: str | None = None,
        owned_by: str = "vllm",
        props: dict[str, Any] | None = None,  # served at GET /props (llama.cpp), else 404
        version: str = "0.16.0",
        port: int = 0,  # 0: any free port; a fixed one starts a "restarted" server where the old one was
    ) -> None:
        self.replies: deque[Script | str] = deque(replies)
        self.default = default or (lambda body: Script(reasoning="Let me think about it.", answer="OK"))
        self.model, self.max_model_len, self.chunk = model, max_model_len, chunk
        self.reasoning_field, self.structured, self.tokenize = reasoning_field, structured, tokenize
        self.old_metric_names, self.api_key, self.owned_by = old_metric_names, api_key, owned_by
        self.props, self.version = props, version
        self.health_status, self.health_body, self.health_delay = 200, b"", 0.0
        self.metrics_status: int = 200
        self.metrics_body: str | None = None
        self.itl_seconds = 0.01  # the inter-token latency /metrics reports, one observation a request
        self.cache_blocks: int | None = (
            None  # set: /metrics carries vllm:cache_config_info with 16-token blocks
        )
        self.models_body: str | None = None
        self.models_type = "application/json"
        self.requests: list[dict[str, Any]] = []  # chat completion bodies
        self.tokenize_requests: list[dict[str, Any]] = []
        self.paths: list[str] = []  # "POST /v1/chat/completions", ... for every request
        self.active = self.max_active = 0
        self.prompt_tokens_total = self.generation_tokens_total = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = port

    def __enter__(self) -> FakeVLLM:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", self.port), handler)
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # new connections are refused before the open ones are cut
            self._server.drop_connections()

    @property
    def root_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def add(self, *replies: Script | str) -> None:
        with self._lock:
            self.replies.extend(replies)

    def next_script(self, body: dict[str, Any]) -> Script:
        with self._lock:
            reply = self.replies.popleft() if self.replies else None
        reply = self.default(body) if reply is None else reply
        return Script(answer=reply) if isinstance(reply, str) else reply

    # --- endpoints --------------------------------------------------------------------------------
    def models(self) -> dict[str, Any]:
        card = {"id": self.model, "object": "model", "created": 1760000000, "owned_by": self.owned_by}
        card |= {"root": self.model, "parent": None, "permission": [{"id": "modelperm-0"}]}
        if self.max_model_len:
            card["max_model_len"] = self.max_model_len
        return {"object": "list", "data": [card]}

    def count(self, body: dict[str, Any]) -> dict[str, Any]:
        tokens = list(range(len(str(body.get("prompt") or body.get("content") or "").split())))
        return {
            "count": len(tokens),
            "max_model_len": self.max_model_len,
            "tokens": tokens,
            "token_strs": None,
        }

    def metrics(self) -> str:
        labels = f'engine="0",model_name="{self.model}"'
        old = self.old_metric_names
        kv = "gpu_cache_usage_perc" if old else "kv_cache_usage_perc"
        itl = "time_per_output_token_seconds" if old else "inter_token_latency_seconds"
        lines = []
        for name, kind, value in (
            ("num_requests_running", "gauge", self.active),
            ("num_requests_waiting", "gauge", 0),
            (kv, "gauge", 0.25),
            ("prompt_tokens_total", "counter", self.prompt_tokens_total),
            ("generation_tokens_total", "counter", self.generation_tokens_total),
        ):
            lines += [f"# HELP vllm:{name} {name}", f"# TYPE vllm:{name} {kind}"]
            lines.append(f"vllm:{name}{{{labels}}} {value:.1f}")
        n = len(self.requests)
        for name, seen in (("time_to_first_token_seconds", 0.05), (itl, self.itl_seconds)):
            lines += [f"# HELP vllm:{name} {name}", f"# TYPE vllm:{name} histogram"]
            for le in ("0.01", "0.1", "1.0", "+Inf"):
                hits = n if le == "+Inf" or float(le) >= seen else 0
                lines.append(f'vllm:{name}_bucket{{{labels},le="{le}"}} {hits:.1f}')
            lines += [f"vllm:{name}_sum{{{labels}}} {n * seen}", f"vllm:{name}_count{{{labels}}} {n:.1f}"]
        if self.cache_blocks is not None:
            info = 'block_size="16",cache_dtype="auto",gpu_memory_utilization="0.9",'
            info += f'num_gpu_blocks="{self.cache_blocks}"'
            lines += ["# HELP vllm:cache_config_info cache config", "# TYPE vllm:cache_config_info gauge"]
            lines.append(f"vllm:cache_config_info{{{info}}} 1.0")
        return "\n".join(lines) + "\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.connections: set[Any] = set()  # open client sockets, dropped when the server stops
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every open connection, as a server process that ends does (kept-alive ones included)."""
        with self._connections_lock:
            open_now = list(self.connections)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up (timeouts, cancelled calls) is part of the test, not a failure


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # send each SSE event at once, as uvicorn does
    fake: FakeVLLM

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, payload: Any, ctype: str = "application/json", headers: Any = None) -> None:
        if isinstance(payload, (bytes, str)):
            data = payload if isinstance(payload, bytes) else payload.encode()
        else:
            data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _event(self, data: Any) -> None:
        raw = ("data: " + (data if isinstance(data, str) else json.dumps(data)) + "\n\n").encode()
        self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.flush()

    def _raw_event(self, payload: bytes) -> None:
        raw = b"data: " + payload + b"\n\n"
        self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.flush()

    def _end(self) -> None:
        self._event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self) -> None:
        fake, path = self.fake, self.path.split("?")[0]
        fake.paths.append(f"GET {path}")
        if path in ("/health", "/ping"):
            time.sleep(fake.health_delay)
            self._send(fake.health_status, fake.health_body)
        elif path == "/version":
            self._send(200, {"version": fake.version})
        elif path == "/v1/models":
            if self._authorized():
                body = fake.models() if fake.models_body is None else fake.models_body
                self._send(200, body, fake.models_type)
        elif path == "/metrics":
            text = fake.metrics() if fake.metrics_body is None else fake.metrics_body
            self._send(fake.metrics_status, text, "text/plain; version=0.0.4; charset=utf-8")
        elif path == "/props" and fake.props is not None:
            self._send(200, fake.props)
        else:
            self._send(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        fake, path = self.fake, self.path.split("?")[0]
        fake.paths.append(f"POST {path}")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if path == "/tokenize" and fake.tokenize:
            fake.tokenize_requests.append(body)
            self._send(200, fake.count(body))
        elif path != "/v1/chat/completions":
            self._send(404, {"detail": "Not Found"})
        elif self._authorized():
            fake.requests.append(body)
            with fake._lock:
                fake.active += 1
                fake.max_active = max(fake.max_active, fake.active)
            try:
                self._chat(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                with fake._lock:
                    fake.active -= 1

    def _authorized(self) -> bool:
        if self.fake.api_key and self.headers.get("Authorization") != f"Bearer {self.fake.api_key}":
            self._send(401, {"error": "Unauthorized"})
            return False
        return True

    def _refusal(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """vLLM's 4xx for a bad model, an unsupported response_format, or a request that cannot fit."""
        fake, form = self.fake, body.get("response_format")
        if body.get("model") not in (None, fake.model):
            message = f"The model `{body.get('model')}` does not exist."
            return _error_body(404, message, "NotFoundError", "model")
        if form is not None and not fake.structured:
            return _error_body(400, "response_format json_schema is not supported: no grammar backend", "")
        if form is not None and form.get("type") == "json_schema" and "json_schema" not in form:
            return _error_body(400, "json_schema must be given", "BadRequestError", "response_format")
        prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
        limit = fake.max_model_len or 10**9
        wanted = body.get("max_completion_tokens") or body.get("max_tokens") or (limit - prompt)
        if prompt + wanted > limit:
            return _error_body(
                400, context_overflow(prompt, limit, wanted).message, "BadRequestError", "input_tokens"
            )
        return None

    def _chat(self, body: dict[str, Any]) -> None:
        fake = self.fake
        refusal = self._refusal(body)
        if refusal is not None:
            self._send(refusal["error"]["code"], refusal)
            return
        script = fake.next_script(body)
        time.sleep(script.delay)
        if script.close:
            self.close_connection = True
            return
        if script.status:
            payload = script.body or _error_body(
                script.status, script.message, script.error_type, script.param
            )
            self._send(script.status, payload, headers=script.headers)
            return
        thinking = (body.get("chat_template_kwargs") or {}).get("enable_thinking", True)
        reasoning, style = (script.reasoning if thinking else ""), fake.reasoning_field
        if script.pieces is not None:
            items = [("content", piece) for piece in script.pieces]
        elif style == "inline" and reasoning:
            inline = f"<think>\n{reasoning}\n</think>\n\n{script.answer}"
            items = [("content", c) for c in _chunks(inline, fake.chunk)]
        else:
            items = [("reasoning", c) for c in _chunks(reasoning, fake.chunk)]
            items += [("content", c) for c in _chunks(script.answer, fake.chunk)]
        prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
        wanted = body.get("max_completion_tokens") or body.get("max_tokens") or len(items)
        finish = script.finish_reason
        if len(items) > wanted:
            items, finish = items[:wanted], "length"
        fake.prompt_tokens_total += prompt
        fake.generation_tokens_total += len(items)
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
        base["model"] = fake.model
        if script.plain_json:
            message = {"role": "assistant", "content": script.answer}
            usage = {"prompt_tokens": prompt, "completion_tokens": len(items), "total_tokens": prompt}
            choices = [{"index": 0, "message": message, "finish_reason": finish}]
            self._send(200, base | {"object": "chat.completion", "choices": choices, "usage": usage})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def choice(delta: dict[str, Any], **extra: Any) -> dict[str, Any]:
            return base | {
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None} | extra]
            }

        self._event(choice({"role": "assistant", "content": ""}))
        if script.endless:
            items = _endless(items)
        for number, (kind, text) in enumerate(items):
            if number and script.drip:
                time.sleep(script.drip)
            if number == 2 and script.raw:
                self._raw_event(script.raw)
            if number == 2 and script.close_mid_stream:
                self.close_connection = True
                return
            if number == 2 and script.stream_error:
                self._event(_error_body(500, script.stream_error, "InternalServerError"))
                self._end()
                return
            if kind == "content":
                delta = {"content": text} | ({"reasoning_content": None} if style == "both" else {})
            elif style == "both":
                delta = {"reasoning": text, "reasoning_content": text}
            else:
                delta = {"reasoning_content" if style == "reasoning_content" else "reasoning": text}
            self._event(choice(delta))
        self._event(choice({}, finish_reason=finish, stop_reason=None))
        if (body.get("stream_options") or {}).get("include_usage"):
            thought = sum(1 for kind, _ in items if kind == "reasoning")
            usage = {
                "prompt_tokens": prompt,
                "total_tokens": prompt + len(items),
                "completion_tokens": len(items),
            }
            usage["completion_tokens_details"] = {"reasoning_tokens": thought}
            self._event(base | {"choices": [], "usage": usage})
        self._end()
