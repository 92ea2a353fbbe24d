"""The layout stage inside a run: no server needed, the model asked only about unsure headings,
a coarse outline grafted, large nodes split at their sub-headings, provenance in the run record."""

from __future__ import annotations

import json
import re

import contentsgen
import layoutgen
import scoring
from fakes import FakeVLLM, Script, smart_model
from pdfgen import TOC_OFFSET, make_outline_pdf, make_toc_pdf
from pypdf import PdfWriter
from test_pipeline import no_server, run_index

from pageindex_tui import events
from pageindex_tui.index.split import pages_to_read
from pageindex_tui.index.structure import YES_NO_TOKENS
from pageindex_tui.index.tree import Node
from pageindex_tui.settings import Settings


def offline(**overrides) -> Settings:
    return Settings(endpoint=no_server(), if_add_node_summary=False, max_retries=0, **overrides)


def test_no_server_still_gives_the_layout_tree_with_a_warning(tmp_path):
    path, truth = layoutgen.make_open_lines(tmp_path)  # unsure lines a model could have decided
    result, seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()  # as written to <stem>_run.json
    assert run["structure_source"] == "layout" and run["llm"]["calls"] == 0
    assert any("no model server" in w and "rules alone" in w for w in run["warnings"])
    assert any(isinstance(e, events.WarningEvent) and "no model server" in e.message for e in seen)
    found = scoring.flatten(result.result.to_json()["structure"])
    assert scoring.score(found, truth).recall >= 0.9
    sources = {n["title"]: (n["source"], n["confidence"]) for n in run["provenance"]["nodes"]}
    assert set(run["provenance"]["by_source"]) <= {"layout", "pages"}
    assert all(0 < confidence <= 1 for _s, confidence in sources.values())


def test_sure_headings_need_no_server_and_no_warning(tmp_path):
    path, truth = layoutgen.make_numbered(tmp_path)
    result, seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "layout" and not result.run.warnings
    assert not any(isinstance(e, events.CallStarted) for e in seen)
    score = scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth)
    assert score.recall == 1.0 and score.level_accuracy == 1.0


def _judge(reject: str, reason: str):
    """A model that calls every candidate line a heading except the one whose title contains `reject`,
    which it says is not one, for `reason`."""
    asked: list[str] = []

    def answer(body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        if "might be section headings" not in prompt:
            return Script(answer="{}")
        asked.append(prompt)
        lines = re.findall(r"^(\d+)\. page \d+; .*?; line: '(.*?)'; next line", prompt, re.M)
        keep = [int(n) for n, title in lines if reject not in title]
        no = [{"line": int(n), "reason": reason} for n, title in lines if reject in title]
        return Script(answer=json.dumps({"headings": keep, "not_headings": no}))

    return answer, asked


def test_the_model_decides_only_the_unsure_headings_its_answer_can_change(tmp_path):
    path, _truth = layoutgen.make_open_lines(tmp_path)
    answer, asked = _judge("Key findings", "sentence")  # a reason the rules cannot see in that line
    with FakeVLLM(default=answer) as fake:
        settings = Settings(endpoint=fake.base_url, if_add_node_summary=False)
        result, seen = run_index(settings, path, tmp_path / "out")
    assert result.ok, result.error
    assert asked and all("Page 3 line 1" not in prompt for prompt in asked)  # never the whole text
    purposes = [e.purpose for e in seen if isinstance(e, events.CallStarted)]
    assert purposes == ["check headings p1-4"]  # five lines: one batch
    shown = re.findall(r"line: '(.*?)'; next line", asked[0])
    # unsure lines the rules keep and see nothing against, whatever the model said, are not shown
    assert sorted(shown) == ["Key findings"] * 4 + ["WINTER SAMPLES"]
    titles = [t for t, _p, _l in scoring.flatten(result.result.to_json()["structure"])]
    assert titles.count("Key findings") == 4 and "Growth Rates" in titles  # the rejection was refused
    by_title = {n["title"]: n["source"] for n in result.run.to_dict()["provenance"]["nodes"]}
    assert by_title["WINTER SAMPLES"] == "model" and by_title["Key findings"] == "layout"
    assert by_title["Growth Rates"] == "layout"
    facts = result.run.facts
    assert result.run.structure_source == "layout" and (facts.layout_unsure, facts.layout_model_lines) == (
        16,
        5,
    )
    assert any("without a reason the rules" in w.message for w in result.run.warnings)


def test_no_call_where_the_models_answer_could_change_nothing(tmp_path):
    path, _truth = layoutgen.make_caps(tmp_path)  # unsure lines all, but the rules keep each and see
    answer, asked = _judge("Seasonal", "sentence")  # nothing against it: the model could not drop one
    with FakeVLLM(default=answer) as fake:
        settings = Settings(endpoint=fake.base_url, if_add_node_summary=False)
        result, seen = run_index(settings, path, tmp_path / "out")
        alone, _ = run_index(offline(), path, tmp_path / "alone")
    assert result.ok and alone.ok, (result.error, alone.error)
    assert not asked and not any(isinstance(e, events.CallStarted) for e in seen)
    assert result.run.facts.layout_unsure == 11 and result.run.facts.layout_model_lines is None
    assert result.result == alone.result
    assert not any("no model server" in w for w in alone.run.to_dict()["warnings"])


def test_a_model_that_rejects_every_unsure_heading_leaves_the_no_model_tree(tmp_path):
    path, _truth = layoutgen.make_open_lines(tmp_path)  # every candidate unsure
    alone, _ = run_index(offline(), path, tmp_path / "alone")

    def answer(body: dict) -> Script:
        prompt = body["messages"][-1]["content"]
        lines = re.findall(r"^(\d+)\. page", prompt, re.M)
        no = [{"line": int(n), "reason": ("other", "sentence")[int(n) % 2]} for n in lines]
        return Script(answer=json.dumps({"headings": [], "not_headings": no}))

    with FakeVLLM(default=answer) as fake:
        settings = Settings(endpoint=fake.base_url, if_add_node_summary=False)
        result, seen = run_index(settings, path, tmp_path / "out")
    assert result.ok and alone.ok, (result.error, alone.error)
    purposes = [e.purpose for e in seen if isinstance(e, events.CallStarted)]
    assert purposes and all(p.startswith("check headings") for p in purposes)  # never the whole text
    assert result.run.structure_source == "layout"
    assert result.result == alone.result


def test_garbage_from_the_model_leaves_the_rules_in_charge(tmp_path):
    path, truth = layoutgen.make_open_lines(tmp_path)
    with FakeVLLM(default=lambda body: Script(answer="These all look like headings to me!")) as fake:
        settings = Settings(endpoint=fake.base_url, if_add_node_summary=False)
        result, _ = run_index(settings, path, tmp_path / "out")
    assert result.ok, result.error
    assert any("no usable reply" in w.message for w in result.run.warnings)
    assert scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth).recall >= 0.9


def test_a_coarse_outline_gets_the_layout_sections_grafted_under_it(tmp_path):
    path, truth = layoutgen.make_coarse_outline(tmp_path)
    result, seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()  # as written to <stem>_run.json
    assert run["structure_source"] == "hybrid" and run["facts"]["layout_grafted"] >= 8
    found = scoring.flatten(result.result.to_json()["structure"])
    score = scoring.score(found, truth)
    assert score.recall >= 0.9 and score.level_accuracy >= 0.9, score
    sources = {n["source"] for n in run["provenance"]["nodes"]}
    assert {"outline", "layout"} <= sources
    assert not any(isinstance(e, events.CallStarted) for e in seen)


def test_large_nodes_split_at_their_sub_headings_without_the_model(tmp_path):
    path, _truth = layoutgen.make_long_sections(tmp_path, outline=True)
    settings = offline(max_pages_per_node=2, max_tokens_per_node=100)
    result, seen = run_index(settings, path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "outline"
    chapters = result.result.to_json()["structure"]
    later = [c for c in chapters if c["title"].startswith(("2 ", "3 "))]
    assert later and all(len(c.get("nodes", [])) >= 5 for c in later)
    assert result.run.facts.split_by_layout >= 2
    assert not any(isinstance(e, events.CallStarted) for e in seen)


def test_a_split_that_needs_the_absent_model_is_skipped_not_fatal(tmp_path):
    settings = offline(max_pages_per_node=2, max_tokens_per_node=50)
    result, _ = run_index(settings, make_outline_pdf(tmp_path), tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "outline"
    assert any("skipped" in w.message and "cannot reach" in w.message for w in result.run.warnings)
    assert result.run.facts.split_skipped >= 1


def test_a_split_round_reads_first_the_pages_of_every_node_over_max_pages():
    nodes = [Node("a", 1, 5), Node("b", 6, 30), Node("c", 31, 60, [Node("c1", 31, 40), Node("c2", 41, 60)])]
    assert pages_to_read(nodes, 10) == [*range(6, 31), *range(41, 61)]  # "c" has subsections, "c1" fits


def test_rotated_pages_keep_their_headings(tmp_path):
    path, truth = layoutgen.make_numbered(tmp_path)
    writer = PdfWriter(clone_from=path)
    for number, page in enumerate(writer.pages):
        page.rotate(90 if number % 2 else 270)
    rotated = tmp_path / "rotated.pdf"
    with rotated.open("wb") as fh:
        writer.write(fh)
    result, _ = run_index(offline(), rotated, tmp_path / "out")
    assert result.ok, result.error
    assert scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth).recall >= 0.9


def test_type3_fonts_are_read_without_a_crash(tmp_path):
    path, truth = layoutgen.make_type3(tmp_path)
    result, _ = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "layout"
    assert scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth).recall == 1.0


def test_a_chapters_only_contents_page_gets_the_layout_sections_grafted_under_it(tmp_path):
    path, truth = contentsgen.make_chapter_contents(tmp_path)
    result, seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()  # as written to <stem>_run.json
    assert run["structure_source"] == "hybrid" and run["facts"]["toc_pages"] == [1]
    score = scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth)
    assert score.recall == 1.0 and score.level_accuracy == 1.0, score
    assert run["provenance"]["by_source"]["contents"] == 5 and run["provenance"]["by_source"]["layout"] == 6
    assert not any(isinstance(e, events.CallStarted) for e in seen)


def test_a_list_of_exhibits_without_pages_closing_the_contents_gives_no_entries(tmp_path):
    # "Exhibit 3": the number is the exhibit's, not a page; read as one, the list's lines became
    # entries "EXHIBITS Exhibit 4.1 Exhibit 10.16 Exhibit" at page 3 and "Exhibit" at page 5
    path, truth = contentsgen.make_chapter_contents(tmp_path, exhibits=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    score = scoring.score(scoring.sections(result.result.to_json()["structure"]), truth)
    assert score.recall == 1.0 and score.precision == 1.0, score  # coverage nodes ("Preface") aside


def test_a_contents_line_that_points_back_gets_no_copy_of_the_later_sections(tmp_path):
    # the last contents line points back into the first chapter: its pages end at the next entry in
    # page order, not at the document's end, so the sections of later chapters are grafted once
    path, truth = contentsgen.make_chapter_contents(tmp_path, back="6 Exhibits")
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "hybrid"
    found = scoring.flatten(result.result.to_json()["structure"])
    pairs = [(title, page) for title, page, _level in found]
    assert len(pairs) == len(set(pairs)), sorted(pairs)
    score = scoring.score(found, truth)
    assert score.recall == 1.0 and result.run.facts.layout_grafted == 6, found


def test_a_heading_that_reads_on_past_its_contents_line_is_not_grafted_under_itself(tmp_path):
    # "2 Materials and Methods in Detail" on the page, "2 Materials and Methods" in the contents: one
    # section, not a chapter with itself as its first sub-section
    path, _truth = contentsgen.make_chapter_contents(tmp_path, longer="in Detail")
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.structure_source == "hybrid"
    found = scoring.flatten(result.result.to_json()["structure"])
    assert not [title for title, _page, level in found if level > 0 and title.endswith("in Detail")], found
    assert result.run.facts.layout_grafted == 6


def test_a_list_of_figures_on_the_contents_page_gives_no_sections(tmp_path):
    path, truth = contentsgen.make_chapter_contents(tmp_path, figures=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    found = scoring.flatten(result.result.to_json()["structure"])
    assert not [title for title, _page, _level in found if "Figure" in title], found
    assert scoring.score(found, truth).recall == 1.0


def test_a_contents_headed_in_french_with_page_ranges_gives_its_chapters_at_their_first_pages(tmp_path):
    # "Table des mati\u00e8res" is the contents' heading, not the first entry's start; "2-3" after a
    # leader is a chapter's pages, the first of them where it starts
    path, truth = contentsgen.make_chapter_contents(tmp_path, head="Table des mati\u00e8res", ranges=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run
    assert run.structure_source == "hybrid" and run.facts.toc_entries == 5
    found = scoring.flatten(result.result.to_json()["structure"])
    assert not [title for title, _page, _level in found if "mati" in title], found
    assert scoring.score(found, truth).recall == 1.0


def test_a_contents_that_lists_fewer_headings_gets_those_set_as_its_levels_or_below_them(tmp_path):
    # the contents lists five sections; the text sets a sixth as it sets them, and sub-sections in a
    # smaller bold under every section: all of them are headings, at the level their type gives
    path, truth = contentsgen.make_shallow_contents(tmp_path)
    result, seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()
    assert run["structure_source"] == "hybrid" and run["facts"]["layout_grafted"] == 14
    score = scoring.score(scoring.sections(result.result.to_json()["structure"]), truth)
    assert score.recall == 1.0 and score.precision == 1.0 and score.level_accuracy == 1.0, score
    assert run["provenance"]["by_source"]["contents"] == 5 and run["provenance"]["by_source"]["layout"] == 14
    assert not any(isinstance(e, events.CallStarted) for e in seen)


def test_a_listed_title_set_again_on_its_page_is_not_a_second_section(tmp_path):
    path, truth = contentsgen.make_shallow_contents(tmp_path, repeat=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    found = scoring.sections(result.result.to_json()["structure"])
    assert [title for title, _page, _level in found].count("Discussion") == 1, found
    assert scoring.score(found, truth).recall == 1.0


def test_a_style_below_the_contents_in_one_section_only_is_not_taken_for_its_sub_sections(tmp_path):
    path, truth = contentsgen.make_shallow_contents(tmp_path, lone=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.facts.layout_grafted == 1  # the section left out, set as the listed ones
    score = scoring.score(scoring.sections(result.result.to_json()["structure"]), truth)
    assert score.recall == 1.0 and score.precision == 1.0, score


def test_a_contents_that_stops_a_level_short_gets_the_sections_numbered_under_its_entries(tmp_path):
    # the contents list "2" and "2.1"; the text numbers "2.1.1" and "2.1.2" under "2.1" as well
    path, truth = contentsgen.make_section_contents(tmp_path)
    result, seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()
    assert run["structure_source"] == "hybrid" and run["facts"]["layout_grafted"] == 2
    score = scoring.score(scoring.flatten(result.result.to_json()["structure"]), truth)
    assert score.recall == 1.0 and score.level_accuracy == 1.0, score
    assert not any(isinstance(e, events.CallStarted) for e in seen)


def test_sections_numbered_under_an_entry_are_taken_where_only_bold_sets_them_apart(tmp_path):
    # "2.1.1 Field Sites: How ..." in bold a point smaller than the text, its title long: the rules
    # alone would not keep it, its number going on from the listed "2.1" does; so does a number
    # followed by a step's ("2.1.1 1. Field Sites"), which is no section number of its own
    for small, steps in ((True, False), (False, True)):
        path, truth = contentsgen.make_section_contents(tmp_path, small=small, steps=steps)
        result, _seen = run_index(offline(), path, tmp_path / f"out-{small}")
        assert result.ok, result.error
        assert result.run.facts.layout_grafted == 2
        found = scoring.sections(result.result.to_json()["structure"])
        score = scoring.score(found, truth)
        assert score.recall == 1.0 and score.precision == 1.0 and score.level_accuracy == 1.0, found


def test_the_steps_numbered_under_a_sub_section_the_contents_leaves_out_are_its_children(tmp_path):
    # "2.1.1 Field Sites" (numbered under the listed "2.1") holds "1. Gather the Tools" and "2. Record
    # the Readings", bold at the body size: a series from 1 after the section, one level below it
    path, truth = contentsgen.make_section_contents(tmp_path, tasks=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    assert result.run.facts.layout_grafted == 2 + 2 * 2
    found = scoring.sections(result.result.to_json()["structure"])
    score = scoring.score(found, truth)
    assert score.recall == 1.0 and score.precision == 1.0 and score.level_accuracy == 1.0, found


def test_an_annex_after_the_contents_last_entry_is_a_part_with_its_sections(tmp_path):
    # after the last chapter the contents lists, an annex it does not list: its title set larger
    # than any level the contents lists, its sections set as the contents' sections are
    path, truth = contentsgen.make_section_contents(tmp_path, annex=True)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run.to_dict()
    assert run["structure_source"] == "hybrid" and run["facts"]["layout_grafted"] == 2 + 4
    found = scoring.sections(result.result.to_json()["structure"])
    score = scoring.score(found, truth)
    assert score.recall == 1.0 and score.precision == 1.0 and score.level_accuracy == 1.0, found


def test_a_printed_contents_confirms_the_layouts_headings_and_gives_their_levels(tmp_path):
    # an excerpt: its contents' page numbers point past its end, so the contents cannot place the
    # sections, but they still say which lines are headings and at what level, where type cannot
    path, truth = contentsgen.make_excerpt_contents(tmp_path)
    result, _seen = run_index(offline(), path, tmp_path / "out")
    assert result.ok, result.error
    run = result.run
    assert run.structure_source == "layout"
    assert run.facts.layout_listed == len(truth)
    found = scoring.flatten(result.result.to_json()["structure"])
    score = scoring.score(found, truth)
    assert score.recall == 1.0 and score.level_accuracy == 1.0  # by type alone: 5 of 13 levels right
    origins = {n["title"]: n["source"] for n in run.to_dict()["provenance"]["nodes"]}
    assert {origins[title] for title, _page, _level in truth} == {"contents"}
    assert run.llm.calls == 0


def test_contents_entries_the_search_cannot_place_are_not_put_to_the_model(tmp_path):
    # a page the model named would be taken only with the title printed on it, which the search
    # has looked for on every page of the window: the entry keeps its printed page, without a call
    path = make_toc_pdf(tmp_path, printed_as={"3 Design": "3 Building It"})
    with FakeVLLM(default=smart_model) as fake:
        settings = Settings(endpoint=fake.base_url, if_add_node_summary=False)
        result, seen = run_index(settings, path, tmp_path / "out")
        alone, _ = run_index(offline(), path, tmp_path / "alone")
    assert result.ok and alone.ok, (result.error, alone.error)
    purposes = [e.purpose for e in seen if isinstance(e, events.CallStarted)]
    assert not any(p.startswith("locate") for p in purposes)
    assert result.result == alone.result and result.run.structure_source == "toc"
    found = scoring.flatten(result.result.to_json()["structure"])
    assert ("3 Design", 7 + TOC_OFFSET) in [(title, page) for title, page, _level in found]


def test_a_contents_page_the_rules_are_unsure_of_is_confirmed_in_a_short_reply(tmp_path):
    path = make_toc_pdf(tmp_path, plain=True)  # no "Contents" heading, no dot leaders
    limits: list[int] = []

    def answer(body: dict) -> Script:
        if "table of contents" in body["messages"][-1]["content"]:
            limits.append(body["max_tokens"])
            return Script(answer='{"is_contents": true}')
        return Script(answer="{}")

    with FakeVLLM(default=answer) as fake:
        for thinking in (False, True):
            settings = Settings(endpoint=fake.base_url, if_add_node_summary=False, thinking=thinking)
            result, _seen = run_index(settings, path, tmp_path / f"out-{thinking}")
            assert result.ok and result.run.structure_source == "toc", result.error
    # one true or false: a short limit, unless the model reasons first (then the settings' own)
    assert limits == [YES_NO_TOKENS, Settings().max_output_tokens]
