"""Dependencies of the routes: the app context, a database session, the caller and their rights."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import AppContext
from app.errors import Forbidden, NotAuthenticated
from app.models import Role, User
from app.services.auth import Authenticated, Client
from app.services.unit_of_work import unit_of_work

# auto_error=False: a missing token goes through our own 401 (with WWW-Authenticate).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


Context = Annotated[AppContext, Depends(get_context)]


async def get_session(context: Context) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed once the route returns, before the answer is sent
    (and its events published then), rolled back if the route raises."""
    async with unit_of_work(context.sessions, context.events) as session:
        yield session


# scope="function": the commit happens before the response goes out, so a client that reads
# right after an answer sees what that answer said was done.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_client(request: Request) -> Client:
    return Client(ip=request.client.host if request.client else None, user_agent=request.headers.get("user-agent"))


ClientInfo = Annotated[Client, Depends(get_client)]


async def get_authenticated(
    request: Request, context: Context, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Authenticated:
    if not token:
        raise NotAuthenticated()
    caller = await context.auth.authenticate(session, token)
    request.state.user_id = caller.user.id  # for the request's log line
    return caller


Caller = Annotated[Authenticated, Depends(get_authenticated)]


async def get_current_user(caller: Caller) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("admins only")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


# Ids beyond 64 bits would overflow both databases' integers: refuse them as bad input (422).
MAX_ID = 2**63 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
