"""The reply shapes of asking, declared once as pydantic models (as index/shapes.py does for indexing).

Section ids are checked against the outline the model was shown, which comes in through the validation
context: {"handles": Handles, "partial": list}. Every id must name a section; the ones that do are kept
in `partial`, so that a reply with one bad id still yields its good ones once the retries are spent.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from .prompts import MAX_DOCUMENTS, MAX_PICKS


def _resolve(items: Any, info: ValidationInfo) -> list[Any]:
    context = info.context or {}
    handles, partial = context.get("handles"), context.get("partial")
    if handles is None:  # no outline given: nothing to check against
        return list(items)
    found, unknown = [], []
    for item in items:
        value = item.get("node_id", item.get("id")) if isinstance(item, dict) else item
        ref = handles.resolve(value) if isinstance(value, (str, int)) else None
        if ref is None:
            unknown.append(str(value)[:40])
        elif ref not in found:
            found.append(ref)
    if partial is not None:
        partial[:] = found
    if unknown:
        raise ValueError(
            f"there is no section {', '.join(map(repr, unknown))}; use only ids that the outline shows "
            "in square brackets, exactly as shown"
        )
    return found[:MAX_PICKS]


class Picked(BaseModel):
    """The sections to read (prompts.pick_nodes): {"nodes": ["0003", "1:0007"]}."""

    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True)
    nodes: list[Any] = Field(json_schema_extra={"items": {"type": "string"}, "maxItems": MAX_PICKS})

    @field_validator("nodes", mode="after")
    @classmethod
    def _known(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        return _resolve(value, info)


class Assessed(BaseModel):
    """Whether what was read answers (prompts.assess_reading): {"enough": false, "more": [...]}."""

    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True)
    enough: StrictBool
    more: list[Any] = Field(
        default_factory=list, json_schema_extra={"items": {"type": "string"}, "maxItems": MAX_PICKS}
    )

    @field_validator("more", mode="after")
    @classmethod
    def _known(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        return _resolve(value, info)


class ChosenDocuments(BaseModel):
    """The documents to read the outlines of (prompts.pick_documents): {"documents": ["D2", "D5"]}; the
    validation context's "keys" are the ids shown, and the ids that name one are kept in its "partial"."""

    model_config = ConfigDict(extra="ignore")
    documents: list[str] = Field(json_schema_extra={"maxItems": MAX_DOCUMENTS})

    @field_validator("documents", mode="after")
    @classmethod
    def _known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        context = info.context or {}
        keys, partial = context.get("keys"), context.get("partial")
        if keys is None:
            return value
        found: list[str] = []
        for raw in value:
            key = str(raw).strip().strip("[]").upper()
            if key in keys and key not in found:
                found.append(key)
        if partial is not None:
            partial[:] = found
        unknown = [str(v)[:20] for v in value if str(v).strip().strip("[]").upper() not in keys]
        if unknown:
            raise ValueError(f"there is no document {', '.join(map(repr, unknown))}; use the ids shown")
        return found[:MAX_DOCUMENTS]
