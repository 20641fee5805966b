"""The caller's own account: the display name and what new rooms notify them of. (The password
and devices are AuthService's: they touch tokens.)"""

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User
from app.schemas import ProfileUpdate


async def update_profile(session: AsyncSession, user: User, change: ProfileUpdate) -> User:
    """Only what `change` carries changes; a display name sent null or blank is cleared."""
    if "display_name" in change.model_fields_set:
        user.display_name = change.display_name
    if change.default_notify is not None:
        user.default_notify = change.default_notify
    await session.flush()
    return user
