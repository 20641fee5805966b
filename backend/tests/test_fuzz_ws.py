"""Property-based tests (hypothesis) that throw arbitrary frames at `/ws/{room_id}` and at `/ws` of a
real server process, over a real socket.

For every frame, the protocol of docs/api.md says what must happen, and `expected` says it without
asking the server's own validators: an `error` frame with the right code (the socket stays open),
a `pong`, nothing (typing), a stored message acknowledged to its sender (a retried client_id is
answered with the message stored the first time, and stores nothing), or close code 1009 for a
frame over 64 KiB. After every batch the room's history holds exactly the messages that were
accepted, and nothing from a rejected frame; the socket (or, after 1009, a new one) still answers;
at the end the server still answers /healthz, a new socket gets `hello`, and its log holds no
traceback.

Budget: EXAMPLES batches of 1 to MAX_BATCH frames (shrinking excluded), about 700 frames, a few of
them near or over the 64 KiB limit; the test counts them and prints the figures."""

import asyncio
import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.accounts import PASSWORD
from tests.support.servers import ProcessFactory, ServerProcess, SettingsFactory

EXAMPLES = 200
MAX_BATCH = 10
MAX_FRAME = 64 * 1024  # docs/api.md: 1009 beyond 64 KiB
MAX_BODY = 4000  # MAX_MESSAGE_LENGTH's default, counted after trimming
ROOM = 1  # `general`, the fuzzing user's only room
MAX_ID = 2**63 - 1


# --- what must happen ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # "error", "pong", "nothing", "stored", "close"
    codes: frozenset[str] = frozenset()  # error codes allowed
    body: str | None = None  # stored: the body as history keeps it (trimmed)
    client_id: str | None = None
    close_code: int | None = None


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogate(key) or _has_surrogate(item) for key, item in value.items())
    return False


def _storable(text: str) -> bool:
    return "\x00" not in text and not _has_surrogate(text)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _finite(number: str) -> float:
    """Numbers a double cannot hold are refused (RFC 8259 lets a parser set that limit)."""
    if math.isinf(float(number)):
        raise ValueError(f"{number} is out of range")
    return float(number)


def _room_id_ok(raw: dict[str, Any]) -> bool:
    """`room_id` absent, null, or a JSON integer that can be a room's id (not 1.0, "1" or true)."""
    room_id = raw.get("room_id")
    return room_id is None or (type(room_id) is int and 1 <= room_id <= MAX_ID)


def _wrong_room(raw: dict[str, Any], on_user_socket: bool) -> Outcome | None:
    """The error for a valid frame that names no room of the user (or another room than the socket's)."""
    room_id = raw.get("room_id")
    if on_user_socket and room_id is None:
        return Outcome("error", frozenset({"bad_request"}))
    if on_user_socket and room_id != ROOM:
        return Outcome("error", frozenset({"forbidden"}))
    if not on_user_socket and room_id not in (None, ROOM):
        return Outcome("error", frozenset({"bad_request"}))
    return None


def expected(frame: str | bytes, on_user_socket: bool = False) -> Outcome:
    """What docs/api.md promises for this frame, on /ws/1 or on /ws, worked out independently of
    the server's code."""
    if isinstance(frame, bytes):
        return Outcome("error", frozenset({"bad_request"}))
    if len(frame.encode("utf-8", "surrogatepass")) > MAX_FRAME:
        return Outcome("close", close_code=1009)
    try:
        data = json.loads(frame, parse_constant=_not_json, parse_float=_finite, parse_int=_finite)
    except ValueError:
        return Outcome("error", frozenset({"bad_request"}))
    if _has_surrogate(data):  # escapes of lone surrogates: not text, whatever the frame's shape
        return Outcome("error", frozenset({"bad_request", "invalid_message"}))
    kind = data.get("type") if isinstance(data, dict) else None
    raw = json.loads(frame) if kind in ("message", "typing") else {}  # integers as integers
    if kind == "message":
        body, client_id = data.get("body"), data.get("client_id")
        body_ok = isinstance(body, str) and _storable(body) and 1 <= len(body.strip()) <= MAX_BODY
        client_id_ok = client_id is None or (isinstance(client_id, str) and 1 <= len(client_id) <= 64)
        if not _room_id_ok(raw):
            return Outcome("error", frozenset({"invalid_message"}))
        wrong_room = _wrong_room(raw, on_user_socket)
        if body_ok and client_id_ok and (client_id is None or _storable(client_id)):
            return wrong_room or Outcome("stored", body=body.strip(), client_id=client_id)
        # Wrong in two ways: either may be named first.
        return Outcome("error", frozenset({"invalid_message"} | (wrong_room.codes if wrong_room else set())))
    if kind == "ping":
        return Outcome("pong")
    if kind == "typing":
        if not _room_id_ok(raw):
            return Outcome("error", frozenset({"bad_request"}))
        # Typing notices go to the others, never back to the typist.
        return _wrong_room(raw, on_user_socket) or Outcome("nothing")
    if kind == "auth":
        token = data.get("token")
        if isinstance(token, str) and 1 <= len(token) <= 4096:
            return Outcome("error", frozenset({"forbidden"}))  # not a valid access token
        return Outcome("error", frozenset({"bad_request"}))
    return Outcome("error", frozenset({"bad_request"}))


# --- frames --------------------------------------------------------------------------------------

# Any code point, control characters and lone surrogates included.
any_text = st.text(st.characters(codec=None) | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=40)
weird_text = st.one_of(
    any_text,
    st.sampled_from(["", " ", "\t\n", "\x00", "a\x00b", "\u200b", "\ufeff", "\x1c", "\x85", "é", "😀", "\ud800"]),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", " ", "é", "😀"]), st.integers(MAX_BODY - 3, MAX_BODY + 3)),
    st.builds(lambda n: " " + "y" * n + "\n", st.integers(MAX_BODY - 2, MAX_BODY + 1)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | weird_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(weird_text, children, max_size=4),
    max_leaves=8,
)
frame_types = st.one_of(
    st.sampled_from(["message", "typing", "ping", "auth", "hello", "error", "pong", "MESSAGE", " message", ""]),
    json_values,
)


@st.composite
def message_like(draw: st.DrawFn) -> dict[str, Any]:
    """A message frame that is right, or nearly: random bodies and client ids, wrong types, extras."""
    frame: dict[str, Any] = {"type": "message"}
    frame["body"] = draw(st.one_of(weird_text, st.text(min_size=1, max_size=30), json_values))
    if draw(st.booleans()):
        client_ids = st.one_of(st.sampled_from(["c1", "c2", "c3", "é", "x" * 64, "x" * 65]), weird_text, json_values)
        frame["client_id"] = draw(client_ids)
    if draw(st.booleans()):
        frame["room_id"] = draw(st.one_of(st.sampled_from([ROOM, ROOM, 2, 0, MAX_ID + 1, "1", 1.0, True]), json_values))
    if draw(st.booleans()):
        frame.update(draw(st.dictionaries(weird_text, json_values, max_size=2)))
        frame["type"] = draw(st.just("message") | frame_types)
    return frame


# Right by construction, with any text: unicode, control characters, padding to be trimmed.
valid_messages = st.fixed_dictionaries(
    {
        "type": st.just("message"),
        "body": st.text(min_size=1, max_size=50).filter(lambda body: body.strip() != ""),
        "room_id": st.just(ROOM),
    },
    optional={"client_id": st.none() | st.sampled_from(["c1", "c2", "c3"]) | st.text(min_size=1, max_size=64)},
)


def _serialise(value: Any, ascii_only: bool) -> str:
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot travel raw in a text frame: escape them
        text = json.dumps(value, ensure_ascii=True)
    return text


@st.composite
def oversized(draw: st.DrawFn) -> str:
    """A message frame whose size is within a few bytes of 64 KiB, on either side."""
    size = draw(st.integers(MAX_FRAME - 8, MAX_FRAME + 8))
    head = '{"type": "message", "body": "'
    return head + "z" * (size - len(head) - 2) + '"}'


frames = st.one_of(
    st.builds(_serialise, valid_messages, st.booleans()),
    st.sampled_from(['{"type": "ping"}', '{"type": "typing"}', '{"type": "typing", "room_id": 1}']),
    st.sampled_from(['{"type":"ping","extra":[1]}', '{"type": "typing", "room_id": 1.0}']),
    st.builds(_serialise, message_like(), st.booleans()),
    st.builds(_serialise, st.fixed_dictionaries({"type": frame_types}, optional={"token": json_values}), st.booleans()),
    st.builds(_serialise, json_values, st.booleans()),
    st.text(max_size=60),  # mostly not JSON
    st.builds(lambda value, cut: _serialise(value, True)[:cut], message_like(), st.integers(0, 30)),  # truncated
    st.binary(max_size=60),
    oversized(),
)


# --- the server and the socket ---------------------------------------------------------------------


@dataclass
class Chat:
    server: ServerProcess
    http: httpx.Client
    token: str
    path: str  # /ws/1 or /ws
    socket: ClientConnection | None = None
    last_id: int = 0  # the newest message id seen in history
    by_client_id: dict[str, dict[str, Any]] = field(default_factory=dict)  # stored, by client_id
    frames: Counter[str] = field(default_factory=Counter)  # frames sent, by expected outcome

    @property
    def on_user_socket(self) -> bool:
        return self.path == "/ws"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def connect(self) -> ClientConnection:
        socket = connect(
            f"{self.server.ws_url}{self.path}",
            additional_headers=self.headers,
            max_size=2**22,
            open_timeout=10,
            legacy=True,  # kept open across examples, so not a context manager
        )
        hello = json.loads(socket.recv(timeout=10))
        assert hello["type"] == "hello", hello
        return socket

    def live_socket(self) -> ClientConnection:
        if self.socket is None:
            self.socket = self.connect()
        return self.socket

    def history_after(self, after: int) -> list[dict[str, Any]]:
        response = self.http.get(
            "/api/v1/chat/history", params={"room_id": ROOM, "after": after, "limit": 200}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


@pytest.fixture(params=[f"/ws/{ROOM}", "/ws"])
def chat(
    request: pytest.FixtureRequest, process_factory: ProcessFactory, settings_factory: SettingsFactory
) -> Iterator[Chat]:
    server: ServerProcess = process_factory(settings_factory(), PYTHONFAULTHANDLER="1")  # a crash shows where
    asyncio.run(server.start())
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.post("/api/v1/signup", json={"username": "alice", "password": PASSWORD}).status_code == 201
        tokens = http.post("/api/v1/token", data={"username": "alice", "password": PASSWORD}).json()
        chat = Chat(server, http, tokens["access_token"], request.param)
        yield chat
        if chat.socket is not None:
            chat.socket.close()
        # Still serving, and a new socket is welcome.
        exit_status = server.process.poll() if server.process else None
        assert exit_status is None, f"the server died ({exit_status}): {server.log_path.read_text()[-3000:]}"
        assert http.get("/healthz").status_code == 200
        chat.connect().close()
    print(f"\nfuzzed {chat.path} with {sum(chat.frames.values())} frames: {dict(chat.frames)}")
    log = server.log_path.read_text()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-4000:]
    # The budget was really spent, on every kind of frame.
    assert set(chat.frames) == {"error", "pong", "nothing", "stored", "close"}, chat.frames
    assert sum(chat.frames.values()) >= EXAMPLES


# --- the property ----------------------------------------------------------------------------------


def exchange(chat: Chat, frame: str | bytes, outcome: Outcome) -> list[dict[str, Any]]:
    """Send one frame, and check the server's answer; the messages it acknowledged as new."""
    socket = chat.live_socket()
    socket.send(frame)
    chat.frames[outcome.kind] += 1
    if outcome.kind == "close":
        try:
            while True:
                socket.recv(timeout=10)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == outcome.close_code, closed
        chat.socket = None
        return []
    # A ping after the frame: frames are handled in order, so once its pong is in, every answer
    # to the frame is too (except a stored message's acknowledgement, sent after the commit).
    socket.send('{"type": "ping"}')
    answers: list[dict[str, Any]] = []
    pongs = 0
    want_pongs = 2 if outcome.kind == "pong" else 1
    while pongs < want_pongs or (outcome.kind == "stored" and not any(a["type"] == "message" for a in answers)):
        answer = json.loads(socket.recv(timeout=15))
        if answer["type"] == "pong":
            pongs += 1
        else:
            answers.append(answer)
    if outcome.kind in ("pong", "nothing"):
        assert answers == [], (frame, answers)
        return []
    if outcome.kind == "error":
        assert len(answers) == 1, (frame, answers)
        error = answers[0]
        assert error["type"] == "error" and error["code"] in outcome.codes, (frame, error)
        assert isinstance(error["detail"], str) and error["detail"], error
        return []
    [ack] = answers
    assert ack["type"] == "message", (frame, ack)
    message = ack["message"]
    earlier = chat.by_client_id.get(outcome.client_id) if outcome.client_id is not None else None
    if earlier is not None:
        assert message == earlier, (frame, message, earlier)  # answered with the first, nothing new
        return []
    assert message["body"] == outcome.body and message["client_id"] == outcome.client_id, (frame, message)
    if outcome.client_id is not None:
        chat.by_client_id[outcome.client_id] = message
    return [message]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[p for p in settings.default.phases if p.name != "shrink"],  # a failure shows its batch as is
)
@given(batch=st.lists(frames, min_size=1, max_size=MAX_BATCH))
def test_any_frame_gets_its_documented_answer_and_rejected_frames_store_nothing(
    chat: Chat, batch: list[str | bytes]
) -> None:
    accepted: list[dict[str, Any]] = []
    for frame in batch:
        accepted += exchange(chat, frame, expected(frame, chat.on_user_socket))
    history = chat.history_after(chat.last_id)
    assert history == accepted, (batch, history, accepted)  # exactly what was acknowledged, in order
    if history:
        chat.last_id = history[-1]["id"]


def test_oracle_agrees_with_the_contract_on_known_frames() -> None:
    """The oracle above, on the frames docs/api.md spells out (so a wrong oracle cannot pass vacuously)."""
    assert expected("not json").codes == {"bad_request"}
    assert expected(b'{"type": "ping"}').codes == {"bad_request"}
    assert expected('{"type": "message", "body": "   "}').codes == {"invalid_message"}
    assert expected('{"type": "message", "body": "' + "x" * 4001 + '"}').codes == {"invalid_message"}
    assert expected('{"type": "message", "body": " ' + "x" * 4000 + ' "}').kind == "stored"
    assert expected('{"type": "message", "body": "hi", "client_id": ""}').codes == {"invalid_message"}
    assert expected('{"type": "message", "body": " hi "}') == Outcome("stored", body="hi")
    assert expected('{"type": "ping"}').kind == "pong"
    assert expected('{"type": "auth", "token": "x"}').codes == {"forbidden"}
    assert expected('{"type": "message", "body": NaN}').codes == {"bad_request"}
    assert expected('{"type": "message", "body": "' + "z" * MAX_FRAME + '"}').close_code == 1009
    # Rooms: /ws needs one of the user's; /ws/1 takes its own or none; ids are JSON integers.
    assert expected('{"type": "message", "body": "hi"}', True).codes == {"bad_request"}
    assert expected('{"type": "message", "body": "hi", "room_id": 2}', True).codes == {"forbidden"}
    assert expected('{"type": "message", "body": "hi", "room_id": 1}', True).kind == "stored"
    assert expected('{"type": "message", "body": "hi", "room_id": 2}').codes == {"bad_request"}
    assert expected('{"type": "message", "body": "hi", "room_id": 1.0}').codes == {"invalid_message"}
    assert expected('{"type": "message", "body": "hi", "room_id": true}', True).codes == {"invalid_message"}
    assert expected('{"type": "typing", "room_id": "1"}').codes == {"bad_request"}
    assert expected('{"type": "typing"}', True).codes == {"bad_request"}
    assert expected('{"type": "typing", "room_id": 1}', True).kind == "nothing"
