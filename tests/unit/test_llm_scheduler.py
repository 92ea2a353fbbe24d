"""The adaptive bound on scripted metric sequences, and the scheduler's order and bound."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from pageindex_tui.llm.scheduler import ASKING, INDEXING, Controller, Load, Priority, Scheduler


def run_sequence(controller: Controller, loads: list[Load], busy: bool = True) -> list[int]:
    limits = []
    for load in loads:
        controller.decide(load, in_flight=controller.limit if busy else 0)
        limits.append(controller.limit)
    return limits


def test_grows_while_the_server_has_room_up_to_the_ceiling():
    controller = Controller(start=8, high=256)
    limits = run_sequence(controller, [Load(waiting=0, kv_usage=0.2)] * 12)
    assert limits[:4] == [12, 18, 27, 40]
    assert limits[-1] == 256 and all(a <= b for a, b in itertools.pairwise(limits))


def test_does_not_grow_when_our_own_calls_do_not_fill_the_bound():
    controller = Controller(start=8)
    assert run_sequence(controller, [Load(waiting=0, kv_usage=0.1)] * 3, busy=False) == [8, 8, 8]


def test_shrinks_when_the_queue_grows_then_holds():
    controller = Controller(start=100)
    decision = controller.decide(Load(waiting=30, kv_usage=0.5), in_flight=100)
    assert decision.limit == 70 and "30 waiting in the server" in decision.reason
    assert controller.decide(Load(waiting=3, kv_usage=0.5), in_flight=70).reason == ""  # 3 < 10% of 70


def test_shrinks_when_the_kv_cache_is_nearly_full_and_never_grows_past_085():
    controller = Controller(start=64)
    assert controller.decide(Load(waiting=0, kv_usage=0.97), in_flight=64).limit == 44
    assert controller.decide(Load(waiting=0, kv_usage=0.9), in_flight=44).limit == 44


def test_shrinks_when_time_to_first_token_climbs():
    controller = Controller(start=64)
    controller.decide(Load(waiting=0, kv_usage=0.3, ttft=0.4), in_flight=0)
    decision = controller.decide(Load(waiting=0, kv_usage=0.3, ttft=3.0), in_flight=64)
    assert decision.limit == 44 and "time to first token" in decision.reason


def test_a_refusal_halves_and_the_floor_holds():
    controller = Controller(start=3)
    assert controller.overloaded("429 too many requests").limit == 1
    assert controller.overloaded("503").reason == ""  # already at the floor


def test_a_server_without_metrics_keeps_the_bound():
    controller = Controller(start=8)
    assert run_sequence(controller, [Load()] * 5) == [8] * 5


def test_llamacpp_slots_bound_the_limit():
    controller = Controller(start=2)
    assert controller.decide(Load(slots=4, waiting=0), in_flight=2).limit == 4
    assert controller.decide(Load(slots=4, waiting=0), in_flight=4).limit == 4
    controller = Controller(start=16)
    assert controller.decide(Load(slots=4, waiting=3), in_flight=16).limit == 4


def test_scheduler_bounds_calls_and_serves_the_lowest_priority_first():
    async def go():
        scheduler = Scheduler(1)
        order: list[str] = []
        gate = asyncio.Event()

        async def call(name: str, rank: float):
            async with scheduler.slot(Priority(INDEXING, rank)):
                order.append(name)
                assert scheduler.in_flight <= scheduler.limit
                await gate.wait()

        first = asyncio.create_task(call("first", 5))
        await asyncio.sleep(0)
        rest = [asyncio.create_task(call(n, p)) for n, p in (("big", 9), ("small", 1), ("mid", 4))]
        await asyncio.sleep(0)
        assert scheduler.waiting == 3
        gate.set()
        await asyncio.gather(first, *rest)
        return order

    assert asyncio.run(go()) == ["first", "small", "mid", "big"]


def test_a_question_takes_the_next_free_place_ahead_of_every_waiting_indexing_call():
    async def go():
        scheduler = Scheduler(2)
        order: list[str] = []
        gate = asyncio.Event()

        async def call(name: str, priority: Priority):
            async with scheduler.slot(priority):
                order.append(name)
                await gate.wait()

        tasks = [asyncio.create_task(call(f"index{n}", Priority(INDEXING, 1.0))) for n in range(6)]
        await asyncio.sleep(0)
        assert scheduler.waiting == 4
        question = Priority(ASKING)
        where = scheduler.place(question)
        assert (where.ahead, where.busy, where.places, where.free) == (0, 2, 2, False)
        assert scheduler.place(Priority(INDEXING, 1.0)).ahead == 4  # an indexing call waits behind all four
        tasks.append(asyncio.create_task(call("ask", question)))
        await asyncio.sleep(0)
        scheduler.set_limit(3)  # one place frees: the question takes it
        await asyncio.sleep(0)
        assert order == ["index0", "index1", "ask"]
        gate.set()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(go())[3:] == ["index2", "index3", "index4", "index5"]


def test_a_raised_bound_lets_waiters_in_and_a_cancelled_waiter_frees_nothing():
    async def go():
        scheduler = Scheduler(1)
        gate = asyncio.Event()
        inside = []

        async def call(n):
            async with scheduler.slot():
                inside.append(n)
                await gate.wait()

        tasks = [asyncio.create_task(call(n)) for n in range(4)]
        for _ in range(5):
            await asyncio.sleep(0)
        assert inside == [0]
        tasks[1].cancel()
        scheduler.set_limit(3)
        for _ in range(5):
            await asyncio.sleep(0)
        assert sorted(inside) == [0, 2, 3] and scheduler.in_flight == 3
        gate.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return scheduler.in_flight

    assert asyncio.run(go()) == 0


@pytest.mark.parametrize("limit", [1, 4])
def test_many_calls_never_exceed_the_bound(limit):
    async def go():
        scheduler = Scheduler(limit)
        peak = 0

        async def call():
            nonlocal peak
            async with scheduler.slot():
                peak = max(peak, scheduler.in_flight)
                await asyncio.sleep(0)

        await asyncio.gather(*(call() for _ in range(50)))
        return peak

    assert asyncio.run(go()) == limit
