"""The REST calls tests make again and again, through the real endpoints (`http` is a client
whose base URL is the server's /api/v1). Each asserts the status it expects, and returns the
JSON answer; calls a test checks the status of itself return the response."""

from typing import Any
from urllib.parse import quote

import httpx

from tests.support.accounts import Account

JSON = dict[str, Any]


async def create_room(http: httpx.AsyncClient, owner: Account, name: str, *, private: bool = False) -> JSON:
    response = await http.post("/rooms", json={"name": name, "is_private": private}, headers=owner.headers)
    assert response.status_code == 201, response.text
    room: JSON = response.json()
    return room


async def send_message(http: httpx.AsyncClient, account: Account, body: str, room_id: int = 1, **fields: Any) -> JSON:
    """Post a message (`fields`: client_id, ...); the stored message."""
    response = await http.post(f"/rooms/{room_id}/messages", json={"body": body, **fields}, headers=account.headers)
    assert response.status_code == 201, response.text
    message: JSON = response.json()
    return message


async def history(http: httpx.AsyncClient, account: Account, room_id: int = 1, **query: Any) -> JSON:
    """One page of a room's history (`query`: before, after, limit)."""
    response = await http.get("/chat/history", params={"room_id": room_id, **query}, headers=account.headers)
    assert response.status_code == 200, response.text
    page: JSON = response.json()
    return page


async def whole_history(http: httpx.AsyncClient, account: Account, room_id: int = 1) -> list[JSON]:
    """Every message of the room, oldest first, page after page."""
    messages: list[JSON] = []
    while True:
        after = messages[-1]["id"] if messages else 0
        page = await history(http, account, room_id, after=after, limit=200)
        messages += page["messages"]
        if not page["has_more"]:
            return messages


async def search(http: httpx.AsyncClient, account: Account, q: str, **query: Any) -> JSON:
    response = await http.get("/chat/search", params={"q": q, **query}, headers=account.headers)
    assert response.status_code == 200, response.text
    page: JSON = response.json()
    return page


async def react(http: httpx.AsyncClient, account: Account, message_id: int, emoji: object) -> httpx.Response:
    return await http.post(f"/messages/{message_id}/reactions", json={"emoji": emoji}, headers=account.headers)


async def unreact(http: httpx.AsyncClient, account: Account, message_id: int, emoji: str) -> httpx.Response:
    return await http.delete(f"/messages/{message_id}/reactions/{quote(emoji, safe='')}", headers=account.headers)


async def mark_read(http: httpx.AsyncClient, account: Account, room_id: int, message_id: object) -> httpx.Response:
    return await http.post(f"/rooms/{room_id}/read", json={"message_id": message_id}, headers=account.headers)


async def read_state(http: httpx.AsyncClient, account: Account, room_id: int = 1) -> tuple[int | None, int]:
    """(last_read_id, unread_count) of the room, as the account sees it."""
    room = (await http.get(f"/rooms/{room_id}", headers=account.headers)).json()
    return room["last_read_id"], room["unread_count"]


async def open_direct(http: httpx.AsyncClient, account: Account, username: object) -> httpx.Response:
    return await http.post("/dm", json={"username": username}, headers=account.headers)


async def rooms_by_id(http: httpx.AsyncClient, account: Account) -> dict[int, JSON]:
    """The rooms the account sees listed, by id."""
    return {room["id"]: room for room in (await http.get("/rooms", headers=account.headers)).json()}
