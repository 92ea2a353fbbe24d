"""One Settings object: defaults < TOML file < environment < command-line flags.

Every value remembers where it came from, so a bad one can be reported as
"concurrency = 'many' (from environment PAGEINDEX_CONCURRENCY) is not a whole number".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import platformdirs

from ..errors import SettingsError
from ..safe_text import redact_url
from .metadata import REQUIRED as REQUIRED
from .metadata import FieldInfo as FieldInfo
from .metadata import convert

APP_NAME = "pageindex-tui"
DEFAULT_ENDPOINT = "http://localhost:8000/v1"
DEADLINE_FACTOR = 3  # the default deadline of a request, in idle timeouts
MIN_CONTEXT_LENGTH = 1024  # a context_length below this leaves no room for a prompt and its reply
MAX_CONCURRENCY = 512  # as llm/scheduler.py's MAX_LIMIT: vLLM's --max-num-seqs tops out around here

# Environment variables, highest priority first within each field (names from the compatibility matrix).
ENV_VARS: dict[str, tuple[str, ...]] = {
    "endpoint": ("VLLM_ENDPOINT", "OPENAI_BASE_URL"),
    "model": ("VLLM_MODEL_NAME", "OPENAI_MODEL"),
    "api_key": ("OPENAI_API_KEY", "CHATGPT_API_KEY"),
}

# What an LLM call is for: each has its own thinking switch (`Settings.thinks`).
Use = Literal["structure", "summary", "answer"]
USES: tuple[Use, ...] = ("structure", "summary", "answer")
REASONING_EFFORTS = ("", "none", "minimal", "low", "medium", "high", "xhigh", "max")


def _setting(default: Any, label: str, help: str = "", **info: Any) -> Any:
    return field(default=default, metadata={"info": FieldInfo(label, help, **info)})


def _tree_setting(default: Any, label: str, help: str, **info: Any) -> Any:
    """A PageIndex knob: in the settings file's [index] table, a flag of the index command, and part of
    what shapes a tree."""
    return _setting(default, label, help, section="index", shapes_tree=True, flag_group="index", **info)


@dataclass(frozen=True)
class Settings:
    # server (in the settings screen's order)
    endpoint: str = _setting(
        DEFAULT_ENDPOINT,
        "Endpoint",
        "OpenAI-compatible base URL, e.g. http://localhost:8000/v1",
        screen="text",
        url=True,
        flag_group="server",
        flag_help=f"OpenAI-compatible base URL (default {DEFAULT_ENDPOINT})",
    )
    api_key: str = _setting(
        "EMPTY",
        "API key",
        "sent as a bearer token; never shown or logged",
        screen="password",
        secret=True,
        flag_group="server",
        flag_help="API key, if the server wants one",
    )
    model: str = _setting(  # "" = the first id /v1/models serves
        "",
        "Model",
        "empty: the first model the server serves",
        screen="model",
        shapes_tree=True,
        flag_group="server",
        flag_help="model id (default: the first one the server serves)",
    )
    context_length: int = _setting(  # 0 = the served model's max_model_len, else 32768
        0,
        "Context length",
        "0: the served model's length",
        screen="int",
        placeholder="0 = the server's",
        blank=0,
        shapes_tree=True,
        low=MIN_CONTEXT_LENGTH,
        high=10_000_000,
        zero=True,
        out_of_range=f"must be 0 (the served model's length) or between {MIN_CONTEXT_LENGTH} and 10000000",
        flag_group="server",
        flag_help="context length (default: the server's)",
    )
    thinking: bool = _setting(
        True,
        "Thinking",
        "Qwen3 thinking mode at all (off: never; on: per purpose below)",
        screen="switch",
        shapes_tree=True,
        flag_group="server",
        flag_help="Qwen3 thinking for every purpose",
    )
    thinking_structure: bool = _setting(
        True, "Think: structure", "reason before structure decisions", screen="switch", shapes_tree=True
    )
    thinking_summary: bool = _setting(
        False,
        "Think: summaries",
        "reason before summaries and the description",
        screen="switch",
        shapes_tree=True,
    )
    thinking_answer: bool = _setting(
        True, "Think: answers", "reason before answering questions", screen="switch"
    )
    thinking_budget: int = _setting(  # vLLM's thinking_token_budget (the server needs --reasoning-config)
        0,
        "Thinking budget",
        "most reasoning tokens per call; 0: unbounded",
        screen="int",
        placeholder="0 = unbounded",
        blank=0,
        shapes_tree=True,
        low=16,
        high=1e7,
        zero=True,
        out_of_range="must be 0 (unbounded) or between 16 and 10000000",
    )
    reasoning_effort: str = _setting(  # sent only where set, and only with calls that think
        "",
        "Reasoning effort",
        "for models that take it: low, medium, high ...; empty: not sent",
        shapes_tree=True,
        choices=REASONING_EFFORTS,
    )
    temperature: float | None = _setting(  # None = the model's guidance for the thinking mode
        None,
        "Temperature",
        "empty: the model's guidance (0.6 thinking, 0.7 not)",
        screen="temperature",
        placeholder="auto",
        blank=None,
        auto=None,
        shapes_tree=True,
        low=0.0,
        high=2.0,
        flag_group="server",
        flag_help="sampling temperature (default: Qwen3's for the mode)",
    )
    concurrency: int = _setting(  # 0 = adaptive (llm/adaptive.py): grows while the server has room
        0,
        "Concurrency",
        "LLM calls in flight at once; 0: adaptive, by the server's load",
        screen="int",
        placeholder="0 = adaptive",
        blank=0,
        auto=0,
        low=1,
        high=MAX_CONCURRENCY,
        zero=True,
        out_of_range=f"must be 0 (adaptive) or between 1 and {MAX_CONCURRENCY}",
        flag_group="server",
        flag_help="LLM calls at once, or auto (default: adaptive)",
    )
    max_output_tokens: int = _setting(
        4096,
        "Max output tokens",
        "cap on tokens per reply",
        screen="int",
        shapes_tree=True,
        low=16,
        high=1e7,
        flag_group="server",
    )
    request_timeout: float = _setting(  # seconds the server may stay silent (connect, first byte, chunks)
        300.0,
        "Request timeout (s)",
        "seconds per request",
        screen="float",
        flag="timeout",
        low=0.0,
        low_open=True,
        high=86_400.0,
        out_of_range="must be positive, and at most 86400 (a day)",
        flag_group="server",
        flag_help="seconds the server may stay silent within a request",
    )
    request_deadline: float = _setting(  # 0 = DEADLINE_FACTOR x request_timeout
        0.0,
        "Request deadline (s)",
        "seconds one whole request may take; 0: three times the request timeout",
        flag="deadline",
        low=0.0,
        high=7 * 86_400.0,
        out_of_range="must be positive (at most a week), or 0 for three times request_timeout",
        flag_group="server",
        flag_help="seconds one whole request may take (default 3 x --timeout)",
    )
    max_retries: int = _setting(
        4,
        "Retries",
        "on connection errors, timeouts, 429 and 5xx",
        screen="int",
        flag="retries",
        low=0,
        high=20,
        flag_group="server",
        flag_help="retries on connection errors, 429 and 5xx",
    )
    server_wait: float = _setting(  # a server that stops answering pauses the calls, not fails them
        900.0,
        "Wait for the server (s)",
        "seconds calls wait for a server that went away before they fail; 0: fail at once",
        screen="float",
        flag="server-wait",
        low=0.0,
        high=7 * 86_400.0,
        flag_group="server",
        flag_help="seconds calls wait for a server that went away (default 900; 0: fail at once)",
    )
    # a whole question's bounds (ask/bounds.py): reached, it ends with what it found so far
    ask_deadline: float = _setting(
        600.0,
        "Question deadline (s)",
        "seconds one whole question may take; 0: no deadline",
        screen="float",
        section="ask",
        low=0.0,
        low_open=True,
        high=7 * 86_400.0,
        zero=True,
        out_of_range="must be 0 (no deadline) or positive, at most 604800 (a week)",
        flag_group="ask",
        flag_help="seconds one whole question may take; 0: no deadline (default 600)",
    )
    ask_tokens: int = _setting(
        0,
        "Question token budget",
        "prompt + completion tokens one whole question may spend; 0: no budget",
        screen="int",
        section="ask",
        low=1,
        high=1e9,
        zero=True,
        out_of_range="must be 0 (no budget) or between 1 and 1000000000",
        flag_group="ask",
        flag_help="prompt + completion tokens one whole question may spend; 0: no budget (default 0)",
    )
    # scanned pages (document/ocr.py): the embedded engine, or a vision model on an OpenAI-compatible server
    ocr_model: str = _setting(
        "",
        "OCR model",
        "a vision model that reads scanned pages; empty: the embedded OCR engine, on this CPU",
        screen="text",
        placeholder="embedded engine",
        blank="",
        shapes_tree=True,
        flag_group="server",
        flag_help="vision model served at --ocr-endpoint that reads scanned pages (default: embedded OCR)",
    )
    ocr_endpoint: str = _setting(
        "",
        "OCR endpoint",
        "where the OCR model is served; empty: the endpoint above",
        screen="text",
        placeholder="the endpoint above",
        blank="",
        url=True,
        flag_group="server",
        flag_help="OpenAI-compatible base URL serving --ocr-model (default: --endpoint)",
    )
    # PageIndex knobs, with PageIndex's defaults
    toc_check_pages: int = _tree_setting(
        20,
        "TOC check pages",
        "pages searched for a printed table of contents",
        screen="int",
        low=1,
        high=1000,
    )
    max_pages_per_node: int = _tree_setting(
        10, "Max pages per node", "split nodes longer than this ...", screen="int", low=1, high=1e4
    )
    max_tokens_per_node: int = _tree_setting(
        20000, "Max tokens per node", "... and larger than this", screen="int", low=100, high=1e7
    )
    if_add_node_id: bool = _tree_setting(True, "Node ids", "add node ids (0000, 0001, ...)", screen="switch")
    if_add_node_summary: bool = _tree_setting(
        True, "Node summaries", "ask the model for a summary of each node", screen="switch"
    )
    if_add_doc_description: bool = _tree_setting(
        False, "Document description", "one sentence describing the document", screen="switch"
    )
    if_add_node_text: bool = _tree_setting(
        False, "Node text", "store each node's text in the JSON", screen="switch"
    )
    # behaviour
    cache: bool = _setting(
        True, "Reply cache", "reuse cached model replies", screen="switch", section="index"
    )
    resume_on_reconnect: bool = _setting(
        True,
        "Resume on reconnect",
        "when the model server answers again, go on with the indexes an outage stopped (else: R)",
        screen="switch",
        section="index",
    )
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def source(self, name: str) -> str:
        return self.sources.get(name, "default")

    def with_values(self, source: str, /, **values: Any) -> Settings:
        """A copy with some fields set (and validated) from `source`; any name is a setting's, even
        `source` or `self` (an unknown setting, then, named as such)."""
        return _apply(self, values, source)

    def thinks(self, use: Use) -> bool:
        """Whether calls for `use` ask the model to reason first: `thinking` and that purpose's switch."""
        return self.thinking and getattr(self, f"thinking_{use}")

    @property
    def deadline(self) -> float:
        """Seconds one whole request may take, however steadily the server keeps sending."""
        return self.request_deadline or DEADLINE_FACTOR * self.request_timeout

    def public_dict(self) -> dict[str, Any]:
        """All fields except the API key, and the endpoint without its password, for run records and logs."""
        out = {name: getattr(self, name) for name in FIELD_NAMES if not FIELDS[name].secret}
        out["api_key"] = "(set)" if self.api_key not in ("", "EMPTY") else "(none)"
        out["endpoint"] = redact_url(self.endpoint)
        out["ocr_endpoint"] = redact_url(self.ocr_endpoint) if self.ocr_endpoint else ""
        return out


FIELDS: dict[str, FieldInfo] = {
    f.name: replace(f.metadata["info"], name=f.name) for f in fields(Settings) if "info" in f.metadata
}
FIELD_NAMES = tuple(FIELDS)
SCREEN_FIELDS = tuple(info for info in FIELDS.values() if info.screen)  # the settings screen, in order
TREE_SETTINGS = tuple(name for name, info in FIELDS.items() if info.shapes_tree)
FLAG_FIELDS = {  # a setting flag's dest (cli/main.py's setting_flags) -> its field
    info.flag or name: name for name, info in FIELDS.items() if info.flag_group
}
SECTIONS: dict[str, tuple[str, ...]] = {  # the settings file's tables, each field in its own
    section: tuple(name for name, info in FIELDS.items() if info.section == section)
    for section in dict.fromkeys(info.section for info in FIELDS.values())
}
_TYPES = {f.name: str(f.type) for f in fields(Settings)}  # annotations, as text


def config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _apply(base: Settings, values: Mapping[str, Any], source: str) -> Settings:
    changes: dict[str, Any] = {}
    sources = dict(base.sources)
    if values.get("thinking") is not None:  # `thinking` sets each purpose's switch the same source leaves
        values = {f"thinking_{use}": values["thinking"] for use in USES} | dict(values)
    for name, value in values.items():
        if value is None:
            continue
        if name not in FIELD_NAMES:
            valid = "valid: " + ", ".join(FIELD_NAMES)
            raise SettingsError(f"unknown setting {name!r} (from {source})", hint=valid)
        changes[name] = convert(FIELDS[name], _TYPES[name], value, source)
        sources[name] = source
    return replace(base, **changes, sources=sources)


def sampling_for(settings: Settings, thinking: bool) -> dict[str, float]:
    """Sampling parameters for a call that thinks or not (Qwen3 guidance); never greedy while thinking."""
    if thinking:
        params = {"temperature": 0.6, "top_p": 0.95, "top_k": 20, "min_p": 0.0}
    else:
        params = {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "min_p": 0.0}
    if settings.temperature is not None:
        params["temperature"] = settings.temperature
    return params
