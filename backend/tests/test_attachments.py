"""Messages that carry uploads: sent over REST and the socket, shown in history and frames, and
gone with the message."""

import io
import os
import time

import httpx
from PIL import Image

from tests.support.accounts import Account
from tests.support.api import JSON, create_room, send_message
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, connect


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), "teal").save(out, "PNG")
    return out.getvalue()


async def uploaded(http: httpx.AsyncClient, account: Account, data: bytes, name: str, room_id: int = 1) -> JSON:
    response = await http.post(f"/rooms/{room_id}/files", files={"file": (name, data)}, headers=account.headers)
    assert response.status_code == 201, response.text
    body: JSON = response.json()
    return body


async def test_a_message_carries_its_attachments_to_every_member_and_into_history(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    image = await uploaded(client, alice, png(), "teal.png")
    notes = await uploaded(client, alice, b"plain notes", "notes.txt")
    ws, _ = await connect(server, bob)
    sockets.append(ws)
    sent = await send_message(client, alice, "two files", attachments=[notes["id"], image["id"]])
    assert [a["id"] for a in sent["attachments"]] == sorted([image["id"], notes["id"]])
    live = (await ws.messages(1))[0]
    assert [(a["name"], a["width"]) for a in live["attachments"]] == [("teal.png", 64), ("notes.txt", None)]
    page = (await client.get("/chat/history?room_id=1", headers=bob.headers)).json()["messages"]
    assert [a["name"] for a in page[-1]["attachments"]] == ["teal.png", "notes.txt"]
    async with httpx.AsyncClient(base_url=server.url) as anyone:  # a signed URL needs no token
        assert (await anyone.get(page[-1]["attachments"][0]["url"])).status_code == 200
    # Sent once: a second message cannot take it again.
    again = await client.post(
        "/rooms/1/messages", json={"body": "again", "attachments": [image["id"]]}, headers=alice.headers
    )
    assert again.status_code == 409
    # Over the socket too, and only one's own uploads to that room.
    mine = await uploaded(client, bob, png(), "bob.png")
    await ws.send({"type": "message", "room_id": 1, "body": "mine", "attachments": [mine["id"]], "client_id": "m"})
    assert [a["name"] for a in (await ws.messages(1))[0]["attachments"]] == ["bob.png"]
    theirs = await uploaded(client, alice, b"alice's", "a.txt")
    await ws.send({"type": "message", "room_id": 1, "body": "steal", "attachments": [theirs["id"]], "client_id": "s"})
    error = await ws.recv_type("error")
    assert (error["client_id"], error["code"]) == ("s", "bad_request")
    # Deleted with its message: history shows neither, and its URL no longer serves it.
    assert (await client.delete(f"/messages/{sent['id']}", headers=alice.headers)).status_code == 204
    page = (await client.get("/chat/history?room_id=1", headers=bob.headers)).json()["messages"]
    assert next(m for m in page if m["id"] == sent["id"])["attachments"] == []
    async with httpx.AsyncClient(base_url=server.url) as anyone:
        assert (await anyone.get(image["url"])).status_code == 404


async def test_a_deleted_rooms_files_leave_the_disk(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, admin: Account
) -> None:
    lounge = await create_room(client, alice, "lounge")
    kept = await uploaded(client, alice, b"kept in general", "kept.txt")
    gone = await uploaded(client, alice, png(), "gone.png", room_id=lounge["id"])
    await send_message(client, alice, "a picture", lounge["id"], attachments=[gone["id"]])
    folder = server.settings.upload_folder
    for path in folder.rglob("*"):  # stored a while ago: a blob stored just now is left alone (see storage.py)
        os.utime(path, (time.time() - 60, time.time() - 60))
    before = {path.name for path in folder.rglob("*") if path.is_file()}
    assert (await client.delete(f"/admin/rooms/{lounge['id']}", headers=admin.headers)).status_code == 204
    await server.app.state.context.files.settled()
    after = {path.name for path in folder.rglob("*") if path.is_file()}
    assert len(before - after) == 2  # the image and its thumbnail
    async with httpx.AsyncClient(base_url=server.url) as anyone:
        assert (await anyone.get(kept["url"])).status_code == 200
        assert (await anyone.get(gone["url"])).status_code == 404
