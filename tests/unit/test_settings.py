import pytest

from pageindex_tui.errors import SettingsError
from pageindex_tui.settings import FIELDS, USES, Settings, sampling_for
from pageindex_tui.settings.file import load_settings
from pageindex_tui.settings.rules import conflicts, summary_budget


def test_defaults_match_pageindex(tmp_path):
    s = load_settings({}, env={}, path=tmp_path / "none.toml")
    assert (s.endpoint, s.model, s.context_length, s.concurrency) == ("http://localhost:8000/v1", "", 0, 0)
    assert (s.toc_check_pages, s.max_pages_per_node, s.max_tokens_per_node) == (20, 10, 20000)
    assert (s.if_add_node_id, s.if_add_node_summary, s.if_add_doc_description, s.if_add_node_text) == (
        True,
        True,
        False,
        False,
    )
    assert s.source("endpoint") == "default"


def test_precedence_flag_over_env_over_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('endpoint = "http://file:1/v1"\nmodel = "from-file"\n[index]\nmax_pages_per_node = 7\n')
    env = {"VLLM_ENDPOINT": "http://env:2/v1", "OPENAI_BASE_URL": "http://lower:3/v1"}
    s = load_settings({"model": "from-flag"}, env=env, path=cfg)
    assert s.endpoint == "http://env:2/v1" and s.source("endpoint") == "environment VLLM_ENDPOINT"
    assert s.model == "from-flag" and s.source("model") == "command line"
    assert s.max_pages_per_node == 7 and str(cfg) in s.source("max_pages_per_node")
    s2 = load_settings({"endpoint": "http://flag:4/v1/"}, env=env, path=cfg)
    assert s2.endpoint == "http://flag:4/v1"


def test_env_names_from_the_compatibility_matrix(tmp_path):
    env = {"OPENAI_BASE_URL": "http://b:1/v1", "OPENAI_MODEL": "m2", "CHATGPT_API_KEY": "k"}
    s = load_settings({}, env=env, path=tmp_path / "x.toml")
    assert (s.endpoint, s.model, s.api_key) == ("http://b:1/v1", "m2", "k")
    s = load_settings(
        {}, env={**env, "VLLM_MODEL_NAME": "Qwen/Qwen3-8B", "OPENAI_API_KEY": "k1"}, path=tmp_path / "x.toml"
    )
    assert (s.model, s.api_key) == ("Qwen/Qwen3-8B", "k1")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("concurrency", "many", "not a whole number"),
        ("concurrency", -1, "0 (adaptive) or between 1 and 512"),
        ("thinking_budget", 5, "0 (unbounded) or between 16"),
        ("reasoning_effort", "loads", "not one of none, minimal, low"),
        ("concurrency", 100000, "between 1 and 512"),
        ("context_length", 7, "must be 0 (the served model's length) or between 1024"),
        ("context_length", -1, "must be 0"),
        ("max_output_tokens", 3, "between 16 and"),
        ("max_retries", 99, "between 0 and 20"),
        ("max_tokens_per_node", 5, "between 100 and"),
        ("toc_check_pages", 0, "between 1 and 1000"),
        ("request_timeout", 0, "must be positive"),
        ("endpoint", "localhost:8000", "not an http(s) URL"),
        ("thinking", "maybe", "not yes or no"),
        ("temperature", "3", "between 0 and 2"),
    ],
)
def test_bad_values_name_field_value_and_source(tmp_path, field, value, words):
    with pytest.raises(SettingsError) as err:
        load_settings({field: value}, env={}, path=tmp_path / "x.toml")
    assert field in str(err.value) and repr(value) in str(err.value) and "command line" in str(err.value)
    assert words in str(err.value)


def test_bad_file_and_bad_env_value_name_their_source(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("concurrency = [\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings({}, env={}, path=cfg)
    with pytest.raises(SettingsError, match="environment VLLM_ENDPOINT"):
        load_settings({}, env={"VLLM_ENDPOINT": "ftp://x"}, path=tmp_path / "none.toml")
    cfg.write_text("colour = 'red'\n")
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        load_settings({}, env={}, path=cfg)


def test_sampling_follows_qwen3_guidance_and_is_never_greedy_when_thinking():
    assert sampling_for(Settings(), thinking=True) == {
        "temperature": 0.6,
        "top_p": 0.95,
        "top_k": 20,
        "min_p": 0.0,
    }
    assert sampling_for(Settings(), thinking=False)["top_p"] == 0.8
    assert sampling_for(Settings(temperature=0.2), thinking=False)["temperature"] == 0.2


def test_thinking_per_purpose_and_the_one_switch_that_sets_them_all(tmp_path):
    """Issue 12: structure decisions and answers think, summaries do not; `thinking` (the --thinking
    flag, or the key in a file) sets every purpose the same source does not set itself."""
    s = load_settings({}, env={}, path=tmp_path / "none.toml")
    assert [s.thinks(use) for use in USES] == [True, False, True]
    on = load_settings({"thinking": "yes"}, env={}, path=tmp_path / "none.toml")
    assert all(on.thinks(u) for u in USES)
    off = load_settings({"thinking": "no"}, env={}, path=tmp_path / "none.toml")
    assert not any(off.thinks(u) for u in USES)
    cfg = tmp_path / "c.toml"
    cfg.write_text("thinking = true\nthinking_summary = false\n")
    mixed = load_settings({}, env={}, path=cfg)
    assert [mixed.thinks(use) for use in USES] == [True, False, True]
    assert Settings(thinking=False, thinking_summary=True).thinks("summary") is False  # the master switch
    assert load_settings({"concurrency": "auto"}, env={}, path=tmp_path / "none.toml").concurrency == 0


def test_public_dict_hides_the_key():
    assert Settings(api_key="sk-secret").public_dict()["api_key"] == "(set)"
    assert "sk-secret" not in repr(Settings(api_key="sk-secret").public_dict())


def test_every_number_on_the_screen_has_bounds_and_edge_values_pass(tmp_path):
    for name, info in FIELDS.items():
        if info.screen in ("int", "float", "temperature"):
            assert info.low is not None and info.high is not None, name
    edges = {"context_length": 1024, "concurrency": 512, "max_retries": 0, "max_output_tokens": 16}
    s = load_settings(edges, env={}, path=tmp_path / "x.toml")
    assert (s.context_length, s.concurrency, s.max_retries, s.max_output_tokens) == (1024, 512, 0, 16)
    assert load_settings({"context_length": 0}, env={}, path=tmp_path / "x.toml").context_length == 0


def test_conflicts_name_what_cannot_work_together():
    assert conflicts(Settings()) == []  # the defaults work together, whatever the server serves
    assert conflicts(Settings(), served_context=32768) == []
    small = Settings(context_length=2048, max_output_tokens=4096)
    found = conflicts(small)
    assert [c.fields for c in found] == [
        ("max_output_tokens", "context_length"),
        ("max_tokens_per_node", "context_length"),
    ]
    assert "max_output_tokens = 4096 is not below context_length = 2048" in found[0].message
    room = summary_budget(small, 2048)[1]
    assert f"reads only its first {room} tokens" in found[1].message
    # context_length 0: the served model's context counts, and is named as such
    served = conflicts(Settings(max_tokens_per_node=20000), served_context=8192)
    assert [c.fields for c in served] == [("max_tokens_per_node",)]
    assert "the served context of 8192" in served[0].message
    # no summaries: the node size cannot overflow a summary prompt
    assert conflicts(Settings(if_add_node_summary=False), served_context=8192) == []
    thinking = conflicts(Settings(thinking=True, max_output_tokens=300))
    assert [c.fields for c in thinking] == [("max_output_tokens", "thinking")]
    deadline = conflicts(Settings(request_timeout=300, request_deadline=60))
    assert [c.fields for c in deadline] == [("request_deadline", "request_timeout")]


def test_the_command_line_flags_are_the_fields_with_a_flag_group(tmp_path, capsys):
    from pageindex_tui.cli.parsers import build_ask_parser, build_index_parser, flag_values, parse

    flagged = {name: info for name, info in FIELDS.items() if info.flag_group}
    assert {info.flag_group for info in flagged.values()} == {"server", "index", "ask"}
    options = {o for action in build_index_parser()._actions for o in action.option_strings}
    asking = {o for action in build_ask_parser()._actions for o in action.option_strings}
    for name, info in flagged.items():
        flag = f"--{(info.flag or name).replace('_', '-')}"
        assert flag in (asking if info.flag_group == "ask" else options), flag
        assert flag in asking  # ask takes every setting flag: the server's, the tree's and its bounds
    # every value arrives as text and is converted and checked where the file's and environment's are
    argv = ["index", "a.pdf", "--timeout", "20", "--retries", "0", "--thinking", "no", "--concurrency=auto"]
    argv += ["--if-add-node-summary", "no", "--max-pages-per-node", "7", "--no-cache"]
    settings = load_settings(flag_values(parse(argv)), env={}, path=tmp_path / "none.toml")
    assert (settings.request_timeout, settings.max_retries, settings.thinking, settings.concurrency) == (
        20.0,
        0,
        False,
        0,
    )
    assert (settings.if_add_node_summary, settings.max_pages_per_node, settings.cache) == (False, 7, False)
    assert settings.source("request_timeout") == "command line"
    with pytest.raises(SettingsError) as bad:
        load_settings(flag_values(parse(["index", "a.pdf", "--timeout", "-3"])), env={}, path=tmp_path / "n")
    assert "request_timeout = '-3' (from command line)" in bad.value.message
    assert bad.value.hint == "fix --timeout"


def test_a_new_settings_folder_is_private(tmp_path):
    """Issue 22, build 7: the settings file may hold an API key; a folder made for it is 0700 (the file
    0600), like the cache's and the library's."""
    import stat

    from pageindex_tui.settings.file import save_settings

    path = save_settings(Settings(api_key="secret"), tmp_path / "made" / "config.toml")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
