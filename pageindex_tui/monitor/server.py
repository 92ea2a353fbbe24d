"""What a model server is doing, through its HTTP endpoints (httpx, async).

Each `ServerMonitor.poll()` asks `GET /health` (state and latency) and `GET /metrics` (load, KV cache,
tokens per second, latencies), and now and then `GET /v1/models` (ids, `max_model_len`), `GET /version`
(vLLM) and `GET /props` (llama.cpp: build, per-slot `n_ctx`). It never raises: a server that is down,
slow, still loading, or answering garbage is a `ServerStatus` with a state and a reason, and what was
last known about it (model, context length) is kept so a display need not flicker. While a server is not
up, `delay()` backs off (interval, 2x, 4x, ... up to `max_backoff`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

import httpx

from ..discovery import (
    LLAMACPP,
    VLLM,
    choose_model,
    kind_of,
    llamacpp_props,
    model_cards,
    root_url,
    vllm_version,
)
from .prometheus import MetricsError, MetricsSnapshot, Rates, compute_rates, parse_metrics

UP, LOADING, UNHEALTHY, DOWN, SLOW, GARBAGE, UNKNOWN = (
    "up",
    "loading",
    "unhealthy",
    "down",
    "slow",
    "garbage",
    "unknown",
)


def short_name(endpoint: str) -> str:
    """host:port of an endpoint, for narrow displays (never the user:password@ in front of it)."""
    parsed = urlparse(endpoint if "//" in endpoint else "http://" + endpoint)
    return parsed.netloc.rsplit("@", 1)[-1] or endpoint


@dataclass(frozen=True)
class ServerStatus:
    endpoint: str  # as configured
    state: str = UNKNOWN  # up | loading | unhealthy | down | slow | garbage | unknown
    reason: str = ""  # why it is not up ("" when up)
    checked_at: float = 0.0  # monotonic seconds
    since: float = 0.0  # when the current state began
    latency: float | None = None  # seconds for GET /health
    http_status: int | None = None
    kind: str = ""  # vllm | llamacpp | openai-compatible
    version: str = ""  # vLLM's version, llama.cpp's build_info
    models: tuple[str, ...] = ()
    chosen: str = ""  # the model the client would use: the configured one when served, else the first
    context_length: int | None = None  # as the client resolves it for `chosen` (discovery.choose_model)
    slots: int | None = None  # llama.cpp total_slots
    info_problem: str = ""  # up, but /v1/models could not be read (API key refused, ...)
    metrics_state: str = ""  # ok | off | absent | unreadable | error | "" (not asked)
    metrics_reason: str = ""
    metrics: MetricsSnapshot | None = None
    rates: Rates | None = None
    failures: int = 0  # polls in a row that were not up
    stale: bool = False  # models/context/version are from the last time it was up

    @property
    def model(self) -> str:
        """The model the client would use (see `chosen`), else the first served."""
        return self.chosen or (self.models[0] if self.models else "")

    @property
    def root(self) -> str:
        return root_url(self.endpoint)


def _connect_reason(err: httpx.HTTPError) -> str:
    text = str(err) or type(err).__name__
    cause = err.__cause__ or err.__context__
    detail = f"{text} {cause or ''}".lower()
    if "refused" in detail or "all connection attempts failed" in detail:
        return "connection refused"
    if "name or service not known" in detail or "nodename nor servname" in detail or "getaddrinfo" in detail:
        return "host name not found"
    if "unreachable" in detail:
        return "network unreachable"
    return text.splitlines()[0][:80]


def _error_message(response: httpx.Response) -> str:
    """The message of a JSON error body ({"error": {"message": ...}} or {"detail": ...}), else ""."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message") or inner.get("detail")
            return str(message) if message else ""
        if isinstance(inner, str):
            return inner
    return ""


class ServerMonitor:
    """Polls one server. `await monitor.poll()` -> ServerStatus; `monitor.delay()` -> seconds to wait."""

    def __init__(
        self,
        endpoint: str,
        *,
        api_key: str = "",
        model: str = "",
        context_length: int = 0,
        interval: float = 1.0,
        timeout: float = 2.0,
        max_backoff: float = 15.0,
        info_every: int = 60,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        parse_in_thread: bool = True,
    ) -> None:
        self.endpoint = endpoint
        self.model, self.context_length = model, context_length  # as configured: the client's choice
        self.root = root_url(endpoint)
        self.interval, self.timeout, self.max_backoff = interval, timeout, max_backoff
        self.info_every = info_every  # polls between looks at /v1/models (a model may be swapped)
        self._clock = clock
        self._parse_in_thread = parse_in_thread
        headers = {}
        if api_key and api_key != "EMPTY":
            headers["Authorization"] = f"Bearer {api_key}"
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout, headers=headers)
        self._headers = headers
        self.status = ServerStatus(endpoint)
        self._previous_metrics: MetricsSnapshot | None = None
        self._polls_since_info = 0
        self._info_fresh = False
        self._no_health = False  # the server has no /health: /v1/models stands in

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def __aenter__(self) -> ServerMonitor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def delay(self) -> float:
        """Seconds until the next poll: the interval while up, doubling per failure up to max_backoff."""
        failures = self.status.failures
        if failures <= 0:
            return self.interval
        return min(self.max_backoff, self.interval * 2.0 ** min(failures - 1, 16))

    async def _get(self, path: str) -> httpx.Response:
        return await self._client.get(self.root + path, headers=self._headers, timeout=self.timeout)

    # -- one poll ----------------------------------------------------------------------------------------
    async def poll(self) -> ServerStatus:
        try:
            status = await self._poll()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # never let a surprise from the network layer reach the display
            status = self._not_up(GARBAGE, f"unexpected answer: {type(err).__name__}: {err}"[:120], None)
        self.status = status
        return status

    def _not_up(self, state: str, reason: str, http_status: int | None) -> ServerStatus:
        now, old = self._clock(), self.status
        self._info_fresh = False
        self._previous_metrics = None
        return replace(
            old,
            state=state,
            reason=reason,
            checked_at=now,
            since=old.since if old.state == state else now,
            latency=None,
            http_status=http_status,
            metrics_state="",
            metrics_reason="",
            metrics=None,
            rates=None,
            failures=old.failures + 1,
            stale=bool(old.models or old.version or old.context_length),
        )

    async def _poll(self) -> ServerStatus:
        started = self._clock()
        path = "/v1/models" if self._no_health else "/health"
        try:
            health = await self._get(path)
        except httpx.TimeoutException:
            return self._not_up(SLOW, f"no answer to {path} within {self.timeout:g} s", None)
        except httpx.HTTPError as err:
            return self._not_up(DOWN, _connect_reason(err), None)
        latency = self._clock() - started
        code = health.status_code
        if code == 404 and path == "/health":
            self._no_health = True  # an OpenAI-compatible server without /health
            return await self._poll()
        if code == 503:
            message = _error_message(health)
            if "loading" in message.lower():
                return self._not_up(LOADING, message or "loading the model", code)
            return self._not_up(UNHEALTHY, f"{path} says 503 {message or 'Service Unavailable'}", code)
        if code != 200:
            message = _error_message(health) or health.reason_phrase
            return self._not_up(UNHEALTHY, f"{path} says {code} {message}".strip(), code)
        now = self._clock()
        old = self.status
        status = replace(
            old,
            state=UP,
            reason="",
            checked_at=now,
            since=old.since if old.state == UP else now,
            latency=latency,
            http_status=code,
            failures=0,
            stale=False,
        )
        self._polls_since_info += 1
        if not self._info_fresh or self._polls_since_info >= self.info_every:
            info = await self._read_info(status)
            if isinstance(info, str):
                return self._not_up(GARBAGE, info, 200)
            status = info
            self._info_fresh, self._polls_since_info = True, 0
        return await self._read_metrics(status)

    async def _json(self, path: str) -> tuple[int, Any]:
        """(HTTP status, JSON or None); raises ValueError for a 200 that is not JSON."""
        try:
            response = await self._get(path)
        except httpx.HTTPError:
            return 0, None
        if response.status_code != 200:
            return response.status_code, None
        try:
            return 200, response.json()
        except (ValueError, UnicodeDecodeError):
            raise ValueError(f"{path} did not answer JSON") from None

    async def _read_info(self, status: ServerStatus) -> ServerStatus | str:
        """Models, context length, kind and version; a string says why the answer is garbage."""
        try:
            code, listing = await self._json("/v1/models")
        except ValueError as err:
            return str(err)
        cards = model_cards(listing)
        if listing is not None and cards is None:
            return "/v1/models did not list models"
        problem = ""
        if code in (401, 403):
            problem = f"/v1/models refused the API key ({code}): check api_key"
        elif code != 200:
            problem = f"/v1/models says {code or 'nothing'}"
        cards = cards or []
        models = tuple(card.id for card in cards)
        kind = kind_of(cards)
        version, slots, llama = "", 0, None
        try:
            if kind != LLAMACPP:
                _, data = await self._json("/version")
                found = vllm_version(data)
                if found is not None:
                    version, kind = found, VLLM
            if kind != VLLM:
                _, props = await self._json("/props")
                llama = llamacpp_props(props)
                if llama is not None:
                    kind, version, slots = LLAMACPP, llama.build, llama.slots
        except ValueError:
            pass  # /version or /props answering garbage does not make the server unusable
        # the context the client resolves for the configured model (discovery.choose_model), never a guess
        choice = choose_model(cards, llama, self.model if self.model in models else "", self.context_length)
        context = choice.context_length if cards and choice.context_source != "fallback" else 0
        return replace(
            status,
            models=models,
            chosen=choice.model if cards else "",
            kind=kind,
            version=version,
            context_length=context or None,
            slots=slots or None,
            info_problem=problem,
        )

    async def _read_metrics(self, status: ServerStatus) -> ServerStatus:
        try:
            response = await self._get("/metrics")
        except httpx.TimeoutException:
            return replace(status, metrics_state="error", metrics_reason="/metrics timed out")
        except httpx.HTTPError as err:
            return replace(status, metrics_state="error", metrics_reason=_connect_reason(err))
        code = response.status_code
        if code == 501:
            hint = "start llama-server with --metrics" if status.kind == "llamacpp" else "metrics are off"
            return replace(status, metrics_state="off", metrics_reason=hint, metrics=None, rates=None)
        if code == 404:
            reason = "the server has no /metrics"
            return replace(status, metrics_state="absent", metrics_reason=reason, metrics=None, rates=None)
        if code != 200:
            return replace(status, metrics_state="error", metrics_reason=f"/metrics says {code}")
        text, taken = response.text, self._clock()
        try:
            if self._parse_in_thread:
                snapshot = await asyncio.to_thread(parse_metrics, text, taken)
            else:
                snapshot = parse_metrics(text, taken)
        except MetricsError as err:
            self._previous_metrics = None
            reason = f"/metrics: {err}"
            return replace(status, metrics_state="unreadable", metrics_reason=reason, metrics=None)
        rates = compute_rates(self._previous_metrics, snapshot)
        self._previous_metrics = snapshot
        return replace(status, metrics_state="ok", metrics_reason="", metrics=snapshot, rates=rates)
