"""Files and images: uploads to a room, attached to messages, served by signed URLs.

An upload is streamed to a temporary file in chunks, hashed and counted as it comes (never held
in memory; refused with 413 as soon as it is over MAX_UPLOAD_BYTES or the uploader's quota). Its
type is sniffed from its bytes, never taken from the client: Pillow for PNG, JPEG, GIF and WebP,
`filetype` for the rest, `application/octet-stream` when nothing matches. Images are checked
(a decompression bomb or a corrupt image is a 422), turned upright (EXIF orientation), stripped of
their metadata (EXIF, XMP, text chunks: where a photo was taken is nobody's business) and get a
thumbnail. What is served is stored once per content, in the blob store (app/storage.py), under
its SHA-256; an `uploads` row per upload says who sent what where.

An upload belongs to no message until the message that lists it is stored: `claim` checks a
message's attachments before it is queued, the message writer sets `message_id` in its commit,
`attachments_for` shows them with each page, `forget_message` lets them go with their message.

URLs are signed (HMAC-SHA256 under a key derived from SECRET_KEY) and expire, so an `<img>` can
fetch them without a bearer header and a URL that leaks stops working. They are served with
`nosniff`, a sandboxing CSP and, for anything but a raster image, as a download.
"""

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import logging
import math
import secrets
import struct
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

import anyio
import filetype  # type: ignore[import-untyped]
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import bindparam, delete, event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import AppError, BadRequest, Conflict, Forbidden, InvalidInput, NotFound
from app.models import Message, Room, Upload, User, utcnow
from app.ratelimit import RateLimits
from app.schemas import AttachmentOut
from app.services.access import is_member
from app.storage import Blob, BlobMissing, BlobStore, FolderStore

log = logging.getLogger(__name__)

Variant = Literal["content", "thumb"]

# Raster formats shown inline (and given a thumbnail), by Pillow's name for them.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
INLINE_TYPES = frozenset(IMAGE_TYPES.values())
OCTET_STREAM = "application/octet-stream"
THUMB_TYPE = "image/webp"
THUMB_SUFFIX = ".thumb"
THUMB_MAX = 360  # pixels, the longer side; smaller images keep their size

# One frame of at most 50 megapixels (a 50 MP photo decodes to 150-200 MB): more is refused (422).
# Pillow's own guard, which this sets, warns beyond it and refuses beyond twice as many, at open.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Images decoded at once per process (each may take a few hundred MB while it is worked on).
DECODERS = 2

# What a multipart body may hold beyond its file: boundaries, part headers, a few small fields.
MULTIPART_SLACK = 64 * 1024
MAX_NAME = 200  # characters of a file name, its extension kept

# Unicode categories never kept in a file name: control and format characters (among them the
# bidirectional overrides that make "gpj.exe" read as "exe.jpg"), surrogates, line separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class TooLarge(AppError):
    status, code = 413, "bad_request"


class Gone(AppError):
    status, code = 410, "bad_request"


# --- names ------------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """A client's file name made safe to store and show: no folder parts, no control or format
    characters, NFC, trimmed, at most MAX_NAME characters (the extension kept), never empty."""
    name = unicodedata.normalize("NFC", raw)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if char.isspace() else char for char in name if unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
    name = " ".join(name.split())  # runs of spaces become one; trimmed
    if name in ("", ".", ".."):
        return "file"
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 16:
            name = stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME].rstrip()
    return name


def content_disposition(name: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback for old clients, and the real name as UTF-8 (RFC 8187)."""
    fallback = "".join(char if " " <= char < "\x7f" and char not in '"\\%' else "_" for char in name)
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- signed URLs ------------------------------------------------------------------------------


class UrlSigner:
    """`/api/v1/files/{id}/{variant}?exp=<unix time>&sig=<HMAC-SHA256, base64url>`.

    Expiry times are rounded up to a multiple of a quarter of the lifetime: every URL minted for a
    file within that quarter is the same URL (so browsers and proxies cache it), and it works at
    least `lifetime` seconds, at most a quarter longer."""

    PREFIX = "/api/v1/files"

    def __init__(self, secret: str, lifetime: int) -> None:
        # A key of its own, derived from the app's secret: a file signature is never a token.
        self._key = hmac.new(secret.encode(), b"chat file urls v1", hashlib.sha256).digest()
        self.lifetime = lifetime
        self.step = max(1, lifetime // 4)

    def expiry(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return math.ceil((now + self.lifetime) / self.step) * self.step

    def signature(self, upload_id: int, variant: Variant, exp: int) -> str:
        digest = hmac.new(self._key, f"{upload_id}/{variant}/{exp}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def url(self, upload_id: int, variant: Variant, exp: int) -> str:
        return f"{self.PREFIX}/{upload_id}/{variant}?exp={exp}&sig={self.signature(upload_id, variant, exp)}"

    def check(self, upload_id: int, variant: Variant, exp: int, sig: str, now: float | None = None) -> int:
        """Seconds the URL has left; Forbidden if it is not ours, Gone once it expired.

        The signature is checked first: nobody learns anything about a URL they could not mint."""
        if not hmac.compare_digest(sig, self.signature(upload_id, variant, exp)):
            raise Forbidden("invalid file signature")
        left = exp - (time.time() if now is None else now)
        if left <= 0:
            raise Gone("this file link has expired: fetch the message again for a fresh one")
        return int(left)


def attachment_out(row: Upload, signer: UrlSigner, *, exp: int | None = None) -> AttachmentOut:
    """An upload as a message shows it, with freshly signed URLs (expiring at `exp`, default:
    `signer.expiry()` now). Images (`width` set) have a thumbnail."""
    exp = signer.expiry() if exp is None else exp
    return AttachmentOut(
        id=row.id,
        name=row.name,
        size=row.size,
        content_type=row.content_type,
        width=row.width,
        height=row.height,
        url=signer.url(row.id, "content", exp),
        thumbnail_url=signer.url(row.id, "thumb", exp) if row.width is not None else None,
    )


# --- receiving --------------------------------------------------------------------------------


@dataclass
class Received:
    """The `file` part of a multipart body, on disk."""

    path: Path
    name: str
    size: int
    sha256: str


@dataclass
class _Part:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    header_name: bytes = b""
    header_value: bytes = b""
    is_file: bool = False


class _MultipartFile:
    """python-multipart's streaming parser, keeping the `file` part's bytes and no others."""

    def __init__(self, boundary: bytes) -> None:
        self.part = _Part()
        self.name: str | None = None  # the file part's name, once it began
        self.pending: list[bytes] = []  # file bytes parsed from the last chunk, not yet written
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
                "on_end": self._finished,
            },
        )
        self.finished = False  # the closing boundary came

    def _begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers.append((self.part.header_name.lower(), self.part.header_value))
        self.part.header_name = self.part.header_value = b""

    def _headers_finished(self) -> None:
        disposition = dict(self.part.headers).get(b"content-disposition")
        _, options = parse_options_header(disposition)
        if options.get(b"name") != b"file":
            return  # another field: ignored (its bytes still count against the body's limit)
        if self.name is not None:
            raise InvalidInput("one file per upload")
        filename = options.get(b"filename", b"file")
        try:
            name = filename.decode("utf-8")
        except UnicodeDecodeError:
            name = filename.decode("latin-1")
        # Browsers (and httpx) send `"` in a file name as %22, and line breaks as %0A / %0D (HTML's
        # multipart/form-data encoding): the name the person gave the file has the quote back.
        self.name = name.replace("%22", '"').replace("%0A", " ").replace("%0D", " ")
        self.part.is_file = True

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.is_file:
            self.pending.append(data[start:end])

    def _end(self) -> None:
        self.part = _Part()

    def _finished(self) -> None:
        self.finished = True


async def receive_file(
    content_type: str | None,
    body: AsyncIterator[bytes],
    folder: Path,
    limit: int,
    too_large: Callable[[], AppError],
) -> Received:
    """Stream the `file` part of a multipart/form-data body into a new file of `folder`, hashing
    and counting as it comes: `too_large()` is raised (and the file removed) as soon as the file
    passes `limit` bytes, or the body `limit` + MULTIPART_SLACK."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput("send the file as multipart/form-data, in a part named `file`")
    form = _MultipartFile(boundary)
    path = folder / f"upload-{secrets.token_hex(8)}.part"
    handle = await asyncio.to_thread(open, path, "xb")
    digest, size, total = hashlib.sha256(), 0, 0

    def write(chunks: list[bytes]) -> None:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)

    try:
        async for chunk in body:
            total += len(chunk)
            if total > limit + MULTIPART_SLACK:
                raise too_large()
            try:
                form.parser.write(chunk)
            except MultipartParseError as exc:
                raise BadRequest(f"malformed multipart body: {exc}") from None
            if form.pending:
                chunks, form.pending = form.pending, []
                size += sum(len(piece) for piece in chunks)
                if size > limit:
                    raise too_large()
                await asyncio.to_thread(write, chunks)
        try:
            form.parser.finalize()
        except MultipartParseError as exc:
            raise BadRequest(f"malformed multipart body: {exc}") from None
        if not form.finished:
            raise BadRequest("malformed multipart body: it ends before its closing boundary")
        if form.name is None:
            raise InvalidInput("the body has no part named `file`")
        await asyncio.to_thread(handle.close)
    except BaseException:
        handle.close()
        path.unlink(missing_ok=True)
        raise
    return Received(path, clean_name(form.name), size, digest.hexdigest())


# --- what is stored ---------------------------------------------------------------------------


@dataclass
class Stored:
    """What an upload becomes: the file to store (the upload itself, or its cleaned re-encoding),
    what it is, and for an image its size and thumbnail."""

    path: Path
    sha256: str
    size: int
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: Path | None = None


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _sniff(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(8192)
    kind = filetype.guess(head)
    return str(kind.mime) if kind is not None else OCTET_STREAM


def examine(received: Received) -> Stored:
    """What the upload is, from its bytes; images are checked, cleaned and thumbnailed (into
    files beside it: its name with `.clean` and `.thumb` for a suffix).

    Blocking (Pillow decodes in this thread): run it in a worker thread."""
    try:
        with Image.open(received.path, formats=list(IMAGE_TYPES)) as probe:
            # A JPEG with more pictures inside (MPO: 3D cameras, some phones) is served as its first.
            kind = "JPEG" if probe.format == "MPO" else probe.format or ""
            _check_pixels(probe)
            probe.verify()  # checksums and structure, without decoding everything
    except UnidentifiedImageError:
        sniffed = _sniff(received.path)
        if sniffed in INLINE_TYPES:  # the signature of an image, and yet Pillow cannot read it
            raise InvalidInput(f"not a valid {sniffed.removeprefix('image/').upper()} image") from None
        return Stored(received.path, received.sha256, received.size, sniffed)
    except InvalidInput:
        raise
    except Exception as exc:  # anything a decoder raises on hostile input is a bad image
        raise _bad_image(exc) from None
    try:
        return _clean_image(received, kind)
    except InvalidInput:
        raise
    except Exception as exc:
        raise _bad_image(exc) from None


def _bad_image(exc: Exception) -> InvalidInput:
    if isinstance(exc, Image.DecompressionBombError):
        return InvalidInput(f"image has too many pixels (at most {MAX_PIXELS:,})")
    return InvalidInput("image is corrupt or truncated")


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise InvalidInput(f"image has too many pixels (at most {MAX_PIXELS:,})")


def _clean_image(received: Received, kind: str) -> Stored:
    """Still images are decoded, turned upright and re-encoded without metadata. Animations are
    kept as they are, less their metadata where the format makes that a matter of dropping chunks
    (WebP, APNG); an animated GIF is kept byte for byte (GIF has no EXIF; a comment or XMP block
    in it stays)."""
    base = received.path
    with Image.open(received.path, formats=[kind]) as image:
        animated = kind != "JPEG" and bool(getattr(image, "is_animated", False))
        upright: Image.Image
        if animated:
            image.seek(0)
            image.load()
            upright = image
            data = received.path.read_bytes() if kind != "GIF" else None
            if kind == "WEBP" and data is not None:
                cleaned = _strip_webp(data)
            elif kind == "PNG" and data is not None:
                cleaned = _strip_png(data)
            else:
                cleaned = None  # GIF: as it came
            path, sha256, size = received.path, received.sha256, received.size
            if cleaned is not None and cleaned != data:
                with Image.open(io.BytesIO(cleaned), formats=[kind]) as check:
                    check.load()  # still the same animation, readable
                path = base.with_suffix(".clean")
                path.write_bytes(cleaned)
                sha256, size = hashlib.sha256(cleaned).hexdigest(), len(cleaned)
            thumbnail = _save_thumbnail(upright, base.with_suffix(".thumb"))
        else:
            image.load()  # decodes all of it: a truncated or corrupt image fails here
            upright = ImageOps.exif_transpose(image)
            thumbnail = _save_thumbnail(upright, base.with_suffix(".thumb"))
            path = base.with_suffix(".clean")
            with open(path, "wb") as out:
                _save_clean(image, upright, kind, received.path, out)
            sha256, size = _file_digest(path), path.stat().st_size
        width, height = upright.size
    return Stored(path, sha256, size, IMAGE_TYPES[kind], width, height, thumbnail)


def _save_clean(source: Image.Image, image: Image.Image, kind: str, source_path: Path, out: BinaryIO) -> None:
    """`image` (upright `source`) re-encoded in its own format with nothing but its pixels, its
    transparency and its colour profile (the profile is needed to show the colours right)."""
    kept: dict[str, Any] = {}
    if icc := source.info.get("icc_profile"):
        kept["icc_profile"] = icc
    transparency = source.info.get("transparency")
    image.info = {}  # no plugin may carry over EXIF, XMP, comments or text from the source
    if kind == "JPEG":
        options: dict[str, Any] = {}
        quantization = getattr(source, "quantization", None)
        if quantization:  # the source's quality, not a guess at it
            options["qtables"] = quantization
            sampling = JpegImagePlugin.get_sampling(source)
            if sampling != -1:
                options["subsampling"] = sampling
        else:
            options["quality"] = 90
        image.save(out, "JPEG", **options, **kept)
    elif kind == "PNG":
        if transparency is not None:
            kept["transparency"] = transparency
        image.save(out, "PNG", **kept)
    elif kind == "GIF":
        image.save(out, "GIF", **({"transparency": transparency} if transparency is not None else {}))
    else:  # WEBP: lossless stays lossless
        lossless = _webp_is_lossless(source_path)
        image.save(out, "WEBP", lossless=lossless, quality=100 if lossless else 90, **kept)


def _save_thumbnail(image: Image.Image, path: Path) -> Path:
    """At most THUMB_MAX pixels on its longer side (never enlarged), WebP."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    frame = image.convert("RGBA" if has_alpha else "RGB")
    frame.thumbnail((THUMB_MAX, THUMB_MAX), Image.Resampling.LANCZOS)
    frame.save(path, "WEBP", quality=80)
    return path


# RIFF (WebP) and PNG chunks, walked to drop metadata from animations without re-encoding them.


def _riff_chunks(data: bytes) -> Iterable[tuple[bytes, bytes]]:
    offset = 12
    while offset + 8 <= len(data):
        tag, length = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        end = offset + 8 + length + (length & 1)
        if end > len(data):
            raise InvalidInput("image is corrupt or truncated")
        yield tag, data[offset:end]
        offset = end


def _webp_is_lossless(path: Path) -> bool:
    with contextlib.suppress(InvalidInput, OSError):
        return any(tag == b"VP8L" for tag, _ in _riff_chunks(path.read_bytes()))
    return False


def _strip_webp(data: bytes) -> bytes:
    """The WebP without its EXIF and XMP chunks (and their flags in VP8X)."""
    chunks = []
    for tag, chunk in _riff_chunks(data):
        if tag in (b"EXIF", b"XMP "):
            continue
        if tag == b"VP8X":
            flags = chunk[8] & ~0x08 & ~0x04  # EXIF and XMP present: no longer
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        chunks.append(chunk)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# PNG chunks that are metadata: text, EXIF, time, and the like. Everything else (pixels, palette,
# transparency, animation, colour) stays.
_PNG_METADATA = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"pHYs", b"dSIG"})


def _strip_png(data: bytes) -> bytes:
    out, offset = [data[:8]], 8
    while offset + 8 <= len(data):
        length = struct.unpack(">I", data[offset : offset + 4])[0]
        tag = data[offset + 4 : offset + 8]
        end = offset + 12 + length
        if end > len(data):
            raise InvalidInput("image is corrupt or truncated")
        if tag not in _PNG_METADATA:
            out.append(data[offset:end])
        offset = end
        if tag == b"IEND":
            break
    return b"".join(out)


# --- the service ------------------------------------------------------------------------------

_ATTACHMENTS = (
    select(Upload).where(Upload.message_id.in_(bindparam("ids", expanding=True))).order_by(Upload.message_id, Upload.id)
)
_IN_USE = select(Upload.id).where(Upload.sha256 == bindparam("sha256")).limit(1)
_SERVED = (
    select(Upload, Message.deleted)
    .outerjoin(Message, Message.id == Upload.message_id)
    .where(Upload.id == bindparam("upload_id"))
)
_MEMBERSHIP = select(Room.is_private, is_member(bindparam("viewer"))).where(Room.id == bindparam("room_id"))
_PENDING_BLOBS = "chat.files.unreferenced"  # key in a session's `info`: blobs to collect after its commit


@dataclass
class Served:
    """A file as the signed URL serves it: its bytes, and the headers that go with them."""

    blob: Blob
    headers: dict[str, str]
    content_type: str


class FileService:
    """Uploads, the signed URLs that serve them, and their part in messages (see the module)."""

    def __init__(self, settings: Settings, limits: RateLimits, store: BlobStore | None = None) -> None:
        self.store: BlobStore = store if store is not None else FolderStore(settings.upload_folder)
        self.signer = UrlSigner(settings.jwt_secret(), settings.upload_url_seconds)
        self._limit = limits.upload
        self.max_bytes = settings.max_upload_bytes
        self.quota_bytes = settings.upload_quota_bytes
        self._decoders = anyio.CapacityLimiter(DECODERS)
        self._collecting: set[asyncio.Task[None]] = set()

    # --- upload -------------------------------------------------------------------------------

    async def upload(
        self,
        session: AsyncSession,
        user: User,
        room_id: int,
        content_type: str | None,
        content_length: int | None,
        body: AsyncIterator[bytes],
    ) -> AttachmentOut:
        """Receive a multipart/form-data body's `file` into the room (members only, like its history)."""
        await self._limit.hit((user.id,))
        await _require_member(session, user.id, room_id)
        used = await self._used(session, user.id)
        left = self.quota_bytes - used
        if left <= 0:
            raise self._over_quota(used)
        limit = min(self.max_bytes, left)

        def too_large() -> AppError:
            return self._over_quota(used) if limit < self.max_bytes else self._over_size()

        if content_length is not None and content_length > limit + MULTIPART_SLACK:
            raise too_large()
        # The body may take minutes to arrive: no database connection is held meanwhile.
        await session.close()
        received = await receive_file(content_type, body, self.store.temp_dir, limit, too_large)
        # Whatever `examine` made beside it (and what `put` did not take) goes in the end.
        leftovers = [received.path, received.path.with_suffix(".clean"), received.path.with_suffix(".thumb")]
        try:
            stored = await anyio.to_thread.run_sync(examine, received, limiter=self._decoders)
            used = await self._used(session, user.id)
            if used + stored.size > self.quota_bytes:
                raise self._over_quota(used)
            row = Upload(
                room_id=room_id,
                uploader_id=user.id,
                sha256=stored.sha256,
                name=received.name,
                size=stored.size,
                content_type=stored.content_type,
                width=stored.width,
                height=stored.height,
                created_at=utcnow(),
            )
            session.add(row)
            # The row is committed before the blobs are put: then a collection of the same blob
            # either sees the row or began before the put, which the store then respects (see
            # `_collect`). A put that fails takes the row back.
            await session.commit()
            try:
                await self.store.put(stored.path, stored.sha256)
                if stored.thumbnail is not None:
                    await self.store.put(stored.thumbnail, stored.sha256 + THUMB_SUFFIX)
            except BaseException:
                await session.delete(row)
                await session.commit()
                raise
            return attachment_out(row, self.signer)
        finally:
            for path in leftovers:
                await asyncio.to_thread(path.unlink, True)

    async def _used(self, session: AsyncSession, user_id: int) -> int:
        total = await session.scalar(
            select(func.coalesce(func.sum(Upload.size), 0)).where(Upload.uploader_id == user_id)
        )
        return int(total or 0)

    def _over_size(self) -> TooLarge:
        return TooLarge(f"file is larger than {_megabytes(self.max_bytes)} (MAX_UPLOAD_BYTES)")

    def _over_quota(self, used: int) -> TooLarge:
        return TooLarge(
            f"upload quota exceeded: {_megabytes(used)} of {_megabytes(self.quota_bytes)} used; "
            "deleting messages with files frees space"
        )

    # --- serving ------------------------------------------------------------------------------

    async def serve(self, session: AsyncSession, upload_id: int, variant: Variant, exp: int, sig: str) -> Served:
        """The file behind a signed URL: 403 for a signature that is not ours, 410 once it
        expired, 404 for an upload that is gone (or whose message was deleted)."""
        left = self.signer.check(upload_id, variant, exp, sig)
        found = (await session.execute(_SERVED, {"upload_id": upload_id})).first()
        if found is None or found[1] or (variant == "thumb" and found[0].width is None):
            raise NotFound("file not found")
        row: Upload = found[0]
        key, content_type = row.sha256, row.content_type
        if variant == "thumb":
            key, content_type = key + THUMB_SUFFIX, THUMB_TYPE
        try:
            blob = await self.store.open(key)
        except BlobMissing:
            log.warning("upload %s: blob %s is missing from the store", upload_id, key)
            raise NotFound("file not found") from None
        inline = content_type in INLINE_TYPES  # raster images only: never SVG, HTML, PDF...
        name = row.name if variant == "content" else f"{row.name}.thumb.webp"
        headers = {
            "Content-Length": str(blob.size),
            "Content-Disposition": content_disposition(name, inline=inline),
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": f"private, max-age={left}",
            "Cross-Origin-Resource-Policy": "same-site",
        }
        return Served(blob, headers, content_type)

    # --- for the message path -----------------------------------------------------------------

    async def claim(
        self, session: AsyncSession, user_id: int, room_id: int, upload_ids: Collection[int]
    ) -> list[AttachmentOut]:
        """Check the attachments of a message the user `user_id` is about to send to `room_id`:
        each must be listed once (else InvalidInput, 422), be an upload of theirs to this room
        (else NotFound, 404) and not be sent yet (else Conflict, 409); the error names the first
        that is not. Changes nothing: the message writer sets `message_id` in its commit
        (`UPDATE uploads SET message_id = :m WHERE id = :u AND message_id IS NULL`, which also
        settles two sends racing for one upload).

        The attachments as the message will show them, in upload id order (as history does)."""
        ids = list(upload_ids)
        if not ids:
            return []
        seen: set[int] = set()
        for upload_id in ids:
            if upload_id in seen:
                raise InvalidInput(f"attachment {upload_id} is listed twice")
            seen.add(upload_id)
        rows = {row.id: row for row in await session.scalars(select(Upload).where(Upload.id.in_(ids)))}
        for upload_id in ids:
            row = rows.get(upload_id)
            if row is None or row.uploader_id != user_id or row.room_id != room_id:
                raise NotFound(f"attachments: {upload_id} is not a file you uploaded to this room")
            if row.message_id is not None:
                raise Conflict(f"attachments: {upload_id} was already sent with another message")
        exp = self.signer.expiry()
        return [attachment_out(rows[upload_id], self.signer, exp=exp) for upload_id in sorted(ids)]

    async def attachments_for(
        self, session: AsyncSession, message_ids: Collection[int]
    ) -> dict[int, list[AttachmentOut]]:
        """Each message's attachments, in upload id order: one query for a whole page (by the
        `message_id` index); messages without any are absent."""
        if not message_ids:
            return {}
        exp = self.signer.expiry()
        found: dict[int, list[AttachmentOut]] = {}
        for row in await session.scalars(_ATTACHMENTS, {"ids": list(set(message_ids))}):
            assert row.message_id is not None
            found.setdefault(row.message_id, []).append(attachment_out(row, self.signer, exp=exp))
        return found

    async def forget_message(self, session: AsyncSession, message_id: int) -> None:
        """A deleted message's files go with it: its uploads are deleted in `session`'s
        transaction, and once that commits, their blobs that no other upload uses are removed
        from the store (in a task of their own; never if the transaction is rolled back)."""
        keys = set(
            await session.scalars(delete(Upload).where(Upload.message_id == message_id).returning(Upload.sha256))
        )
        if keys:
            self._collect_after_commit(session, keys)

    async def forget_room(self, session: AsyncSession, room_id: int) -> None:
        """A deleted room's files go with it, as a deleted message's do (the database would drop
        its uploads on its own, but not their blobs)."""
        keys = set(await session.scalars(delete(Upload).where(Upload.room_id == room_id).returning(Upload.sha256)))
        if keys:
            self._collect_after_commit(session, keys)

    async def sweep_unsent(self, session: AsyncSession, older_than: dt.timedelta) -> int:
        """Delete the uploads not sent within `older_than` of their upload (abandoned drafts; their
        unused blobs go once `session` commits); how many. For a periodic job: nothing calls it
        on its own yet."""
        cutoff = utcnow() - older_than
        keys = list(
            await session.scalars(
                delete(Upload).where(Upload.message_id.is_(None), Upload.created_at < cutoff).returning(Upload.sha256)
            )
        )
        if keys:
            self._collect_after_commit(session, set(keys))
        return len(keys)

    async def settled(self) -> None:
        """Wait for the blob collections under way (tests, and a clean shutdown)."""
        while self._collecting:
            await asyncio.gather(*self._collecting, return_exceptions=True)

    def _collect_after_commit(self, session: AsyncSession, keys: set[str]) -> None:
        pending: set[str] | None = session.info.get(_PENDING_BLOBS)
        if pending is not None:
            pending.update(keys)
            return
        session.info[_PENDING_BLOBS] = set(keys)
        engine = session.bind  # the collection reads on a session of its own, on the same database
        if engine is None:
            raise RuntimeError("a session bound to no engine")

        def committed(sync_session: Session) -> None:
            collect = sync_session.info.pop(_PENDING_BLOBS, None)
            if collect:  # on the event loop's thread, inside AsyncSession.commit()
                task = asyncio.get_running_loop().create_task(self._collect(engine, collect))
                self._collecting.add(task)
                task.add_done_callback(self._collecting.discard)

        def rolled_back(sync_session: Session) -> None:
            sync_session.info.pop(_PENDING_BLOBS, None)  # the uploads are still there: so are their blobs

        # Once each: whichever comes first empties the set, and the other then finds nothing.
        event.listen(session.sync_session, "after_commit", committed, once=True)
        event.listen(session.sync_session, "after_rollback", rolled_back, once=True)

    async def _collect(self, engine: AsyncEngine | AsyncConnection, keys: set[str]) -> None:
        """Remove the blobs (and thumbnails) of `keys` that no upload uses any more.

        Safe against an upload of the same bytes racing with this: an upload commits its row
        before it puts its blob, so either this sees its row, or its put comes after this began,
        and the store leaves alone a blob put since then (`unless_put_since`)."""
        for key in sorted(keys):
            try:
                began = time.time()
                async with AsyncSession(engine) as session:
                    if await session.scalar(_IN_USE, {"sha256": key}) is not None:
                        continue
                await self.store.delete(key, unless_put_since=began)
                await self.store.delete(key + THUMB_SUFFIX, unless_put_since=began)
            except Exception:  # a blob left behind wastes space; it must not fail anything else
                log.exception("could not remove the unused blob %s", key)


async def _require_member(session: AsyncSession, user_id: int, room_id: int) -> None:
    """As for a room's history: 404 for a room the caller may not see, 403 for a public room
    they have not joined."""
    row = (await session.execute(_MEMBERSHIP, {"viewer": user_id, "room_id": room_id})).first()
    if row is None or (row[0] and not row[1]):
        raise NotFound("room not found")
    if not row[1]:
        raise Forbidden("join the room first")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"
