"""Finding people over HTTP: GET /users?q=<how the username starts>, paged with `after`."""

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.services.users import search_query
from tests.support.accounts import Account, AccountFactory
from tests.support.api import JSON
from tests.support.database import TEST_DATABASE
from tests.support.servers import LiveServer


async def find(http: httpx.AsyncClient, account: Account, q: str, **query: Any) -> JSON:
    response = await http.get("/users", params={"q": q, **query}, headers=account.headers)
    assert response.status_code == 200, response.text
    page: JSON = response.json()
    return page


async def names(http: httpx.AsyncClient, account: Account, q: str, **query: Any) -> list[str]:
    return [user["username"] for user in (await find(http, account, q, **query))["users"]]


async def test_a_prefix_of_the_username_finds_people_ignoring_case(
    client: httpx.AsyncClient, alice: Account, bob: Account, make_account: AccountFactory
) -> None:
    for name in ("Alicia", "albert", "malia", "ALAN"):
        await make_account(name)
    page = await find(client, bob, "AL")
    assert page["has_more"] is False
    # By username ignoring case; as written; the caller too (alice asks below); "malia" only contains it.
    assert [user["username"] for user in page["users"]] == ["ALAN", "albert", "alice", "Alicia"]
    assert page["users"][2] == {"id": alice.id, "username": "alice"}  # public fields only
    assert set(page) == {"users", "has_more"}
    assert await names(client, alice, "alic") == ["alice", "Alicia"]
    assert await names(client, alice, "alice") == ["alice"]
    assert await names(client, alice, "alicex") == []
    assert await names(client, alice, "b") == ["bob"]


async def test_deactivated_people_are_not_found(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    assert await names(client, alice, "bo") == ["bob"]
    await client.patch(f"/admin/users/{bob.id}", json={"is_active": False}, headers=admin.headers)
    assert await names(client, alice, "bo") == []
    await client.patch(f"/admin/users/{bob.id}", json={"is_active": True}, headers=admin.headers)
    assert await names(client, alice, "bo") == ["bob"]


async def test_pages_follow_each_other_with_after(
    client: httpx.AsyncClient, alice: Account, make_account: AccountFactory
) -> None:
    everyone = [f"page{n}" for n in range(8)]
    for name in reversed(everyone):
        await make_account(name)
    await make_account("pagf")  # after every page* name, and not one of them
    seen: list[str] = []
    after: dict[str, str] = {}
    while True:
        page = await find(client, alice, "PAGE", limit=3, **after)
        seen += [user["username"] for user in page["users"]]
        if not page["has_more"]:
            break
        assert len(page["users"]) == 3
        after = {"after": page["users"][-1]["username"].upper()}  # compared ignoring case too
    assert seen == everyone
    assert await names(client, alice, "page", after="page7") == []
    assert (await find(client, alice, "page", limit=8))["has_more"] is False
    assert (await find(client, alice, "page", limit=7))["has_more"] is True


async def test_the_limit_is_20_by_default_and_at_most_50(
    client: httpx.AsyncClient, alice: Account, make_account: AccountFactory
) -> None:
    for n in range(21):
        await make_account(f"many{n:02}")
    default = await find(client, alice, "many")
    assert len(default["users"]) == 20 and default["has_more"] is True
    assert len((await find(client, alice, "many", limit=50))["users"]) == 21
    for limit in (0, -1, 51, "x"):
        assert (
            await client.get("/users", params={"q": "many", "limit": limit}, headers=alice.headers)
        ).status_code == 422


async def test_wildcards_and_punctuation_are_taken_literally(
    client: httpx.AsyncClient, alice: Account, make_account: AccountFactory
) -> None:
    for name in ("a_b", "axb", "a.c", "a-d", "azz"):
        await make_account(name)
    assert await names(client, alice, "a_") == ["a_b"]  # `_` is no LIKE wildcard here
    assert await names(client, alice, "a.") == ["a.c"]
    assert await names(client, alice, "a-") == ["a-d"]
    for pattern in ("%", "a%", "%b", "_", "__", "a\\", "\\", "[a]", "*", "'", '"', "' OR 1=1 --"):
        assert await names(client, alice, pattern) == [], pattern


@pytest.mark.parametrize(
    "q", ["é", "ß", "İ", "ǅ", "😀", "\u200b", "x" * 32, "\U0010ffff", " alice", "alice ", "\t", "ﬀ", "\uff21"]
)
async def test_any_text_of_1_to_32_characters_is_a_question_not_an_error(
    client: httpx.AsyncClient, alice: Account, q: str
) -> None:
    assert await names(client, alice, q) == []


@pytest.mark.parametrize(
    "query",
    [
        {},  # no q
        {"q": ""},
        {"q": "x" * 33},
        {"q": "\x00"},
        {"q": "al\x00"},
        {"q": "al", "after": ""},
        {"q": "al", "after": "x" * 33},
        {"q": "al", "after": "a\x00"},
    ],
)
async def test_a_missing_empty_long_or_nul_q_or_after_is_a_422(
    client: httpx.AsyncClient, alice: Account, query: JSON
) -> None:
    response = await client.get("/users", params=query, headers=alice.headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("raw", ["q=%ED%A0%80", "q=%FF", "q=al%", "q=%25", "q=al&q=bo", "q=a&after=%C0%AF"])
async def test_query_strings_that_are_not_clean_text_get_an_answer_not_a_500(
    client: httpx.AsyncClient, alice: Account, raw: str
) -> None:
    response = await client.get(f"/users?{raw}", headers=alice.headers)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert [user["username"] for user in response.json()["users"]] in ([], ["alice"])


async def test_finding_people_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users", params={"q": "al"})).status_code == 401


async def test_the_search_walks_the_index_of_username_key(server: LiveServer, alice: Account) -> None:
    """The plan seeks the unique index's range (PostgreSQL: with sequential scans discouraged, as on
    a handful of rows the planner would rightly prefer one)."""
    query = search_query("al", "alb", 21)
    async with server.context.engine.connect() as connection:
        compiled = query.compile(connection.engine, compile_kwargs={"literal_binds": True})
        if TEST_DATABASE == "sqlite":
            plan = " ".join(str(row[-1]) for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "USING INDEX sqlite_autoindex_users_1 (username_key>? AND username_key<?)" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # the index gives the order too: no sort
        elif TEST_DATABASE == "mariadb":
            rows = (await connection.execute(text(f"EXPLAIN {compiled}"))).mappings().all()
            assert [(r["type"], r["key"]) for r in rows] == [("range", "uq_users_username_key")], rows
            assert "filesort" not in (rows[0]["Extra"] or ""), rows
        else:
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(row[0]) for row in await connection.execute(text(f"EXPLAIN {compiled}")))
            assert "Index Scan using uq_users_username_key" in plan and "Index Cond" in plan, plan
            assert "Sort" not in plan, plan
