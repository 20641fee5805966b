"""A bare broadcast server on picows: the generator's calibration target (`--only calibrate`).

It speaks just enough of the chat protocol for the generator (hello on connect; a `message`
frame stored nowhere, given an id and sent once-encoded to every socket of its room), with no
auth and no persistence. What the generator reaches against it is the most it can measure on
this machine: when the real server's figure is well below it, the generator was not the limit.

    taskset -c 0 python bench/benchlib/bare_server.py PORT
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

import orjson
import uvloop
from picows import WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

rooms: dict[int, list[WSTransport]] = {}
next_id = 0


class Client(WSListener):
    def __init__(self, room_id: int) -> None:
        super().__init__()
        self.room_id = room_id

    def on_ws_connected(self, transport: WSTransport) -> None:
        rooms.setdefault(self.room_id, []).append(transport)
        hello = {"type": "hello", "room": {"id": self.room_id}, "user": {"id": 0, "username": "x"}, "online": [],
                 "last_message_id": None}  # fmt: skip
        transport.send(WSMsgType.TEXT, orjson.dumps(hello))

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        members = rooms.get(self.room_id, [])
        if transport in members:
            members.remove(transport)

    def on_ws_frame(self, transport: WSTransport, frame: object) -> None:
        global next_id
        if frame.msg_type == WSMsgType.CLOSE:  # type: ignore[attr-defined]
            transport.send_close()
            transport.disconnect()
            return
        if frame.msg_type != WSMsgType.TEXT:  # type: ignore[attr-defined]
            return
        data = orjson.loads(frame.get_payload_as_bytes())  # type: ignore[attr-defined]
        if data.get("type") != "message":
            return
        next_id += 1
        message = {
            "id": next_id, "room_id": self.room_id, "sender": {"id": 0, "username": "x"}, "body": data["body"],
            "client_id": data.get("client_id"), "created_at": dt.datetime.now(dt.UTC), "edited_at": None,
            "deleted": False,
        }  # fmt: skip
        encoded = orjson.dumps({"type": "message", "message": message})
        for member in rooms.get(self.room_id, ()):
            member.send(WSMsgType.TEXT, encoded)


def listener(request: WSUpgradeRequest) -> Client:
    path = request.path.decode() if isinstance(request.path, bytes) else str(request.path)
    room = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return Client(int(room) if room.isdigit() else 0)


async def main(port: int) -> None:
    server = await ws_create_server(listener, "127.0.0.1", port)
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
