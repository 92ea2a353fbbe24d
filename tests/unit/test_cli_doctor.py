from fakes import FakeVLLM

from pageindex_tui.cli import main
from pageindex_tui.local_server import free_port


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
