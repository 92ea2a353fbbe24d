from fakes import FakeVLLM

from pageindex_tui.cli.main import main
from pageindex_tui.local.server import free_port


def test_doctor_fails_when_the_server_is_down(capsys):
    code = main(["doctor", "--endpoint", f"http://127.0.0.1:{free_port()}/v1"])
    out = capsys.readouterr().out
    assert code == 1 and "not answering" in out and "exit status 1" in out


def test_doctor_passes_against_a_healthy_vllm(capsys):
    with FakeVLLM() as fake:
        code = main(["doctor", "--endpoint", fake.base_url])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Qwen/Qwen3-8B" in out and "healthy" in out


def test_doctor_wraps_long_lines_under_their_own_text(capsys, monkeypatch):
    """A terminal 60 columns wide: rows end by 60, and a wrapped row starts under the text it continues
    (after the mark, the "fix:" label, the settings name), never back at column 0."""
    monkeypatch.setenv("COLUMNS", "60")
    main(["doctor", "--endpoint", f"http://127.0.0.1:{free_port()}/v1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 60
    fail = next(n for n, line in enumerate(lines) if line.startswith("  [FAIL] "))
    assert len(lines[fail + 1]) > 9 and lines[fail + 1].startswith(" " * 9), lines[fail : fail + 3]
    headings = {"pageindex-tui doctor", "Settings", "GPUs", "Server", "Settings vs server"}
    at_zero = {line for line in lines if line and not line.startswith(" ")}
    assert {line for line in at_zero if not line.startswith(("Recommendation", "Result:"))} <= headings


def test_wrapping_keeps_every_character_and_cuts_words_only_when_they_do_not_fit():
    from pageindex_tui.monitor.doctor import hanging_indent, wrap_report, wrap_rows

    assert hanging_indent("  [warn] a message") == 9
    assert hanging_indent("         fix: do this") == 14
    assert hanging_indent("  endpoint       http://x (from default)") == 17
    assert hanging_indent("  For 80.0 GiB, compute 9.0") == 4
    line = "  [FAIL] " + " ".join(f"word{n}" for n in range(30)) + " " + "x" * 80
    indent, rows = wrap_rows(line, 40)
    assert indent == 9
    assert all(end - start <= 40 - (indent if n else 0) for n, (start, end) in enumerate(rows))
    assert "".join(line[a:b] for a, b in rows).replace(" ", "") == line.replace(" ", "")
    assert wrap_report("short\n", 40) == "short\n" and wrap_report(line + "\n", 0) == line + "\n"
