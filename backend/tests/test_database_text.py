"""What the database keeps is what was sent, on every database: text of any script and emoji
(4-byte UTF-8: MariaDB's utf8mb4), strings compared exactly (MariaDB's default collations make
'a' = 'A' and one emoji equal to another), and times to the microsecond."""

import datetime as dt
import re
import sqlite3

import httpx
import pytest

from app.config import Settings
from tests.support.accounts import Account
from tests.support.api import create_room, history, react, send_message
from tests.support.database import TEST_DATABASE

TEXTS = [
    "私は東京に住んでいます",  # Japanese
    "漢字 한국어 中文",  # CJK
    "😀👍🏽👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈",  # emoji: 4-byte, modifiers, ZWJ sequences
    "\U0001d518\U0001d52b 𠜎 \U0001f9ea",  # outside the Basic Multilingual Plane (Fraktur, CJK Ext. B)
    "Crème brûlée, Москва, עברית, العربية",
]


async def test_every_script_and_emoji_round_trip(client: httpx.AsyncClient, alice: Account) -> None:
    sent = [await send_message(client, alice, text) for text in TEXTS]
    room = await create_room(client, alice, "café ☕ 東京")
    assert room["name"] == "café ☕ 東京"
    stored = (await history(client, alice))["messages"]
    assert [m["body"] for m in stored] == TEXTS
    assert [m["id"] for m in stored] == [m["id"] for m in sent]


async def test_emoji_are_told_apart(client: httpx.AsyncClient, alice: Account) -> None:
    """Each emoji is its own reaction, however alike (under utf8mb4_general_ci they are all one)."""
    message = (await send_message(client, alice, "react"))["id"]
    emoji = ["👍", "👍🏽", "😀", "😃", "☕"]
    for one in emoji:
        assert (await react(client, alice, message, one)).status_code == 200
    reactions = (await history(client, alice))["messages"][0]["reactions"]
    assert [(r["emoji"], r["count"]) for r in reactions] == [(one, 1) for one in emoji]


async def test_client_ids_differing_only_in_case_are_two_sends(client: httpx.AsyncClient, alice: Account) -> None:
    first = await send_message(client, alice, "one", client_id="abc")
    second = await send_message(client, alice, "two", client_id="ABC")
    again = await send_message(client, alice, "one, retried", client_id="abc")
    assert first["id"] != second["id"] and again["id"] == first["id"]
    assert [m["body"] for m in (await history(client, alice))["messages"]] == ["one", "two"]


async def test_times_keep_their_microseconds(client: httpx.AsyncClient, alice: Account) -> None:
    """What a send answers (the writer's clock) is what history reads back: nothing rounded away."""
    sent = [await send_message(client, alice, f"m{i}") for i in range(3)]
    stored = (await history(client, alice))["messages"]
    assert [m["created_at"] for m in stored] == [m["created_at"] for m in sent]
    times = [dt.datetime.fromisoformat(m["created_at"]) for m in stored]
    assert any(time.microsecond for time in times)  # all three on a whole second: one chance in 10^18


@pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="SQLite keeps times as text")
async def test_sqlite_keeps_a_messages_time_as_every_other_time(
    client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    """The message writer inserts with the driver's own cursor: its times must be the text
    SQLAlchemy writes everywhere else (no offset), or comparing them as text would go wrong."""
    await send_message(client, alice, "what time is it")
    with sqlite3.connect(settings.data_dir / "chat.db") as database:
        (message_time,) = database.execute("SELECT created_at FROM messages").fetchone()
        (user_time,) = database.execute("SELECT created_at FROM users WHERE id = ?", (alice.id,)).fetchone()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"
    assert re.fullmatch(stamp, user_time), user_time
    assert re.fullmatch(stamp, message_time), message_time
