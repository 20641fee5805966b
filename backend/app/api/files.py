"""Files: upload to a room (multipart), and fetch by signed URL (no bearer header needed)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from app.api.deps import MAX_ID, Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.errors import InvalidInput
from app.schemas import AttachmentOut, ErrorOut
from app.services.files import Variant

router = APIRouter(tags=["files"])

# The app's MAX_REQUEST_BYTES (1 MiB) stays for every other route. This one takes files up to
# MAX_UPLOAD_BYTES: the framework's cap is lifted for it alone, and the file service counts the
# body as it streams in instead (413 once the file is over MAX_UPLOAD_BYTES or the uploader's
# quota, or the whole body over that plus 64 KiB of multipart framing), before anything is
# read when Content-Length already says so, and only for a member of the room within the rate
# limit: the body of any other request is never read.
UPLOAD_ROUTE_BODY_CAP = 2**62

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the file, at most MAX_UPLOAD_BYTES (default 25 MB); "
                            "its name is kept (sanitised), its type is sniffed from its bytes",
                        }
                    },
                }
            }
        },
    }
}

SignedExpiry = Annotated[int, Query(ge=0, le=2**53 - 1, description="Unix time the link expires at")]
Signature = Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{43}$", description="HMAC-SHA256, base64url")]


@router.post(
    "/rooms/{room_id}/files",
    status_code=status.HTTP_201_CREATED,
    max_body_size=UPLOAD_ROUTE_BODY_CAP,
    openapi_extra=_UPLOAD_BODY,
    responses=errors(*AUTHENTICATED, *DATABASE, *WITH_BODY, 404, 413, 429),
)
async def upload_file(
    room_id: PathId, request: Request, user: CurrentUser, context: Context, session: SessionDep
) -> AttachmentOut:
    """Upload a file to a room (members only), to attach to a message (`attachments` of a send).

    Images (PNG, JPEG, GIF, WebP) are checked, turned upright and stripped of their metadata,
    and get a thumbnail; a corrupt image or one of too many pixels is a 422."""
    length = request.headers.get("content-length")
    try:
        return await context.files.upload(
            session,
            user,
            room_id,
            request.headers.get("content-type"),
            int(length) if length and length.isdigit() else None,
            request.stream(),
        )
    except InvalidInput as exc:  # the documented 422 shape, like any invalid field
        error = {"type": "value_error", "loc": ("body", "file"), "msg": exc.detail, "input": None}
        raise RequestValidationError([error]) from None


@router.get(
    "/files/{upload_id}/{variant}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file (or its thumbnail, WebP), as a download unless a raster image",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        403: {"model": ErrorOut, "description": "Not a valid signature"},
        404: {"model": ErrorOut, "description": "No such file (or its message was deleted)"},
        410: {"model": ErrorOut, "description": "The link expired: the message, fetched again, has a new one"},
        **errors(*DATABASE),
    },
)
async def download_file(
    upload_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    variant: Variant,
    exp: SignedExpiry,
    sig: Signature,
    context: Context,
    session: SessionDep,
) -> StreamingResponse:
    """A file by the signed URL of an attachment (`url`, `thumbnail_url`): no bearer header."""
    served = await context.files.serve(session, upload_id, variant, exp, sig)
    return StreamingResponse(served.blob.chunks(), media_type=served.content_type, headers=served.headers)
