"""Operator commands: `python -m app.cli create-admin USERNAME` (password from a prompt or stdin)."""

import argparse
import asyncio
import getpass
import sys

from pydantic import ValidationError

from app.config import get_settings
from app.context import AppContext
from app.schemas import UserCreate
from app.server import migrate


def read_password() -> str:
    """From a prompt on a terminal, else the first line of standard input; never from argv."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            sys.exit("passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


async def create_admin(username: str, password: str) -> None:
    context = AppContext.build(get_settings())
    try:
        async with context.sessions() as session:
            user = await context.admin.ensure_admin(session, username, password, reset_password=True)
        print(f"{user.username} (id {user.id}) is an admin")
    finally:
        await context.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create an admin, or promote a user and set their password")
    admin.add_argument("username")
    args = parser.parse_args(argv)
    try:
        account = UserCreate(username=args.username, password=read_password())
    except ValidationError as exc:
        sys.exit(f"refused: {exc.errors()[0]['loc'][-1]}: {exc.errors()[0]['msg']}")
    migrate(get_settings())
    asyncio.run(create_admin(account.username, account.password))


if __name__ == "__main__":
    main()
