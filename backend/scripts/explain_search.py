"""Shows how the database runs a message search in a room of 100,000 messages.

    cd backend && .venv/bin/python scripts/explain_search.py                        # SQLite
    cd backend && .venv/bin/python scripts/explain_search.py --database postgresql  # PostgreSQL
    cd backend && .venv/bin/python scripts/explain_search.py --database mariadb     # MariaDB

Builds a throwaway database with Alembic (a temporary SQLite file, or a temporary database made
through PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres, or MARIADB_ADMIN_URL,
default mariadb://root@127.0.0.1:3306, and dropped afterwards), fills one room with --messages
messages (a rare word, a common one, some Japanese), then prints the plan of each kind of search
the service runs, with its timing: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
PostgreSQL, ANALYZE FORMAT=JSON on MariaDB (with Mroonga if the server has it: `--no-mroonga`
shows the scan a server without it does). The SQL is the service's own (SearchService.query),
compiled with the values inlined."""

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.models import Room
from app.ratelimit import RateLimits
from app.search_schema import drop_mariadb_search, has_fts_table
from app.server import migrate
from app.services.files import FileService
from app.services.read_state import with_read_state
from app.services.search import SearchService
from app.services.search_indexer import index_batch

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MARIADB_ADMIN_URL = os.environ.get("MARIADB_ADMIN_URL", "mariadb://root@127.0.0.1:3306")
ALICE, BOB = 1, 2
BIG_ROOM, OTHER_ROOM = 2, 3
WORDS = ["hello", "lunch", "deploy", "Москва", "crème brûlée", "meeting", "review", "coffee"]


@contextmanager
def database(kind: str) -> Iterator[tuple[Settings, str]]:
    """Settings of an empty database, and its synchronous URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield Settings(data_dir=Path(folder)), f"sqlite:///{folder}/chat.db"
        return
    name = f"chat_explain_{secrets.token_hex(4)}"
    if kind == "mariadb":
        with mariadb_database(name) as made:
            yield made
        return
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield (
                Settings(data_dir=Path(folder), database_url=url),
                url.replace("postgresql://", "postgresql+psycopg://"),
            )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def mariadb_database(name: str) -> Iterator[tuple[Settings, str]]:
    server = MARIADB_ADMIN_URL.rstrip("/")
    admin = create_engine(
        server.replace("mariadb://", "mariadb+pymysql://", 1) + "/?charset=utf8mb4", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
    url = f"{server}/{name}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield (
                Settings(data_dir=Path(folder), database_url=url),
                url.replace("mariadb://", "mariadb+pymysql://", 1) + "?charset=utf8mb4",
            )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def body(number: int) -> str:
    if number % 1000 == 0:
        return f"that was unbelievable (#{number})"  # rare: 100 in 100,000
    if number % 5000 == 1:
        return f"私は東京に住んでいます #{number}"  # rarer still
    return f"message {number} about {WORDS[number % len(WORDS)]}"  # "message": every other one


def populate(engine: Engine, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        for user_id, name in ((ALICE, "alice"), (BOB, "bob")):
            connection.execute(
                text(
                    "INSERT INTO users (id, username, username_key, password_hash, role, is_active, created_at) "
                    "VALUES (:id, :name, :name, 'x', 'user', true, :now)"
                ),
                {"id": user_id, "name": name, "now": now},
            )
        for room_id, name in ((BIG_ROOM, "big"), (OTHER_ROOM, "other")):
            connection.execute(
                text(
                    "INSERT INTO rooms (id, name, name_key, is_private, created_at) "
                    "VALUES (:id, :name, :name, true, :now)"
                ),
                {"id": room_id, "name": name, "now": now},
            )
        # Alice is in `general` and `big`; Bob alone in `other` (Alice must never see its messages).
        for room_id, user_id in ((1, ALICE), (BIG_ROOM, ALICE), (BIG_ROOM, BOB), (OTHER_ROOM, BOB)):
            connection.execute(
                text("INSERT INTO memberships (room_id, user_id, joined_at) VALUES (:room, :user, :now)"),
                {"room": room_id, "user": user_id, "now": now},
            )
        rows = [
            {"room": BIG_ROOM, "sender": BOB if n % 2 else ALICE, "body": body(n), "now": now} for n in range(count)
        ]
        rows += [{"room": OTHER_ROOM, "sender": BOB, "body": body(n), "now": now} for n in range(count // 10)]
        for start in range(0, len(rows), 10_000):
            connection.execute(
                text(
                    "INSERT INTO messages (room_id, sender_id, body, created_at, deleted) "
                    "VALUES (:room, :sender, :body, :now, false)"
                ),
                rows[start : start + 10_000],
            )
        if connection.dialect.name == "sqlite":  # what the app's indexer does after each commit
            index_batch(connection, limit=len(rows))
        if connection.dialect.name == "mariadb":
            connection.execute(text("ANALYZE TABLE users, rooms, memberships, messages"))
        else:
            connection.execute(text("ANALYZE"))


def explain(engine: Engine, kind: str, title: str, sql: str) -> None:
    # psycopg's and PyMySQL's paramstyle doubles a literal `%`; it is sent doubled and shown as the server gets it.
    shown = sql.replace("%%", "%") if kind != "sqlite" else sql
    print(f"\n--- {title}\n{shown}\n")
    with engine.connect() as connection:
        if kind in ("sqlite", "mariadb"):
            if kind == "sqlite":
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"):
                    print(f"  {row[-1]}")
            else:  # the plan as run, with each table's rows and time
                (plan,) = connection.exec_driver_sql(f"ANALYZE FORMAT=JSON {sql}").one()
                print("\n".join(f"  {line}" for line in plan.splitlines()))
            started = time.perf_counter()
            found = len(connection.exec_driver_sql(sql).all())
            print(f"  ({found} rows in {(time.perf_counter() - started) * 1000:.1f} ms)")
        else:
            for (line,) in connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"):
                print(f"  {line}")


def inline(query: Any, engine: Engine) -> str:
    """The statement with its values written in."""
    return str(query.compile(engine, compile_kwargs={"literal_binds": True}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "mariadb"], default="sqlite")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--no-mroonga", action="store_true", help="MariaDB: search as a server without Mroonga does")
    args = parser.parse_args()
    with database(args.database) as (settings, url):
        migrate(settings)
        engine = create_engine(url)
        if args.database == "mariadb" and args.no_mroonga:
            with engine.begin() as connection:
                drop_mariadb_search(connection)
        started = time.perf_counter()
        populate(engine, args.messages)
        with engine.connect() as connection:
            version = connection.execute(
                text("SELECT sqlite_version()" if args.database == "sqlite" else "SELECT version()")
            ).scalar()
            mroonga = args.database == "mariadb" and has_fts_table(connection)
        print(
            f"{args.database} {version}: room {BIG_ROOM} holds {args.messages} messages, room {OTHER_ROOM} "
            f"{args.messages // 10} (filled in {time.perf_counter() - started:.1f} s)"
        )
        if args.database == "mariadb":
            print(f"search: {'the Mroonga table' if mroonga else 'a LIKE scan (no Mroonga table)'}")
        service = SearchService(engine.dialect.name, FileService(settings, RateLimits(settings)))
        service.mroonga = mroonga
        limit = 51  # a page of 50, plus one to know if there are more

        def sql(q: str, room_id: int | None = None, before: int | None = None) -> str:
            return inline(service.query(ALICE, q, room_id, before).limit(limit), engine)

        explain(engine, args.database, "a rare word, every room of the caller's", sql("believ"))
        explain(engine, args.database, "a rare word, one room", sql("believ", room_id=BIG_ROOM))
        explain(engine, args.database, "a common word (every other message), next page", sql("message", before=50_000))
        explain(engine, args.database, "two characters of Japanese (the LIKE path on SQLite)", sql("東京"))
        explain(engine, args.database, "a word found nowhere", sql("zebra"))
        with engine.begin() as connection:  # Bob has read `big` but its last 1,000, and nothing of `other`
            connection.execute(
                text("UPDATE memberships SET last_read_id = :id WHERE user_id = :bob AND room_id = :room"),
                [
                    {"id": args.messages - 1000, "bob": BOB, "room": BIG_ROOM},
                    {"id": args.messages + 1, "bob": BOB, "room": OTHER_ROOM},
                ],
            )
        rooms = with_read_state(select(Room.id, Room.name), BOB).order_by(Room.id)
        explain(engine, args.database, "the room list with Bob's unread counts", inline(rooms, engine))
        engine.dispose()


if __name__ == "__main__":
    main()
