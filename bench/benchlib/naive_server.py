"""The naive reference (issue 16): a chat server written the way FastAPI's WebSocket docs show.

A `ConnectionManager` keeps a list of sockets per room; every text a socket sends is turned into
a message frame (encoded once) and `send_text` to each socket of its room in turn. No auth, no
storage, no rate limits, no presence: what a plain FastAPI broadcast costs on this machine, to
set the chat server's figures beside. It speaks just enough of the chat protocol for the load
generator (`hello` first, then `message` frames with increasing ids).

    taskset -c 0 python -m uvicorn naive_server:app --app-dir bench/benchlib --port PORT \
        --loop uvloop --http httptools --log-level warning --no-access-log
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

from fastapi import FastAPI, WebSocket, WebSocketDisconnect


def _encode(frame: dict[str, object]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


class ConnectionManager:
    def __init__(self) -> None:
        self.rooms: dict[int, list[WebSocket]] = {}

    async def connect(self, room_id: int, websocket: WebSocket) -> None:
        await websocket.accept()
        self.rooms.setdefault(room_id, []).append(websocket)

    def disconnect(self, room_id: int, websocket: WebSocket) -> None:
        self.rooms[room_id].remove(websocket)

    async def broadcast(self, room_id: int, text: str) -> None:
        for connection in self.rooms.get(room_id, []):
            await connection.send_text(text)


app = FastAPI()
manager = ConnectionManager()
message_ids = itertools.count(1)


@app.websocket("/ws/{room_id}")
async def chat(websocket: WebSocket, room_id: int) -> None:
    await manager.connect(room_id, websocket)
    user = {"id": 0, "username": "x"}
    await websocket.send_text(_encode({"type": "hello", "room": {"id": room_id}, "user": user, "online": [], "last_message_id": None}))
    try:
        while True:
            data = json.loads(await websocket.receive_text())
            if data.get("type") != "message":
                continue
            message = {
                "id": next(message_ids), "room_id": room_id, "sender": user, "body": data["body"],
                "client_id": data.get("client_id"), "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "edited_at": None, "deleted": False,
            }  # fmt: skip
            await manager.broadcast(room_id, _encode({"type": "message", "message": message}))
    except WebSocketDisconnect:
        manager.disconnect(room_id, websocket)
