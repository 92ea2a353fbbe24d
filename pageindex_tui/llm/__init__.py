"""The model client: streaming chat against an OpenAI-compatible server, reasoning split, JSON replies."""

from ..discovery import root_url
from .client import LLMClient
from .reasoning import StreamReader, ThinkSplitter, delta_reasoning
from .replies import ask_json, extract_json
from .tokens import estimate_tokens, fit_max_tokens
from .types import Reply, ServerInfo

__all__ = [
    "LLMClient",
    "Reply",
    "ServerInfo",
    "StreamReader",
    "ThinkSplitter",
    "ask_json",
    "delta_reasoning",
    "estimate_tokens",
    "extract_json",
    "fit_max_tokens",
    "root_url",
]
