"""The caller's own account: profile (display name, default notifications) and password."""

from fastapi import APIRouter

from app.api.deps import Caller, ClientInfo, Context, CurrentUser, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.schemas import PasswordChange, PasswordChanged, ProfileUpdate, UserOut
from app.services.account import update_profile

router = APIRouter(prefix="/users/me", tags=["account"], responses=errors(*AUTHENTICATED, *DATABASE, *WITH_BODY))


@router.patch("")
async def update_me(change: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserOut:
    """Set the display name (null or blank: none) or what new rooms notify of; absent fields stay."""
    return UserOut.model_validate(await update_profile(session, user, change))


@router.post("/password", responses=errors(429))
async def change_password(
    change: PasswordChange, caller: Caller, context: Context, session: SessionDep, client: ClientInfo
) -> PasswordChanged:
    """Change the password (403 if `current_password` is wrong), optionally signing out every other device."""
    signed_out = await context.auth.change_password(
        session,
        caller,
        change.current_password,
        change.new_password,
        client,
        sign_out_others=change.sign_out_other_devices,
    )
    return PasswordChanged(signed_out_devices=signed_out)
