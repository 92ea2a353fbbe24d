"""The settings file is read per field: a wrong type is named, an inline table and a key set twice are
named, a number is finite; and saving writes through a symlinked config.toml. Through the real command
line (`main`) where the user meets it."""

from __future__ import annotations

import pytest

from pageindex_tui.cli.main import main
from pageindex_tui.settings import Settings, config_path
from pageindex_tui.settings.file import load_settings, save_settings


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = config_path()
    path.parent.mkdir(parents=True)
    return path


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('model = ["a", "b"]', ["model = ['a', 'b']", "is not text"]),
        ("[server]\nendpoint = 8000", ["endpoint = 8000", "is not text"]),
        ('model = { name = "x" }', ["setting 'model' is a table, not a value"]),
        ('[extra]\nmodel = "x"', ["unknown table 'extra'"]),
        ('model = "a"\n[server]\nmodel = "b"', ["'model' is set twice, at the top level and in [server]"]),
        ("[server]\nrequest_timeout = inf", ["request_timeout = inf", "not a finite number"]),
        ("[server]\nrequest_timeout = nan", ["not a finite number"]),
    ],
)
def test_a_bad_settings_file_is_one_clear_usage_error(config, capsys, text, words):
    config.write_text(text + "\n")
    assert main(["export", "missing.pdf"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(w in err for w in words), err


def test_saving_writes_through_a_symlinked_config_and_the_link_stays(config, tmp_path):
    real = tmp_path / "dotfiles" / "pageindex.toml"
    real.parent.mkdir()
    real.write_text('[server]\nmodel = "old"\n')
    config.symlink_to(real)
    settings = load_settings({}, env={}, path=config).with_values(f"settings file {config}", model="new")
    save_settings(settings, config)
    assert config.is_symlink() and config.resolve() == real.resolve()
    assert 'model = "new"' in real.read_text()
    assert load_settings({}, env={}, path=config).model == "new"
    assert Settings().model != "new"


@pytest.mark.parametrize("name", ["source", "self"])
def test_a_setting_named_like_a_parameter_is_an_unknown_setting(config, capsys, name):
    config.write_text(f'[server]\n{name} = "x"\n')
    assert main(["export", "missing.pdf"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"unknown setting {name!r}" in err, err
