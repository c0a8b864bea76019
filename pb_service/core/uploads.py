"""Uploaded files: type checked by content, size-limited, kept outside the web root.

Files live in ``UPLOAD_FOLDER/<municipality_id>/<random name>``; the random name is the only
link between a database row and its file, and files are served only by views that check access.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from pb_service.core.validation import ServiceValidationError

#: What we accept, recognised by the file's first bytes (never by its name or declared type).
JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf"}


def sniff_type(head: bytes) -> str | None:
    """The content type that ``head`` (the first bytes) proves, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    content_type: str
    size: int
    original_name: str


def _folder(municipality_id: int) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / str(int(municipality_id))


def store_upload(municipality_id: int, file_storage, field: str = "file") -> StoredFile:
    """Check and save an uploaded file; raise ``ServiceValidationError`` on ``field`` otherwise."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise ServiceValidationError.single(field, str(_l("Choose a file.")))
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.stream.read(max_bytes + 1)
    if not data:
        raise ServiceValidationError.single(field, str(_l("The file is empty.")))
    if len(data) > max_bytes:
        raise ServiceValidationError.single(
            field, str(_l("The file is too large: the limit is %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
        )
    content_type = sniff_type(data[:16])
    if content_type is None:
        raise ServiceValidationError.single(
            field, str(_l("This file is not a PDF document or a JPEG, PNG or WebP image."))
        )
    folder = _folder(municipality_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_urlsafe(24) + EXTENSIONS[content_type]
    with open(folder / stored_name, "xb") as handle:
        handle.write(data)
    original = os.path.basename(file_storage.filename.replace("\\", "/"))[:200] or "file"
    return StoredFile(stored_name, content_type, len(data), original)


def upload_path(municipality_id: int, stored_name: str) -> Path:
    """The file's path; the name is our own random token, checked so it cannot climb out."""
    if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("not a stored upload name")
    return _folder(municipality_id) / stored_name


def delete_upload(municipality_id: int, stored_name: str) -> None:
    try:
        upload_path(municipality_id, stored_name).unlink()
    except FileNotFoundError:
        pass
