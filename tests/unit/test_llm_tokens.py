from pageindex_tui.llm.tokens import estimate_tokens, fit_max_tokens, message_text


def test_estimate_errs_high():
    assert estimate_tokens("") == 0
    assert estimate_tokens("a" * 32) == 10
    assert estimate_tokens("a") == 1
    # multi-byte text costs more per character
    assert estimate_tokens("日本語" * 10) > estimate_tokens("abc" * 10)
    # ordinary English prose: a real tokenizer gives ~1 token per 4-5 characters
    prose = "The quick brown fox jumps over the lazy dog. " * 20
    assert estimate_tokens(prose) >= len(prose) / 4.5


def test_fit_keeps_wanted_when_it_fits():
    assert fit_max_tokens(1000, 40960, 4096) == 4096
    assert fit_max_tokens(1000, 2000, 100) == 100  # below the minimum but it fits


def test_fit_lowers_to_the_room_left():
    assert fit_max_tokens(38000, 40960, 4096) == 2960


def test_fit_gives_none_when_too_little_room():
    assert fit_max_tokens(40800, 40960, 4096) is None
    assert fit_max_tokens(50000, 40960, 4096) is None
    assert fit_max_tokens(40000, 40960, 4096, minimum=1000) is None


def test_message_text_handles_parts():
    assert message_text({"role": "user", "content": "hi"}) == "hi"
    assert message_text({"role": "user", "content": [{"type": "text", "text": "a"}, "b"]}) == "a\nb"
    assert message_text({"role": "assistant"}) == ""
