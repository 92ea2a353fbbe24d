"""Reply shapes: as lenient as a model needs, and errors that say where the reply is wrong."""

import pytest
from pydantic import ValidationError

from pageindex_tui.index.shapes import ContentsEntries, HeadingsCheck, Sections
from pageindex_tui.llm.replies import problems, reply_schema


def error_of(shape, data, **context):
    with pytest.raises(ValidationError) as caught:
        shape.model_validate(data, context=context or None)
    return problems(caught.value)


def test_sections_take_numbers_as_a_model_writes_them():
    reply = {"sections": [{"title": " 1 Intro ", "page": "3"}, {"title": "2", "page": 4.0, "level": 9}]}
    found = Sections.model_validate(reply, context={"first": 1, "last": 5}).sections
    assert [(s.title, s.level, s.page) for s in found] == [("1 Intro", 1, 3), ("2", 9, 4)]


def test_section_errors_name_the_place():
    reply = {"sections": [{"title": "", "page": 2}, {"title": "B", "page": 9}, {"title": "C", "page": 1e400}]}
    message = error_of(Sections, reply, first=1, last=5)
    assert "sections[0].title: needs a title" in message
    assert "sections[1].page: page 9 is outside pages 1-5" in message
    assert "sections[2].page: inf is not an integer" in message
    assert error_of(Sections, ["not", "an", "object"]).startswith("the reply: ")


def test_contents_entries_without_a_number_have_no_page():
    reply = {"entries": [{"title": "Preface", "page": "iv"}, {"title": "One", "level": 2, "page": 7.0}]}
    entries = ContentsEntries.model_validate(reply).entries
    assert [(e.title, e.level, e.page) for e in entries] == [("Preface", 1, None), ("One", 2, 7)]


def test_sections_and_headings_check_their_range():
    section = {"title": "Two", "level": 1, "page": 7}
    assert "page 7 is outside pages 2-4" in error_of(Sections, {"sections": [section]}, first=2, last=4)
    assert "page: Field required" in error_of(Sections, {"sections": [{"title": "Two"}]})
    assert HeadingsCheck.model_validate({"headings": [1, 3]}, context={"lines": 3}).headings == [1, 3]
    assert "5 is not one of the line numbers 1 to 3" in error_of(HeadingsCheck, {"headings": [5]}, lines=3)
    assert "headings[0]: Input should be a valid integer" in error_of(HeadingsCheck, {"headings": [True]})


def test_schemas_require_every_field_and_keep_the_bounds():
    item = reply_schema(Sections)["properties"]["sections"]["items"]
    assert item["required"] == ["title", "level", "page"]
    assert item["properties"]["level"] == {"type": "integer", "minimum": 1, "maximum": 6}
    page = reply_schema(ContentsEntries)["properties"]["entries"]["items"]["properties"]["page"]
    assert page == {"type": ["integer", "null"]}
