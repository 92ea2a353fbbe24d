"""`pageindex-tui --also URL`: the app's gauges watch the endpoint and each replica behind a router.

Two fake vLLM servers on loopback; the real app, its gauges polling both. Nothing here is a snapshot:
the cards hold live latencies (the fixed-data snapshots of the cards are in test_gauges.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeVLLM
from uikit import make_app, wait_for

from pageindex_tui.cli.parsers import parse
from pageindex_tui.monitor.server import UP, short_name
from pageindex_tui.settings import Settings
from pageindex_tui.ui.widgets.gauges import GaugesPane


def shown(pane: GaugesPane) -> str:
    return "\n".join(line.plain for line in pane.lines())


def test_the_app_takes_also_like_doctor() -> None:
    args = parse(["docs", "--also", "http://10.0.0.2:8000/v1", "--also", "http://10.0.0.3:8000/v1"])
    assert args.command is None and args.path == Path("docs")
    assert args.also == ["http://10.0.0.2:8000/v1", "http://10.0.0.3:8000/v1"]
    assert parse([]).also == []
    assert parse(["doctor", "--also", "http://10.0.0.2:8000/v1"]).also == ["http://10.0.0.2:8000/v1"]


@pytest.mark.asyncio
async def test_the_gauges_show_a_card_for_the_endpoint_and_one_for_each_replica(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Notes\n\nSome text.\n", encoding="utf-8")
    with (
        FakeVLLM(model="router/Qwen3-8B") as router,
        FakeVLLM(model="replica/Qwen3-8B") as replica,
        FakeVLLM(model="moved/Qwen3-8B") as moved,
    ):
        settings = Settings(endpoint=router.base_url)
        # the endpoint named again in --also is watched once
        also = [replica.base_url, router.base_url]
        app = make_app(tmp_path, docs, settings, gauges=True, also=also)
        async with app.run_test(size=(160, 48)) as pilot:
            pane = app.query_one(GaugesPane)
            assert pane.endpoints == [router.base_url, replica.base_url]

            def both_up() -> bool:
                return [(v.status.state, v.status.models) for v in pane.servers] == [
                    (UP, ("router/Qwen3-8B",)),
                    (UP, ("replica/Qwen3-8B",)),
                ]

            await wait_for(pilot, both_up, what="both servers polled")
            assert any(p.endswith("/metrics") for p in replica.paths)  # the replica's own figures

            await pilot.press("W")  # the big gauges: one card per server
            await wait_for(pilot, lambda: pane.is_maximized, what="the gauges maximized")
            await wait_for(
                pilot,
                lambda: "router/Qwen3-8B" in shown(pane) and "replica/Qwen3-8B" in shown(pane),
                what="two server cards",
            )
            cards = [line for line in shown(pane).splitlines() if "vLLM" in line]
            for server in (router, replica):
                assert any(short_name(server.base_url) in line for line in cards)

            # new settings move the first card to the new endpoint; every --also stays watched
            app.apply_settings(Settings(endpoint=moved.base_url))
            assert pane.endpoints == [moved.base_url, replica.base_url, router.base_url]
            await wait_for(
                pilot,
                lambda: (
                    [v.status.models for v in pane.servers]
                    == [("moved/Qwen3-8B",), ("replica/Qwen3-8B",), ("router/Qwen3-8B",)]
                ),
                what="the moved endpoint and the replica polled",
            )
