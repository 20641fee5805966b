"""Schemathesis against the app's own `/openapi.json`, served by a real server process.

Every operation, authenticated (a user's bearer token; an admin's for `/admin`), with schema-valid
and schema-violating data (examples, coverage and fuzzing phases): never a 5xx, and every answer
is documented: its status code, content type, headers and body schema; valid data is accepted,
invalid data refused, an operation that needs a token refuses to work without one, and a method a
path does not take gets 405 with the path's methods in `Allow`.

Budget: MAX_EXAMPLES generated requests per operation in the fuzzing phase, plus the examples and
coverage phases' cases (boundary values, each constraint broken once, undeclared methods), about
1,500 requests for the 27 operations; each operation's test asserts it was really exercised.

The tests are generated when the module is collected (one per operation, `[METHOD /path]`), from
the document the app builds; the server they run against serves the very same document (checked
once it is up)."""

import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from app.main import create_app
from tests.support.accounts import PASSWORD, Account
from tests.support.database import empty_database
from tests.support.servers import ServerProcess, server_settings

MAX_EXAMPLES = 25  # per operation, fuzzing phase
USERNAME, ADMIN = "fuzzer", "root"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the app serves at /openapi.json, as JSON (building the app opens
    nothing: its lifespan does)."""
    unused = Path(tempfile.gettempdir()) / "chat-openapi-only"
    return json.loads(json.dumps(create_app(server_settings(unused, None)).openapi()))


DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@dataclass
class Identities:
    """Bearer tokens of a user and an admin. Fuzzing may sign them out (DELETE /sessions/{id}),
    deactivate the user (PATCH /admin/users/{id}) or spend nothing at all: `repair` logs in again."""

    http: httpx.Client
    tokens: dict[str, str] = field(default_factory=dict)
    user_id: int = 0

    def login(self, username: str) -> httpx.Response:
        return self.http.post("/api/v1/token", data={"username": username, "password": PASSWORD})

    def repair(self) -> None:
        admin = self.login(ADMIN)
        assert admin.status_code == 200, admin.text  # an admin can neither demote nor deactivate itself
        self.tokens[ADMIN] = admin.json()["access_token"]
        user = self.login(USERNAME)
        if user.status_code == 403:  # deactivated by a fuzzed PATCH /admin/users/{id}
            reactivate = self.http.patch(
                f"/api/v1/admin/users/{self.user_id}", json={"is_active": True}, headers=self.headers(ADMIN)
            )
            assert reactivate.status_code == 200, reactivate.text
            user = self.login(USERNAME)
        assert user.status_code == 200, user.text
        self.tokens[USERNAME] = user.json()["access_token"]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def for_operation(self, path: str) -> dict[str, str]:
        return self.headers(ADMIN if path.startswith("/api/v1/admin") else USERNAME)

    def still_valid(self, headers: dict[str, str]) -> bool:
        return self.http.get("/api/v1/users/me", headers=headers).status_code == 200


@dataclass
class Target:
    url: str
    identities: Identities
    admin_id: int
    calls: Counter[str] = field(default_factory=Counter)  # requests per operation
    answered: Counter[str] = field(default_factory=Counter)  # ... that got past authentication


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One server process for the module's operations, on a database of its own (it outlives
    the tests between, whose databases are emptied for each)."""
    data_dir = tmp_path_factory.mktemp("fuzz-http")
    with empty_database(data_dir) as empty:
        settings = server_settings(data_dir, empty.database_url)
        # PYTHONFAULTHANDLER: should the process die of a signal, its log shows where.
        server = ServerProcess(
            settings, data_dir / "server.log", ADMIN_USERNAME=ADMIN, ADMIN_PASSWORD=PASSWORD, PYTHONFAULTHANDLER="1"
        )
        try:
            asyncio.run(server.start())  # migrates the empty database
            yield from _target(server)
        finally:
            server.stop()


def _target(server: ServerProcess) -> Iterator[Target]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/openapi.json").json() == DOCUMENT, "the server serves another document than the tests'"
        created = http.post("/api/v1/signup", json={"username": USERNAME, "password": PASSWORD})
        assert created.status_code == 201, created.text
        identities = Identities(http, user_id=created.json()["id"])
        identities.repair()
        # Something for small generated ids to find: rooms, messages, members.
        for number in range(3):
            room = http.post("/api/v1/rooms", json={"name": f"room {number}"}, headers=identities.headers(USERNAME))
            assert room.status_code == 201, room.text
            for text in ("hello", "world"):
                sent = http.post(
                    f"/api/v1/rooms/{room.json()['id']}/messages",
                    json={"body": text},
                    headers=identities.headers(USERNAME),
                )
                assert sent.status_code == 201, sent.text
        admin_id = http.get("/api/v1/users/me", headers=identities.headers(ADMIN)).json()["id"]
        target = Target(server.url, identities, admin_id)
        yield target
        exit_status = server.process.poll() if server.process else None
        assert exit_status is None, f"the server died ({exit_status}): {server.log_path.read_text()[-3000:]}"
    print(f"\nfuzzed {len(target.calls)} operations with {sum(target.calls.values())} requests")


@pytest.fixture
def exercised(live_api: Target) -> Iterator[None]:
    """The fuzzing of an operation really ran: it was called, and when it needs a token, got past
    authentication too (a fuzzer stuck on 401s would pass every check and prove nothing)."""
    calls, answered = Counter(live_api.calls), Counter(live_api.answered)
    yield
    [operation] = set(live_api.calls - calls)
    assert (live_api.calls - calls)[operation] >= 5, operation
    assert (live_api.answered - answered)[operation] > 0, f"{operation}: only 401s"


def rule_beyond_the_schema(case: Any, target: Target) -> set[int] | None:
    """The statuses a schema-valid request may get by a rule JSON Schema cannot state (None: no such
    rule). Such a request is checked against that rule instead of "valid data is accepted"."""
    if case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return None
    path, body = case.operation.path, case.body
    password = body.get("password")
    if path == "/api/v1/signup" and isinstance(password, str) and not 8 <= len(password.encode()) <= 72:
        return {422}  # 8 to 72 bytes of UTF-8; the schema can only count characters (2 to 72)
    new_password = body.get("new_password")
    if (
        path == "/api/v1/users/me/password"
        and isinstance(new_password, str)
        and not 8 <= len(new_password.encode()) <= 72
    ):
        return {422}  # the same rule for a new password
    demotes = body.get("role") == "user" or body.get("is_active") is False
    if (
        path == "/api/v1/admin/users/{user_id}"
        and str(case.path_parameters.get("user_id")) == str(target.admin_id)
        and demotes
    ):
        return {400}  # admins cannot demote or deactivate themselves
    return None


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: Any, live_api: Target, exercised: None) -> None:
    identities = live_api.identities
    headers = identities.for_operation(case.path)
    response = case.call(base_url=live_api.url, headers=headers, timeout=30)
    if response.status_code == 401 and not identities.still_valid(headers):
        identities.repair()  # an earlier case signed this identity out: log in again, then retry
        headers = identities.for_operation(case.path)
        response = case.call(base_url=live_api.url, headers=headers, timeout=30)
    label = f"{case.operation.method.upper()} {case.operation.path}"
    live_api.calls[label] += 1
    if response.status_code != 401:
        live_api.answered[label] += 1
    expected = rule_beyond_the_schema(case, live_api)
    if expected is None:
        case.validate_response(response, headers=headers)
    else:
        assert response.status_code in expected, (case.body, response.text)
        case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])


# --- what the generators above do not produce ----------------------------------------------------

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path", "options", "status"),
    [
        # NUL in a login form field: PostgreSQL refuses NUL in a query parameter (was a 503).
        ("POST", "/token", {"data": {"username": "a\x00b", "password": "x" * 8}}, 401),
        ("POST", "/token", {"data": {"username": "alice", "password": "pass\x00word"}}, 401),
        # A body that is not UTF-8: refused before validation, as documented.
        ("POST", "/rooms", {"content": b'{"name": "\xff\xfe"}', "headers": JSON}, 400),
        ("POST", "/rooms/1/members", {"json": {"username": "a\x00b"}}, 422),
        # A lone surrogate: FastAPI's own 422 echoed it as UTF-8, which cannot encode it (a 500).
        ("POST", "/rooms/1/messages", {"content": b'{"body": "\\ud800"}', "headers": JSON}, 422),
        ("POST", "/rooms/1/messages", {"json": {"body": "ok", "client_id": "\x00"}}, 422),
        ("GET", "/rooms/%00", {}, 422),
        ("GET", f"/rooms/{2**63}", {}, 422),
        # The largest id there can be: a 404, not a 503 (a bound parameter typed int4 on PostgreSQL was).
        ("GET", f"/rooms/{2**63 - 1}", {}, 404),
        ("GET", f"/chat/history?room_id={2**63 - 1}&before={2**53}", {}, 404),
        ("GET", "/chat/history?room_id=1&before=-1", {}, 422),
        ("PATCH", "/admin/users/1", {"json": {"is_active": "no"}}, 403),  # not an admin: 403 before the body
    ],
)
async def test_inputs_the_generators_do_not_produce_get_a_4xx(
    client: httpx.AsyncClient, alice: Account, method: str, path: str, options: dict[str, Any], status: int
) -> None:
    headers = {**alice.headers, **options.pop("headers", {})}
    response = await client.request(method, path, headers=headers, **options)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str | list)
