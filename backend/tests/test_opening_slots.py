"""NewestFirst (realtime/slots.py), which bounds the database reads of sockets being opened: at
most N at once, the newest waiter first unless the oldest has waited past its patience, and a
slot never lost to a waiter cancelled just as it is handed one."""

import asyncio
from collections.abc import Callable

import pytest

from app.realtime.slots import NewestFirst


async def hold(slots: NewestFirst, name: str, entered: list[str], release: asyncio.Event) -> None:
    async with slots.slot():
        entered.append(name)
        await release.wait()


async def until(condition: Callable[[], bool], deadline: float = 5.0) -> None:
    async with asyncio.timeout(deadline):
        while not condition():
            await asyncio.sleep(0)


async def test_at_most_size_hold_a_slot_and_the_newest_waiter_goes_first() -> None:
    slots = NewestFirst(2, patience=30)
    entered: list[str] = []
    gates = {name: asyncio.Event() for name in "abcde"}
    tasks = {}
    for name in "abcde":
        tasks[name] = asyncio.create_task(hold(slots, name, entered, gates[name]))
        await asyncio.sleep(0)  # in this order: c, d, e wait, e the newest
    await until(lambda: len(entered) == 2)
    assert entered == ["a", "b"]
    gates["a"].set()
    await until(lambda: len(entered) == 3)
    assert entered[-1] == "e"
    gates["b"].set()
    await until(lambda: len(entered) == 4)
    assert entered[-1] == "d"
    gates["e"].set()
    await until(lambda: len(entered) == 5)
    assert entered == ["a", "b", "e", "d", "c"]
    for gate in gates.values():
        gate.set()
    await asyncio.gather(*tasks.values())
    # Every slot came back: two can be held at once again, without waiting.
    async with slots.slot(), slots.slot():
        pass


async def test_a_waiter_past_its_patience_goes_before_newer_ones() -> None:
    slots = NewestFirst(1, patience=0)  # every waiter is past it as soon as it waits
    entered: list[str] = []
    done = asyncio.Event()
    async with slots.slot():
        oldest = asyncio.create_task(hold(slots, "oldest", entered, done))
        await asyncio.sleep(0)
        newer = asyncio.create_task(hold(slots, "newer", entered, done))
        await asyncio.sleep(0)
    await until(lambda: entered == ["oldest"])
    done.set()
    await asyncio.gather(oldest, newer)
    assert entered == ["oldest", "newer"]


async def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on() -> None:
    slots = NewestFirst(1, patience=30)
    entered: list[str] = []
    done = asyncio.Event()
    async with slots.slot():
        older = asyncio.create_task(hold(slots, "older", entered, done))
        await asyncio.sleep(0)
        newest = asyncio.create_task(hold(slots, "newest", entered, done))
        await asyncio.sleep(0)
    # Leaving the block handed the slot to `newest`, which has not run since: it gives up now.
    newest.cancel()
    with pytest.raises(asyncio.CancelledError):
        await newest
    await until(lambda: entered == ["older"])
    done.set()
    await older
