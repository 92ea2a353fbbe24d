"""`doctor` on scanned pages: the embedded engine, and whether the OCR model takes images."""

from __future__ import annotations

import io

from fakes import FakeVLLM
from PIL import Image

from pageindex_tui.cli.main import main
from pageindex_tui.document import ocr
from pageindex_tui.monitor.ocr_check import SIDE, blank_png


def test_the_test_image_is_a_png():
    image = Image.open(io.BytesIO(blank_png()))
    assert image.format == "PNG" and image.size == (SIDE, SIDE) and image.getpixel((3, 3)) == 255


def test_doctor_says_a_vision_model_takes_images(capsys):
    with FakeVLLM(vision=True, model="Qwen/Qwen2.5-VL-7B-Instruct") as fake:
        code = main(["doctor", "--endpoint", fake.base_url, "--ocr-model", fake.model])
        sent = fake.requests[-1]["messages"][0]["content"]
    out = capsys.readouterr().out
    assert code == 0, out
    assert "takes images" in out and "Qwen/Qwen2.5-VL-7B-Instruct" in out
    assert sent[1]["type"] == "image_url" and sent[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_doctor_fails_a_text_only_ocr_model(capsys):
    with FakeVLLM() as fake:  # Qwen3-8B: vLLM refuses the image with a 400
        code = main(["doctor", "--endpoint", fake.base_url, "--ocr-model", fake.model])
    out = capsys.readouterr().out
    assert code == 1
    assert "did not take an image" in out and "HTTP 400" in out and "vllm serve" in out


def test_doctor_names_the_embedded_engine_or_how_to_install_one(capsys, monkeypatch):
    with FakeVLLM() as fake:
        monkeypatch.setattr(ocr, "engine_installed", lambda: True)
        assert main(["doctor", "--endpoint", fake.base_url]) == 0
        assert "embedded OCR engine (tesseract)" in capsys.readouterr().out
        monkeypatch.setattr(ocr, "engine_installed", lambda: False)
        assert main(["doctor", "--endpoint", fake.base_url]) == 0  # a warning, not a failure
        out = capsys.readouterr().out
    assert "no OCR engine is installed" in out and "apt-get install tesseract-ocr" in out


def test_a_bad_ocr_endpoint_is_refused_by_name(capsys):
    assert main(["doctor", "--ocr-endpoint", "gpu:8000"]) == 2
    assert "ocr_endpoint" in capsys.readouterr().err
