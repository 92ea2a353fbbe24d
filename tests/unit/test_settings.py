import pytest

from pageindex_tui.errors import SettingsError
from pageindex_tui.settings import Settings, load_settings, sampling_for


def test_defaults_match_pageindex(tmp_path):
    s = load_settings({}, env={}, path=tmp_path / "none.toml")
    assert (s.endpoint, s.model, s.context_length, s.concurrency) == ("http://localhost:8000/v1", "", 0, 8)
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
        ("concurrency", 0, "at least 1"),
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
    assert sampling_for(Settings(thinking=True)) == {
        "temperature": 0.6,
        "top_p": 0.95,
        "top_k": 20,
        "min_p": 0.0,
    }
    assert sampling_for(Settings(thinking=False))["top_p"] == 0.8
    assert sampling_for(Settings(thinking=False, temperature=0.2))["temperature"] == 0.2


def test_public_dict_hides_the_key():
    assert Settings(api_key="sk-secret").public_dict()["api_key"] == "(set)"
    assert "sk-secret" not in repr(Settings(api_key="sk-secret").public_dict())
