"""Where uploaded files live: a small blob store interface, and the folder that implements it.

Blobs are named by their content (the SHA-256 of their bytes, in hex, and an optional suffix for
what is derived from them, such as `.thumb`), so the same bytes are stored once however often
they are uploaded, and a blob never changes once written. What refers to a blob (rows of
`uploads`) lives in the database; a store knows nothing of them.

`FolderStore` keeps blobs under `UPLOAD_DIR` (default `DATA_DIR/uploads`), as
`ab/abcdef…` (256 sub-folders by the first two hex digits), written to a temporary file of the
same file system, synced, then renamed into place: a blob is whole or absent, never half
written. Another store (S3-compatible, see README.md) implements the same four calls.
"""

import asyncio
import contextlib
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

# A blob's key: 64 hex digits (a SHA-256), and an optional suffix for a derived blob.
_KEY = re.compile(r"[0-9a-f]{64}(?:\.[a-z]{1,16})?")

CHUNK_BYTES = 64 * 1024
# File times may be coarse (some file systems keep seconds) or set by another machine's clock (a
# shared mount): a blob put this close to a deletion's start counts as put after it.
CLOCK_SLACK = 2.0


class BlobMissing(Exception):
    """No blob under that key."""


class Blob(Protocol):
    """A stored blob opened for reading: its size, then its bytes in chunks."""

    size: int

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def close(self) -> None: ...


class BlobStore(Protocol):
    """Content-addressed storage of uploaded files.

    Temporary files (an upload being received, an image being cleaned) are made in `temp_dir`,
    so that `put` can move them into place without copying when the store is a local folder."""

    temp_dir: Path

    async def put(self, source: Path, key: str) -> None:
        """Store the file at `source` under `key` (the SHA-256 of its bytes, or a derived key);
        `source` is consumed (moved into the store, or removed). Idempotent: a key already stored
        keeps its blob, and counts as put again now (see `delete`)."""
        ...

    async def open(self, key: str) -> Blob:
        """The blob under `key`, for reading; BlobMissing if there is none."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str, *, unless_put_since: float | None = None) -> bool:
        """Remove the blob under `key`, unless it was put at or after `unless_put_since` (a Unix
        time); True if it was removed.

        The guard closes a race of deduplication: an upload of the same bytes commits its row,
        then puts the blob (finding it there: it only refreshes its time). A deletion that began
        before that row was visible, found no row, and removes the blob after that put, would
        take the blob from under the upload; with the guard it leaves it alone."""
        ...


def _check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class _FileBlob:
    """A blob of a FolderStore: a file read in chunks, each read in a worker thread."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle = handle
        self.size = size

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(self._handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            await self.close()

    async def close(self) -> None:
        self._handle.close()


class FolderStore:
    """Blobs as files in a folder of this machine (or one every server process mounts)."""

    # A temporary file this old is a leftover of a process that died mid-upload.
    STALE_TEMP_SECONDS = 24 * 3600

    def __init__(self, root: Path) -> None:
        self.root = root
        self.temp_dir = root / "tmp"
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        stale = time.time() - self.STALE_TEMP_SECONDS
        for leftover in self.temp_dir.iterdir():
            with contextlib.suppress(OSError):  # another process may be clearing it too
                if leftover.stat().st_mtime < stale:
                    leftover.unlink()

    def path_of(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / key[:2] / key

    async def put(self, source: Path, key: str) -> None:
        await asyncio.to_thread(self._put, source, self.path_of(key))

    @staticmethod
    def _put(source: Path, target: Path) -> None:
        try:
            # Already stored: same key, same bytes. Refresh its time: `delete` leaves it alone now.
            os.utime(target)
            source.unlink(missing_ok=True)
            return
        except FileNotFoundError:
            pass
        target.parent.mkdir(exist_ok=True)
        with open(source, "rb") as handle:
            os.fsync(handle.fileno())  # the bytes are on disk before the name is
        os.replace(source, target)  # atomic: readers see the whole blob or none
        _sync_folder(target.parent)

    async def open(self, key: str) -> Blob:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None
        return _FileBlob(handle, os.fstat(handle.fileno()).st_size)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def delete(self, key: str, *, unless_put_since: float | None = None) -> bool:
        return await asyncio.to_thread(self._delete, self.path_of(key), unless_put_since)

    def _delete(self, path: Path, unless_put_since: float | None) -> bool:
        # Renamed aside first, atomically, then judged: a `put` racing with this either refreshed
        # the blob before the rename (so it is recent, and goes back) or found it gone and wrote
        # it anew (the same bytes), so no put ever counts on a blob that is then removed.
        aside = self.temp_dir / f"{path.name}.deleting.{os.getpid()}.{time.monotonic_ns()}"
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return False
        if unless_put_since is not None and aside.stat().st_mtime >= unless_put_since - CLOCK_SLACK:
            with contextlib.suppress(FileExistsError):
                os.link(aside, path)  # back in place, unless a put wrote it anew meanwhile
            aside.unlink()
            return False
        aside.unlink()
        return True


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX: sync the folder itself)."""
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened and synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
