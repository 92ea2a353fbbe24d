"""Every reply shape the engine asks the model for, declared once, as a pydantic model.

The model's JSON schema is what `response_format` sends and what a retry shows the model; validating against
it turns the parsed JSON into typed values, and its errors (with where they are, such as
`sections[2].page`) are what the retry tells the model. Validation is as lenient as a model needs: whole
numbers may come as 5, 5.0 or "5", a missing level is 1, a printed page that is not a number is no page,
and unknown keys are ignored. Callers clamp levels. Ranges that depend on the call (the pages shown, the
lines numbered) come in through the validation context: {"first": 3, "last": 7} or {"lines": 12}.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

MAX_TITLE = 300  # characters of a title kept


def _whole(value: object) -> int:
    """A whole number as int() reads it: 5, 5.0 and "5" are 5."""
    if isinstance(value, (int, float, str)):
        try:
            return int(value)
        except (ValueError, OverflowError):
            pass
    raise ValueError(f"{value!r} is not an integer")


def _number_or_none(value: object) -> int | None:
    """A printed page number; anything that is not a number (a roman numeral, null) is no page."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return int(value)
        except (ValueError, OverflowError):
            return None
    return None


def _title(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValueError("needs a title")
    return text[:MAX_TITLE]


Whole = Annotated[int, BeforeValidator(_whole), WithJsonSchema({"type": "integer"})]
Level = Annotated[
    int, BeforeValidator(_whole), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 6})
]
Title = Annotated[str, BeforeValidator(_title), WithJsonSchema({"type": "string"})]
PrintedPage = Annotated[
    int | None, BeforeValidator(_number_or_none), WithJsonSchema({"type": ["integer", "null"]})
]


def _shown_pages(page: int | None, info: ValidationInfo) -> int | None:
    context = info.context or {}
    first, last = context.get("first"), context.get("last")
    if page is not None and first is not None and last is not None and not first <= page <= last:
        raise ValueError(f"page {page} is outside pages {first}-{last}")
    return page


class Shape(BaseModel):
    """A reply shape; in its schema every field is required (a default only forgives the model)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class Section(Shape):
    title: Title
    level: Level = 1
    page: Whole

    _on_shown_pages = field_validator("page")(_shown_pages)


class Sections(Shape):
    """The headings that begin on the pages shown (prompts.find_sections)."""

    sections: list[Section]


class ContentsCheck(Shape):
    """Is this page a table of contents? (prompts.is_contents_page)"""

    is_contents: StrictBool


class ContentsEntry(Shape):
    title: Title
    level: Level = 1
    page: PrintedPage = None  # the printed page number


class ContentsEntries(Shape):
    """A printed table of contents, transcribed (prompts.read_contents)."""

    entries: list[ContentsEntry]


Reason = Literal["table", "caption", "running", "sentence", "code", "list", "contact", "other"]
REASONS: tuple[Reason, ...] = get_args(Reason)


def _reason(value: object) -> str:
    """A reason code as the model spells it ("Table", " caption "); an unknown one is "other"."""
    text = str(value or "").strip().lower()
    return text if text in REASONS else "other"


class Rejection(Shape):
    line: StrictInt
    reason: Annotated[Reason, BeforeValidator(_reason)] = "other"


def _line_numbers(value: int, info: ValidationInfo) -> int:
    lines = (info.context or {}).get("lines")
    if lines is not None and not 1 <= value <= lines:
        raise ValueError(f"{value!r} is not one of the line numbers 1 to {lines}")
    return value


CHECK_LINES = 30  # candidate lines put to the model in one heading check


class HeadingsCheck(Shape):
    """The candidate lines that are real headings, and those that are not with the reason why
    (prompts.check_headings); a line in neither list is left to the rules. Neither list is longer
    than the lines shown, which the schema says, so that a server's grammar ends a rambling reply."""

    headings: list[StrictInt] = Field(max_length=CHECK_LINES)
    not_headings: list[Rejection] = Field(default=[], max_length=CHECK_LINES)

    @field_validator("headings")
    @classmethod
    def _numbered(cls, headings: list[int], info: ValidationInfo) -> list[int]:
        for value in headings:
            _line_numbers(value, info)
        return headings

    @field_validator("not_headings")
    @classmethod
    def _rejected(cls, rejected: list[Rejection], info: ValidationInfo) -> list[Rejection]:
        for r in rejected:
            _line_numbers(r.line, info)
        return rejected
