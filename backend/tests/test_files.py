"""Files and images: uploads streamed to a folder by content hash, sniffed, cleaned, limited, and
served by signed URLs that need no bearer header; their part in messages (claim, forget)."""

import datetime as dt
import io
import os
import struct
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageSequence, PngImagePlugin
from sqlalchemy import func, select, update

from app.errors import Conflict, InvalidInput, NotFound
from app.models import Upload
from app.services.files import MAX_NAME, THUMB_MAX, FileService, UrlSigner, clean_name
from app.storage import FolderStore
from tests.support.accounts import Account, register
from tests.support.api import create_room, history, send_message
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory

JSON = dict[str, Any]


# --- helpers -----------------------------------------------------------------------------------


def image_bytes(size: tuple[int, int] = (800, 400), kind: str = "PNG", color: str = "teal", **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind, **options)
    return out.getvalue()


def noise(size: int, seed: int = 1) -> bytes:
    """Bytes no sniffer recognises (and different per seed)."""
    return bytes((i * 7919 + seed * 104729) % 251 for i in range(size))


async def upload(
    http: httpx.AsyncClient,
    account: Account,
    data: bytes,
    name: str = "file.bin",
    content_type: str = "application/octet-stream",
    room_id: int = 1,
) -> httpx.Response:
    return await http.post(
        f"/rooms/{room_id}/files", files={"file": (name, data, content_type)}, headers=account.headers
    )


async def uploaded(http: httpx.AsyncClient, account: Account, data: bytes, name: str = "file.bin", **kw: Any) -> JSON:
    response = await upload(http, account, data, name, **kw)
    assert response.status_code == 201, response.text
    body: JSON = response.json()
    return body


async def fetch(server: LiveServer, url: str) -> httpx.Response:
    """GET a signed URL the way an <img> does: no Authorization header."""
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        return await anonymous.get(url)


def blobs(server: LiveServer) -> list[Path]:
    """The blob files in the server's upload folder (temporary files aside)."""
    root = server.settings.upload_folder
    return sorted(path for path in root.rglob("*") if path.is_file() and path.parent != root / "tmp")


def temp_files(server: LiveServer) -> list[Path]:
    return sorted((server.settings.upload_folder / "tmp").iterdir())


def files_of(server: LiveServer) -> FileService:
    return server.context.files


def multipart(data: bytes, name: str = "big.bin", boundary: str = "b0undary") -> bytes:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode()


async def chunked(body: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    """A body sent in chunks, without Content-Length: only counting as it comes can stop it."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture
async def small_server(server_factory: ServerFactory, settings_factory: SettingsFactory) -> LiveServer:
    return await server_factory(settings_factory(max_upload_bytes=4096, upload_quota_bytes=10_000))


@pytest.fixture
async def small_client(small_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=small_server.url + "/api/v1", timeout=30) as http:
        yield http


# --- sniffing, images, serving -------------------------------------------------------------------


async def test_a_png_named_txt_is_an_image_served_inline_with_a_thumbnail(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    data = image_bytes((800, 400))
    out = await uploaded(client, alice, data, "notes.txt", content_type="text/plain")
    assert out["name"] == "notes.txt"  # the name is the client's; the type is not
    assert (out["content_type"], out["width"], out["height"]) == ("image/png", 800, 400)
    assert out["url"].startswith(f"/api/v1/files/{out['id']}/content?exp=")
    assert out["thumbnail_url"].startswith(f"/api/v1/files/{out['id']}/thumb?exp=")

    served = await fetch(server, out["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith("inline;")
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"].startswith("private, max-age=")
    assert int(served.headers["content-length"]) == out["size"] == len(served.content)
    assert Image.open(io.BytesIO(served.content)).size == (800, 400)

    thumb = await fetch(server, out["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert thumb.headers["content-disposition"].startswith("inline;")
    assert Image.open(io.BytesIO(thumb.content)).size == (THUMB_MAX, THUMB_MAX // 2)  # longer side 360, aspect kept


async def test_a_small_image_keeps_its_size_in_the_thumbnail(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    out = await uploaded(client, alice, image_bytes((40, 90), "GIF"), "tiny.gif")
    assert (out["content_type"], out["width"], out["height"]) == ("image/gif", 40, 90)
    thumb = await fetch(server, out["thumbnail_url"])
    assert Image.open(io.BytesIO(thumb.content)).size == (40, 90)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.png", b"<!doctype html><html><script>alert(document.cookie)</script></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
async def test_html_or_svg_is_never_an_image_and_is_served_as_a_sandboxed_download(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, name: str, data: bytes
) -> None:
    out = await uploaded(client, alice, data, name, content_type="image/png")
    assert out["content_type"] == "application/octet-stream"
    assert out["width"] is None and out["height"] is None and out["thumbnail_url"] is None
    served = await fetch(server, out["url"])
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert (await fetch(server, out["url"].replace("/content?", "/thumb?"))).status_code == 403  # signed for content


async def test_other_types_are_sniffed_and_downloaded(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    out = await uploaded(client, alice, pdf, "report.pdf", content_type="text/html")
    assert out["content_type"] == "application/pdf"
    served = await fetch(server, out["url"])
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")


async def test_exif_is_stripped_and_the_photo_turned_upright(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[0x010F] = "SpyCam"  # make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPS: where it was taken
    photo = image_bytes((400, 200), "JPEG", exif=exif, quality=90)
    assert dict(Image.open(io.BytesIO(photo)).getexif())  # it had EXIF
    out = await uploaded(client, alice, photo, "IMG_0001.JPG")
    assert (out["content_type"], out["width"], out["height"]) == ("image/jpeg", 200, 400)
    served = await fetch(server, out["url"])
    clean = Image.open(io.BytesIO(served.content))
    assert clean.format == "JPEG" and clean.size == (200, 400)
    assert dict(clean.getexif()) == {} and "exif" not in clean.info
    assert b"Exif" not in served.content and b"SpyCam" not in served.content
    thumb = Image.open(io.BytesIO((await fetch(server, out["thumbnail_url"])).content))
    assert thumb.size == (180, 360) and dict(thumb.getexif()) == {}


async def test_png_text_and_exif_chunks_are_dropped_and_transparency_kept(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address")
    image = Image.new("RGBA", (50, 50), (255, 0, 0, 0))
    source = io.BytesIO()
    image.save(source, "PNG", pnginfo=info)
    out = await uploaded(client, alice, source.getvalue(), "clear.png")
    served = await fetch(server, out["url"])
    assert b"home address" not in served.content
    clean = Image.open(io.BytesIO(served.content))
    assert clean.mode == "RGBA" and clean.getpixel((0, 0)) == (255, 0, 0, 0)


async def test_an_animated_webp_loses_its_exif_and_keeps_its_frames(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    frames = [Image.new("RGB", (64, 32), color) for color in ("red", "green", "blue")]
    source = io.BytesIO()
    frames[0].save(source, "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0, exif=exif)
    assert b"SpyCam" in source.getvalue()
    out = await uploaded(client, alice, source.getvalue(), "anim.webp")
    assert (out["content_type"], out["width"], out["height"]) == ("image/webp", 64, 32)
    served = (await fetch(server, out["url"])).content
    assert b"SpyCam" not in served and b"EXIF" not in served
    animation = Image.open(io.BytesIO(served))
    assert animation.n_frames == 3
    colours = [frame.convert("RGB").getpixel((5, 5)) for frame in ImageSequence.Iterator(animation)]
    for colour, expected in zip(colours, [(255, 0, 0), (0, 128, 0), (0, 0, 255)], strict=True):
        assert all(abs(a - b) < 16 for a, b in zip(colour, expected, strict=True))  # lossy: near, as encoded


async def test_an_animated_gif_is_kept_as_it_came(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    frames = [Image.new("RGB", (30, 30), color) for color in ("red", "green", "blue", "white")]
    source = io.BytesIO()
    frames[0].save(source, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    out = await uploaded(client, alice, source.getvalue(), "anim.gif")
    served = await fetch(server, out["url"])
    assert served.content == source.getvalue()
    assert Image.open(io.BytesIO(served.content)).n_frames == 4


def saved(image: Image.Image, kind: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


FRAMES = [Image.new("RGB", (64, 48), colour) for colour in ("red", "blue")]


@pytest.mark.parametrize(
    ("data", "content_type", "mode", "frames"),
    [
        (saved(Image.new("I;16", (64, 48), 1000), "PNG"), "image/png", "I;16", 1),  # 16-bit grey
        (saved(Image.new("P", (64, 48), 0), "PNG", transparency=0), "image/png", "P", 1),
        (saved(Image.new("LA", (64, 48), (9, 9)), "PNG"), "image/png", "LA", 1),
        (saved(Image.new("CMYK", (64, 48), (0, 99, 0, 0)), "JPEG"), "image/jpeg", "CMYK", 1),
        (saved(Image.new("RGBA", (64, 48), (1, 2, 3, 4)), "WEBP", lossless=True), "image/webp", "RGBA", 1),
        (saved(FRAMES[0], "MPO", save_all=True, append_images=FRAMES[1:]), "image/jpeg", "RGB", 1),  # its first
        (saved(FRAMES[0], "PNG", save_all=True, append_images=FRAMES[1:], duration=90), "image/png", "RGB", 2),
    ],
)
async def test_images_of_every_kind_are_kept_with_their_mode_and_get_a_thumbnail(
    server: LiveServer,
    client: httpx.AsyncClient,
    alice: Account,
    data: bytes,
    content_type: str,
    mode: str,
    frames: int,
) -> None:
    out = await uploaded(client, alice, data, "image")
    assert (out["content_type"], out["width"], out["height"]) == (content_type, 64, 48)
    served = Image.open(io.BytesIO((await fetch(server, out["url"])).content))
    assert (served.mode, getattr(served, "n_frames", 1)) == (mode, frames)
    thumb = await fetch(server, out["thumbnail_url"])
    assert Image.open(io.BytesIO(thumb.content)).size == (64, 48)


async def test_an_animated_png_keeps_its_frames_and_loses_its_text(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe, 12 Home Street")
    data = saved(FRAMES[0], "PNG", save_all=True, append_images=FRAMES[1:], duration=90, pnginfo=info)
    assert b"Home Street" in data
    served = (await fetch(server, (await uploaded(client, alice, data, "a.png"))["url"])).content
    assert b"Home Street" not in served
    assert Image.open(io.BytesIO(served)).n_frames == 2


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb's shape)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_declaring(30_000, 30_000), "too many pixels"),  # 900 MP: refused before decoding
        (png_declaring(8_000, 7_000), "too many pixels"),  # 56 MP: over the limit, under Pillow's error
        (image_bytes((300, 300), "JPEG")[:700], "corrupt or truncated"),
        (image_bytes((300, 300), "PNG")[:-30], "corrupt or truncated"),
        (b"\x89PNG\r\n\x1a\n" + noise(500), "not a valid PNG image"),
        (b"GIF89a" + noise(100), "not a valid GIF image"),
    ],
)
async def test_bombs_and_corrupt_images_are_422_and_leave_nothing(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, data: bytes, message: str
) -> None:
    response = await upload(client, alice, data, "image.png")
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"][0]["msg"]
    assert blobs(server) == [] and temp_files(server) == []


# --- limits --------------------------------------------------------------------------------------


async def test_a_file_over_max_upload_bytes_is_413_and_leaves_no_temporary_file(
    small_server: LiveServer, small_client: httpx.AsyncClient
) -> None:
    alice = await register(small_client, "alice")
    assert (await upload(small_client, alice, noise(4096))).status_code == 201  # at the limit
    too_big = await upload(small_client, alice, noise(4097))  # Content-Length says so: refused unread
    assert too_big.status_code == 413
    assert "MAX_UPLOAD_BYTES" in too_big.json()["detail"]
    # Without Content-Length, the body is counted as it streams in and refused once over.
    streamed = await small_client.post(
        "/rooms/1/files",
        content=chunked(multipart(noise(20_000))),
        headers={**alice.headers, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert streamed.status_code == 413
    assert temp_files(small_server) == []
    assert len(blobs(small_server)) == 1  # the one at the limit


async def test_uploads_beyond_the_request_body_cap_of_other_routes_are_taken(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(max_request_bytes=2048))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30) as http:
        alice = await register(http, "alice")
        assert (await upload(http, alice, noise(200_000))).status_code == 201
        big = await http.post("/rooms/1/messages", json={"body": "x" * 3000}, headers=alice.headers)
        assert big.status_code == 413  # everywhere else the cap stands
        big_room = await http.post("/rooms", json={"name": "x" * 5000}, headers=alice.headers)
        assert big_room.status_code == 413


async def test_the_quota_counts_every_upload_of_a_person(
    small_server: LiveServer, small_client: httpx.AsyncClient
) -> None:
    alice = await register(small_client, "alice")
    bob = await register(small_client, "bob")
    for seed in range(2):
        assert (await upload(small_client, alice, noise(4000, seed))).status_code == 201
    over = await upload(small_client, alice, noise(3000, 9))  # 8,000 + 3,000 > 10,000
    assert over.status_code == 413
    assert "quota" in over.json()["detail"]
    assert (await upload(small_client, alice, noise(1500, 9))).status_code == 201  # what is left still fits
    assert (await upload(small_client, alice, noise(600, 10))).status_code == 413  # 500 bytes are left
    assert (await upload(small_client, bob, noise(4000, 3))).status_code == 201  # per person


async def test_uploads_are_rate_limited(server_factory: ServerFactory, settings_factory: SettingsFactory) -> None:
    live = await server_factory(settings_factory(upload_rate_limit="2/3600s"))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30) as http:
        alice = await register(http, "alice")
        codes = [(await upload(http, alice, noise(100, seed))).status_code for seed in range(3)]
        assert codes == [201, 201, 429]
        limited = await upload(http, alice, noise(100, 5))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


async def test_only_members_may_upload(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    private = await create_room(client, alice, "secret", private=True)
    public = await create_room(client, alice, "open")
    assert (await upload(client, bob, b"x", room_id=private["id"])).status_code == 404  # unseen: as if missing
    assert (await upload(client, bob, b"x", room_id=public["id"])).status_code == 403  # not joined
    assert (await upload(client, bob, b"x", room_id=999_999)).status_code == 404
    anonymous = await client.post("/rooms/1/files", files={"file": ("a", b"x")})
    assert anonymous.status_code == 401
    assert (await upload(client, alice, b"x", room_id=private["id"])).status_code == 201


@pytest.mark.parametrize(
    ("options", "status"),
    [
        ({"data": {"other": "field"}, "files": {"attachment": ("a.txt", b"x")}}, 422),  # no part named `file`
        ({"json": {"file": "x"}}, 422),  # not multipart
        ({"files": [("file", ("a", b"x")), ("file", ("b", b"y"))]}, 422),  # one file per upload
        (
            {
                "content": b"--b\r\nbad header\r\n\r\nx\r\n--b--\r\n",
                "headers": {"Content-Type": "multipart/form-data; boundary=b"},
            },
            400,
        ),
        (
            {"content": b"--b\r\nnonsense", "headers": {"Content-Type": "multipart/form-data; boundary=b"}},
            400,
        ),  # cut short
    ],
)
async def test_bodies_that_are_not_one_file_are_refused(
    client: httpx.AsyncClient, alice: Account, options: dict[str, Any], status: int
) -> None:
    headers = {**alice.headers, **options.pop("headers", {})}
    response = await client.post("/rooms/1/files", headers=headers, **options)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Desktop\\photo.jpg", "photo.jpg"),
        ("evil\u202egnp.exe", "evilgnp.exe"),  # a right-to-left override: gone
        ("a\x00b\x1fc\x7f.txt", "abc.txt"),
        ("  spaced \t\n out  .txt ", "spaced out .txt"),
        ("", "file"),
        ("..", "file"),
        ("résumé.pdf", "résumé.pdf"),
        ("x" * 300 + ".tar.gz", "x" * (MAX_NAME - 3) + ".gz"),
    ],
)
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean
    assert len(clean_name(raw)) <= MAX_NAME


async def test_a_unicode_name_reaches_the_download_as_utf8(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    out = await uploaded(client, alice, b"hello", '../Übersicht "2024".txt')
    assert out["name"] == 'Übersicht "2024".txt'
    served = await fetch(server, out["url"])
    assert served.headers["content-disposition"] == (
        "attachment; filename=\"_bersicht _2024_.txt\"; filename*=UTF-8''%C3%9Cbersicht%20%222024%22.txt"
    )


# --- signed URLs ---------------------------------------------------------------------------------


async def test_a_signed_url_needs_no_bearer_but_a_true_unexpired_signature(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    out = await uploaded(client, alice, b"plain bytes", "a.bin")
    assert (await fetch(server, out["url"])).status_code == 200
    signer = files_of(server).signer
    upload_id = out["id"]
    exp = int(out["url"].split("exp=")[1].split("&")[0])
    sig = signer.signature(upload_id, "content", exp)
    tampered = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    cases = {
        f"/api/v1/files/{upload_id}/content?exp={exp}&sig={tampered}": 403,
        f"/api/v1/files/{upload_id}/content?exp={exp + 1}&sig={sig}": 403,  # a later expiry, same signature
        f"/api/v1/files/{upload_id + 1}/content?exp={exp}&sig={sig}": 403,  # another file
        f"/api/v1/files/{upload_id}/content?exp={exp}": 422,
        signer.url(upload_id, "content", int(time.time()) - 1): 410,  # signed by us, expired
        signer.url(upload_id + 1000, "content", exp): 404,  # signed, but no such file
        signer.url(upload_id, "thumb", exp): 404,  # not an image: no thumbnail
        UrlSigner("another key", 3600).url(upload_id, "content", exp): 403,
    }
    for url, status in cases.items():
        response = await fetch(server, url)
        assert response.status_code == status, (url, response.text)
    expired = await fetch(server, signer.url(upload_id, "content", int(time.time()) - 1))
    assert "expired" in expired.json()["detail"]


def test_urls_are_stable_for_a_while_and_last_at_least_their_lifetime() -> None:
    signer = UrlSigner("key", 3600)
    now = 1_800_000_100.0
    first = signer.expiry(now)
    assert now + 3600 <= first <= now + 3600 + 900
    assert signer.url(1, "content", signer.expiry(now + 1)) == signer.url(1, "content", first)
    assert {signer.expiry(now + seconds) for seconds in range(0, 3600, 60)} == {first + 900 * k for k in range(5)}


# --- storage: dedup and deletion -----------------------------------------------------------------


async def test_the_same_bytes_twice_are_one_blob(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    photo = image_bytes((100, 100), "JPEG")
    first = await uploaded(client, alice, photo, "a.jpg")
    second = await uploaded(client, bob, photo, "b.jpg")
    assert first["id"] != second["id"]
    assert len(blobs(server)) == 2  # one image and its one thumbnail
    third = await uploaded(client, alice, b"other", "c.txt")
    assert len(blobs(server)) == 3
    for out in (first, second, third):
        assert (await fetch(server, out["url"])).status_code == 200


async def mark_sent(server: LiveServer, upload_id: int, message_id: int) -> None:
    """What the message writer does when it stores a message with this attachment."""
    async with server.context.sessions() as session:
        await session.execute(update(Upload).where(Upload.id == upload_id).values(message_id=message_id))
        await session.commit()


def age(paths: list[Path], seconds: float) -> None:
    """Make blobs look put `seconds` ago (no test waits for time to pass)."""
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


async def forget(server: LiveServer, message_id: int) -> None:
    files = files_of(server)
    async with server.context.sessions() as session:
        await files.forget_message(session, message_id)
        await session.commit()
    await files.settled()


async def test_forgetting_a_message_removes_its_blobs_once_no_upload_uses_them(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    photo = image_bytes((100, 100), "PNG")
    first = await uploaded(client, alice, photo, "a.png")
    second = await uploaded(client, alice, photo, "b.png")
    message_one = (await send_message(client, alice, "one"))["id"]
    message_two = (await send_message(client, alice, "two"))["id"]
    await mark_sent(server, first["id"], message_one)
    await mark_sent(server, second["id"], message_two)
    age(blobs(server), 3600)

    await forget(server, message_one)
    assert (await fetch(server, first["url"])).status_code == 404  # gone with its message
    assert len(blobs(server)) == 2  # the second upload still uses the blob and its thumbnail
    assert (await fetch(server, second["url"])).status_code == 200

    await forget(server, message_two)
    assert blobs(server) == []
    assert (await fetch(server, second["thumbnail_url"])).status_code == 404


async def test_a_rolled_back_deletion_keeps_the_blob(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    out = await uploaded(client, alice, b"keep me", "k.txt")
    message = (await send_message(client, alice, "with a file"))["id"]
    await mark_sent(server, out["id"], message)
    age(blobs(server), 3600)
    files = files_of(server)
    async with server.context.sessions() as session:
        await files.forget_message(session, message)
        await session.rollback()
    await files.settled()
    assert len(blobs(server)) == 1
    assert (await fetch(server, out["url"])).status_code == 200


async def test_a_blob_put_again_while_it_is_being_collected_stays(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    """An upload of the same bytes commits its row, then puts the blob (refreshing it): a
    collection that began before that row was visible must not remove the blob after that put."""
    out = await uploaded(client, alice, b"same bytes", "a.txt")
    message = (await send_message(client, alice, "m"))["id"]
    await mark_sent(server, out["id"], message)
    [blob] = blobs(server)
    began = time.time()  # the collection looked for rows: none ...
    os.utime(blob)  # ... meanwhile another upload of these bytes put the blob ...
    assert not await files_of(server).store.delete(blob.name, unless_put_since=began)  # ... so it stays
    assert blob.exists()
    age([blob], 3600)
    assert await files_of(server).store.delete(blob.name, unless_put_since=time.time())
    assert not blob.exists() and temp_files(server) == []


# --- claims --------------------------------------------------------------------------------------


async def test_claim_checks_each_attachment_and_changes_nothing(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = await create_room(client, alice, "elsewhere")
    mine = [(await uploaded(client, alice, noise(10, seed), f"{seed}.bin"))["id"] for seed in range(3)]
    bobs = (await uploaded(client, bob, b"bob's", "b.txt"))["id"]
    other_room = (await uploaded(client, alice, b"there", "t.txt", room_id=room["id"]))["id"]
    sent = (await uploaded(client, alice, b"sent", "s.txt"))["id"]
    await mark_sent(server, sent, (await send_message(client, alice, "m"))["id"])
    files = files_of(server)
    async with server.context.sessions() as session:
        claimed = await files.claim(session, alice.id, 1, [mine[2], mine[0]])
        assert [out.id for out in claimed] == [mine[0], mine[2]]  # in upload id order, as history shows them
        assert claimed[0].name == "0.bin" and claimed[0].url.startswith(f"/api/v1/files/{mine[0]}/content?")
        assert await files.claim(session, alice.id, 1, []) == []
        refusals: dict[tuple[int, ...], tuple[type[Exception], str]] = {
            (mine[0], mine[0]): (InvalidInput, "listed twice"),
            (mine[1], bobs): (NotFound, f"{bobs} is not a file you uploaded to this room"),
            (other_room,): (NotFound, "not a file you uploaded to this room"),
            (10**12,): (NotFound, "not a file you uploaded to this room"),
            (mine[1], sent): (Conflict, f"{sent} was already sent"),
        }
        for ids, (error, message) in refusals.items():
            with pytest.raises(error, match=message):
                await files.claim(session, alice.id, 1, list(ids))
        unsent = await session.scalar(select(func.count()).where(Upload.message_id.is_(None)))
    assert unsent == 5  # as before: nothing was claimed for good


# --- with messages -------------------------------------------------------------------------------


async def test_a_sent_file_shows_in_history_and_goes_with_its_message(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    """End to end through the message path: attach, see it in history (another member too),
    refuse a second send of it, delete the message: the file and its blobs are gone."""
    out = await uploaded(client, alice, image_bytes((100, 50)), "a.png")
    sent = await send_message(client, alice, "look", attachments=[out["id"]])
    assert [a["id"] for a in sent["attachments"]] == [out["id"]]
    [shown] = (await history(client, bob))["messages"][-1]["attachments"]
    assert (shown["id"], shown["name"], shown["width"], shown["height"]) == (out["id"], "a.png", 100, 50)
    assert (await fetch(server, shown["url"])).status_code == 200
    again = await client.post(
        "/rooms/1/messages", json={"body": "again", "attachments": [out["id"]]}, headers=alice.headers
    )
    assert again.status_code == 409  # already sent
    age(blobs(server), 3600)
    assert (await client.delete(f"/messages/{sent['id']}", headers=alice.headers)).status_code == 204
    await files_of(server).settled()
    assert (await fetch(server, shown["url"])).status_code == 404
    assert blobs(server) == []


async def test_uploads_never_sent_are_swept_with_their_blobs(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    old = await uploaded(client, alice, b"a draft from yesterday", "old.txt")
    new = await uploaded(client, alice, b"a draft from now", "new.txt")
    async with server.context.sessions() as session:
        yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        await session.execute(update(Upload).where(Upload.id == old["id"]).values(created_at=yesterday))
        await session.commit()
    age(blobs(server), 3600)
    files = files_of(server)
    async with server.context.sessions() as session:
        assert await files.sweep_unsent(session, dt.timedelta(hours=12)) == 1
        await session.commit()
    await files.settled()
    assert (await fetch(server, old["url"])).status_code == 404
    assert (await fetch(server, new["url"])).status_code == 200
    assert len(blobs(server)) == 1


def test_a_folder_store_clears_temporary_files_a_dead_process_left(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    left, fresh = tmp_path / "tmp" / "upload-dead.part", tmp_path / "tmp" / "upload-live.part"
    left.write_bytes(b"half")
    fresh.write_bytes(b"arriving")
    age([left], 2 * FolderStore.STALE_TEMP_SECONDS)
    FolderStore(tmp_path)
    assert not left.exists() and fresh.exists()
