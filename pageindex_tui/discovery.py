"""What a model server says about itself, read once for the LLM client and the monitor alike.

`/v1/models` lists model cards (ids, `owned_by`, vLLM's `max_model_len`, a LoRA adapter's `parent`,
llama.cpp's `meta`); llama.cpp's `/props` has its build, slots and per-slot context; vLLM's `/version` its
version. These functions turn those answers into dataclasses and never raise on garbage: what cannot be read
is empty. Imports nothing heavy, so the monitor need not load the openai SDK.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

VLLM, LLAMACPP, OPENAI_COMPATIBLE = "vllm", "llamacpp", "openai-compatible"
FALLBACK_CONTEXT_LENGTH = 32768  # the context calls get when neither the settings nor the server give one
KINDS = {"vllm": VLLM, "llamacpp": LLAMACPP, "llama.cpp": LLAMACPP}  # owned_by in /v1/models


def root_url(endpoint: str) -> str:
    """The server's root (where /health, /metrics, /tokenize and /props live): the endpoint without /v1."""
    return re.sub(r"/v1/?$", "", endpoint.strip().rstrip("/"))


def is_local(endpoint: str) -> bool:
    """The endpoint is on this machine (a loopback or wildcard address, or localhost)."""
    host = urlparse(endpoint).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1", "0.0.0.0") or host.startswith("127.")


def positive_int(value: object) -> int:
    """`value` when it is a positive whole number (never a bool), else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True)
class ModelCard:
    id: str
    owned_by: str = ""  # lower case
    max_model_len: int = 0  # vLLM; 0 when the card has none
    parent: str = ""  # a LoRA adapter's base model
    meta_n_ctx: int = 0  # llama.cpp's meta.n_ctx (per-slot runtime context), where it sends one


def model_cards(listing: object) -> list[ModelCard] | None:
    """The cards of a /v1/models answer ({"data": [...]}); None when it is not a model list at all."""
    raw = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(raw, list):
        return None
    cards = []
    for card in raw:
        if not isinstance(card, dict) or not isinstance(card.get("id"), str):
            continue
        parent, meta = card.get("parent"), card.get("meta")
        cards.append(
            ModelCard(
                id=card["id"],
                owned_by=str(card.get("owned_by", "")).lower(),
                max_model_len=positive_int(card.get("max_model_len")),
                parent=parent if isinstance(parent, str) else "",
                meta_n_ctx=positive_int(meta.get("n_ctx")) if isinstance(meta, dict) else 0,
            )
        )
    return cards


def kind_of(cards: Sequence[ModelCard]) -> str:
    """vllm | llamacpp | openai-compatible, from the cards' owned_by."""
    owners = {card.owned_by for card in cards}
    return next((KINDS[owner] for owner in sorted(owners) if owner in KINDS), OPENAI_COMPATIBLE)


def served_length(cards: Sequence[ModelCard], model: str) -> int:
    """The context length `model`'s card declares, else its base model's (a LoRA adapter's card has none)."""
    by_id = {card.id: card for card in cards}
    card = by_id.get(model)
    if card is None:
        return 0
    parent = by_id.get(card.parent)
    return card.max_model_len or (parent.max_model_len if parent is not None else 0)


@dataclass(frozen=True)
class LlamaProps:
    build: str  # build_info
    context_length: int  # default_generation_settings.n_ctx: per slot; 0 when absent
    slots: int  # total_slots; 0 when absent


def llamacpp_props(props: object) -> LlamaProps | None:
    """llama.cpp's /props answer, or None when the answer is not llama.cpp's."""
    if not isinstance(props, dict) or not {"default_generation_settings", "build_info"} & props.keys():
        return None
    defaults = props.get("default_generation_settings")
    context = positive_int(defaults.get("n_ctx")) if isinstance(defaults, dict) else 0
    return LlamaProps(str(props.get("build_info") or ""), context, positive_int(props.get("total_slots")))


@dataclass(frozen=True)
class ModelChoice:
    """The model calls go to and the context length they get, with where that length came from."""

    model: str
    context_length: int
    context_source: str  # "settings" | "server" | "fallback"


def choose_model(
    cards: Sequence[ModelCard], llama: LlamaProps | None, model: str = "", context_length: int = 0
) -> ModelChoice:
    """The one rule for the model and its context, for the client and the gauges alike: the configured
    `model`, else the first served; the configured `context_length` when above 0 ("settings"), else the
    length the server serves that model with ("server": its card's or its base model's, else llama.cpp's
    per-slot context, else the card's `meta.n_ctx`), else FALLBACK_CONTEXT_LENGTH ("fallback")."""
    chosen = model or (cards[0].id if cards else "")
    if context_length > 0:
        return ModelChoice(chosen, context_length, "settings")
    card = next((c for c in cards if c.id == chosen), None)
    served = served_length(cards, chosen) or (llama.context_length if llama is not None else 0)
    served = served or (card.meta_n_ctx if card is not None else 0)
    if served:
        return ModelChoice(chosen, served, "server")
    return ModelChoice(chosen, FALLBACK_CONTEXT_LENGTH, "fallback")


def vllm_version(answer: object) -> str | None:
    """The version in vLLM's /version answer, or None when it is not one."""
    version = answer.get("version") if isinstance(answer, dict) else None
    return version if isinstance(version, str) else None
