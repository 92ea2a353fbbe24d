import pytest
from openai.types.chat import ChatCompletionChunk

from pageindex_tui.llm.reasoning import StreamReader, ThinkSplitter, delta_reasoning


def feed_all(pieces, window=256):
    splitter = ThinkSplitter(window=window)
    out = []
    for piece in pieces:
        out += splitter.feed(piece)
    out += splitter.close()
    return splitter, out


def joined(out, kind):
    return "".join(text for k, text in out if k == kind)


def test_plain_answer_passes_through():
    splitter, out = feed_all(["Hello", " world"])
    assert splitter.answer == "Hello world" and splitter.reasoning == ""
    assert joined(out, "answer") == "Hello world"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 100])
def test_inline_think_split_at_any_boundary(size):
    text = '<think>\nplan the answer\n</think>\n\n{"a": 1}'
    splitter, out = feed_all([text[i : i + size] for i in range(0, len(text), size)])
    assert splitter.reasoning.strip() == "plan the answer"
    assert splitter.answer == '{"a": 1}'
    assert "<" not in joined(out, "answer").replace('{"a": 1}', "")
    assert joined(out, "reasoning").strip() == "plan the answer"


def test_tag_cut_as_thi_nk():
    splitter, _ = feed_all(["<thi", "nk>abc</thi", "nk>", "done"])
    assert (splitter.reasoning, splitter.answer) == ("abc", "done")


def test_unclosed_think_is_all_reasoning():
    splitter, out = feed_all(["<think>still", " thinking when cut"])
    assert splitter.answer == ""
    assert splitter.reasoning == "still thinking when cut"
    assert all(kind == "reasoning" for kind, _ in out)


def test_leading_close_tag_marks_reasoning():
    # Qwen3-Thinking-2507: the template opened the block, the model only closes it
    splitter, out = feed_all(["Let me", " see.", "</th", "ink>", "\n\nThe answer"])
    assert splitter.reasoning == "Let me see."
    assert splitter.answer == "The answer"
    assert joined(out, "answer") == "The answer"


def test_late_close_tag_moves_text_to_reasoning():
    long_thought = "x" * 400
    splitter, _ = feed_all([long_thought, "</think>", "final"], window=64)
    assert splitter.answer == "final"
    assert long_thought in splitter.reasoning


def test_answer_streams_before_close_once_window_passed():
    splitter = ThinkSplitter(window=10)
    out = splitter.feed("a fairly long answer without any tags")
    assert joined(out, "answer").startswith("a fairly")


def test_cut_off_partial_tag_at_end_is_text():
    splitter, _ = feed_all(["answer <thi"])
    assert splitter.answer == "answer <thi"


def test_answer_never_contains_tags():
    splitter, _ = feed_all(["<think>a</think>b<think>c</think>d"])
    assert "<think>" not in splitter.answer and "</think>" not in splitter.answer
    assert splitter.answer.strip() == "bd"


def test_delta_reasoning_prefers_reasoning_and_never_doubles():
    assert delta_reasoning({"reasoning": "a", "reasoning_content": "a"}) == "a"
    assert delta_reasoning({"reasoning": None, "reasoning_content": "b"}) == "b"
    assert delta_reasoning({"content": "x", "reasoning_content": None}) == ""
    assert delta_reasoning({}) == ""


def chunk(delta, finish=None):
    return ChatCompletionChunk.model_validate(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def test_stream_reader_on_sdk_chunks_with_both_fields():
    reader = StreamReader()
    pieces = []
    for delta in (
        {"role": "assistant", "content": ""},
        {"reasoning": "think ", "reasoning_content": "think "},
        {"reasoning": "more", "reasoning_content": "more"},
        {"content": "\n\nyes", "reasoning_content": None},
    ):
        pieces += reader.feed(chunk(delta))
    pieces += reader.feed(chunk({}, finish="stop"))
    pieces += reader.close()
    assert reader.reasoning == "think more"
    assert reader.answer == "yes"
    assert reader.finish_reason == "stop"
    assert joined(pieces, "reasoning") == "think more"
