"""File storage that never leaves half a file under a real name, and never overwrites."""

from __future__ import annotations

import errno
import os
import tempfile
import uuid

from django.core.files.storage import FileSystemStorage

TEMP_PREFIX = ".tmp-"
# The disk or the user's quota is full, or a file-size limit was hit.
FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class DiskFull(OSError):
    """Nothing more can be stored. Views answer 507 (API) or say so on the page; the
    worker retries it like any disk error."""

    message = "The server's storage is full, so nothing was stored. Try again later, or tell an administrator."


class AtomicFileSystemStorage(FileSystemStorage):
    """Writes to a hidden temporary file in the target folder, fsyncs, then links it
    into place. A crash leaves at most a hidden `.tmp-*` file (swept later), never a
    truncated image; linking fails rather than replace an existing (immutable) file."""

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_path, 0o644)
            os.link(tmp_path, full_path)  # atomic, and refuses an existing name
        finally:
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass
        return os.path.relpath(full_path, self.location).replace(os.sep, "/")


def save_bytes(folder: str, ext: str, data: bytes, written: list[str] | None = None) -> str:
    """Store `data` under a random name in `folder`; return the stored name.

    The name is appended to `written` (when given) before returning, so a caller that
    fails later knows which files to remove.
    """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    try:
        name = default_storage.save(f"{folder}/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{ext}", ContentFile(data))
    except OSError as exc:
        if exc.errno in FULL_ERRNOS:
            raise DiskFull(exc.errno, DiskFull.message) from exc
        raise
    if written is not None:
        written.append(name)
    return name


def delete_quietly(names) -> None:
    """Remove files a failed operation wrote; a file already gone is fine."""
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            pass
