"""Accounts and tokens: signup, OAuth2 password login, refresh, logout, the caller, devices."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import Caller, ClientInfo, Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.schemas import RefreshRequest, SessionOut, TokenPair, UserCreate, UserOut
from app.services.auth import IssuedTokens

router = APIRouter(tags=["auth"], responses=errors(*DATABASE))


def _pair(issued: IssuedTokens) -> TokenPair:
    return TokenPair(access_token=issued.access_token, refresh_token=issued.refresh_token, expires_in=issued.expires_in)


@router.post("/signup", status_code=status.HTTP_201_CREATED, responses=errors(*WITH_BODY, 409, 429))
async def signup(data: UserCreate, context: Context, session: SessionDep, client: ClientInfo) -> UserOut:
    """Create an account (it joins the room `general`)."""
    user = await context.auth.signup(session, data.username, data.password, client)
    return UserOut.model_validate(user)


# RFC 6749 section 5.1: answers that carry tokens must not be kept by any cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/token", responses=errors(*WITH_BODY, 401, 403, 429))
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    context: Context,
    session: SessionDep,
    client: ClientInfo,
    response: Response,
) -> TokenPair:
    """Log in with the OAuth2 password flow: an access token and a refresh token for this device."""
    response.headers.update(NO_STORE)
    return _pair(await context.auth.login(session, form.username, form.password, client))


@router.post("/token/refresh", responses=errors(*WITH_BODY, 401))
async def refresh(
    data: RefreshRequest, context: Context, session: SessionDep, client: ClientInfo, response: Response
) -> TokenPair:
    """Trade a refresh token for a new pair. A token used twice signs its device out, except the
    device's newest token's predecessor presented again within REFRESH_REUSE_GRACE_SECONDS of its
    rotation (a reload that raced the answer): that gets a new pair for the same device."""
    response.headers.update(NO_STORE)
    return _pair(await context.auth.refresh(session, data.refresh_token, client))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*WITH_BODY))
async def logout(data: RefreshRequest, context: Context, session: SessionDep) -> Response:
    """Sign this device out (revokes its refresh tokens); idempotent."""
    await context.auth.logout(session, data.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", responses=errors(*AUTHENTICATED))
async def read_me(user: CurrentUser) -> UserOut:
    """The caller's account."""
    return UserOut.model_validate(user)


@router.get("/sessions", responses=errors(*AUTHENTICATED))
async def list_sessions(caller: Caller, context: Context, session: SessionDep) -> list[SessionOut]:
    """The caller's signed-in devices."""
    devices = await context.auth.devices(session, caller.user)
    return [
        SessionOut(
            id=d.id,
            created_at=d.created_at,
            last_used_at=d.last_used_at,
            user_agent=d.user_agent,
            ip=d.ip,
            current=d.id == caller.session_id,
        )
        for d in devices
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(*AUTHENTICATED, 404))
async def sign_out_device(session_id: PathId, user: CurrentUser, context: Context, session: SessionDep) -> Response:
    """Sign one device out: its refresh tokens are revoked and its sockets closed (4401)."""
    await context.auth.sign_out_device(session, user, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
