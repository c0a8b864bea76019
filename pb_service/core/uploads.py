"""Uploaded files: type checked by content, size-limited, stored outside the web root.

Photos (JPEG, PNG, WebP) are decoded and encoded again before they are stored: what is kept is
the picture only, without its metadata (EXIF, with the place and time a phone recorded, XMP,
comments) and without anything a crafted file could hide after or inside the image data.

Files live under ``UPLOAD_FOLDER`` (default ``instance/uploads``) with random names, in a
sub-folder per municipality for tenant-owned files; the original name is kept only in the
database. They are served by views that check who may see them first, never by the static
file server. Every check runs before anything is written, so a refused file leaves no trace.
"""
from __future__ import annotations

import io
import os
import secrets
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from pb_service.core.validation import ServiceValidationError

#: Kinds we recognise: file extension and the MIME type we serve them with.
KINDS = {
    "jpeg": (".jpg", "image/jpeg"),
    "png": (".png", "image/png"),
    "webp": (".webp", "image/webp"),
    "pdf": (".pdf", "application/pdf"),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
#: Proposals' attachments and scans.
IMAGES_AND_PDF = ("jpeg", "png", "webp", "pdf")
#: Knowledge-hub documents.
DOCUMENTS = ("pdf", "docx", "xlsx")
#: A stored name is 32 hex digits and a known extension: nothing a path trick can use.
_STORED_NAME_LENGTH = 32
#: Pictures larger than this are refused before they are decoded (a small file can expand to
#: gigabytes). A JPEG is what a phone makes: the largest, 24 megapixels (5712 × 4284), decodes at
#: half size. PNG (plans, screenshots, an A3 page scanned at 300 dpi) and WebP decode whole, with copies.
MAX_IMAGE_PIXELS = {"jpeg": 25_000_000, "png": 18_000_000, "webp": 12_000_000}
#: Photos are stored at most this many pixels on their long side: more than any screen shows.
MAX_STORED_SIDE = 2560
#: One picture decoded at a time in each process, so that however many uploads a worker's threads
#: receive at once, its memory for pictures is that of one: at most about 250 MB, measured by
#: ``benchmarks/picture_memory.py`` (docs/performance.md).
_decoding = threading.Lock()
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


@dataclass(frozen=True)
class StoredUpload:
    stored_name: str
    kind: str
    size: int
    original_name: str

    @property
    def content_type(self) -> str:
        return mime_type(self.kind)


def _office_kind(content: bytes) -> str | None:
    """``docx`` or ``xlsx`` for an Office Open XML package, judged by its parts, not its name."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                return None
            content_types = package.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    if "word/document.xml" in names and b"wordprocessingml.document.main+xml" in content_types:
        return "docx"
    if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main+xml" in content_types:
        return "xlsx"
    return None


def detect_kind(content: bytes) -> str | None:
    """The kind of file these bytes are (by their first bytes, never the name), or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    return None


def mime_type(kind: str) -> str:
    return KINDS[kind][1]


def upload_folder(owner: int | None = None) -> Path:
    """The folder for shared files, or for one municipality's (``owner``) files."""
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    if owner is not None:
        folder = folder / str(int(owner))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(file, allowed_kinds=DOCUMENTS, *, max_bytes: int | None = None, field: str = "file", owner: int | None = None) -> StoredUpload:
    """Check and store an uploaded file (a Werkzeug ``FileStorage``); raise on anything else."""
    max_bytes = max_bytes or current_app.config["MAX_UPLOAD_BYTES"]
    original_name = os.path.basename((getattr(file, "filename", None) or "").replace("\\", "/")).strip()
    if file is None or not original_name:
        raise ServiceValidationError.single(field, str(_l("Choose a file to upload.")))
    content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ServiceValidationError.single(
            field, str(_l("The file is too large: the limit is %(size)d MB.", size=max_bytes // (1024 * 1024)))
        )
    if not content:
        raise ServiceValidationError.single(field, str(_l("The file is empty.")))
    kind = detect_kind(content)
    if kind is None or kind not in allowed_kinds:
        names = ", ".join(k.upper() for k in allowed_kinds)
        raise ServiceValidationError.single(
            field,
            str(_l("This file is not a real %(kinds)s file (whatever its name says), so it was not uploaded.", kinds=names)),
        )
    if kind in _PILLOW_FORMATS:
        content = reencode_image(content, kind, field)
    stored_name = secrets.token_hex(_STORED_NAME_LENGTH // 2) + KINDS[kind][0]
    (upload_folder(owner) / stored_name).write_bytes(content)
    return StoredUpload(stored_name, kind, len(content), original_name[:255])


def reencode_image(content: bytes, kind: str, field: str = "file") -> bytes:
    """The photo encoded again in its own format, upright, with no metadata, at most
    ``MAX_STORED_SIDE`` pixels long; refused if it is too large or does not decode."""
    with _decoding:
        try:
            with Image.open(io.BytesIO(content), formats=[_PILLOW_FORMATS[kind]]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS[kind]:
                    raise ServiceValidationError.single(
                        field, ngettext("The picture is too large: at most %(num)d million pixels.", "The picture is too large: at most %(num)d million pixels.", MAX_IMAGE_PIXELS[kind] // 1_000_000)
                    )
                # A JPEG decodes at 1/2, 1/4 or 1/8 of its size when that is still as large as what is stored.
                scale = MAX_STORED_SIDE / max(width, height)
                if kind == "jpeg" and scale < 1:
                    image.draft(image.mode, (int(width * scale), int(height * scale)))
                image.load()
                # Made smaller first, so that turning it (a copy) costs little.
                image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
                # The orientation lives in the EXIF data that is dropped: turn the pixels instead.
                picture = ImageOps.exif_transpose(image)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
            raise ServiceValidationError.single(
                field, str(_l("This picture could not be read; save it again as JPEG or PNG and retry."))
            ) from None
        if kind == "jpeg" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        output = io.BytesIO()
        options = {"quality": 90} if kind in ("jpeg", "webp") else {"optimize": True}
        picture.save(output, format=_PILLOW_FORMATS[kind], **options)
        return output.getvalue()


def upload_path(stored_name: str, owner: int | None = None) -> Path:
    """Where a stored file lives; refuses names we could not have made."""
    stem, _, extension = stored_name.partition(".")
    known_extensions = {ext for ext, _mime in KINDS.values()}
    if len(stem) != _STORED_NAME_LENGTH or not all(c in "0123456789abcdef" for c in stem) or f".{extension}" not in known_extensions:
        raise FileNotFoundError(stored_name)
    return upload_folder(owner) / stored_name


def send_upload(stored, owner: int | None, *, max_age: int = 0):
    """A stored upload (a row with ``stored_name``, ``content_type``, ``original_name`` and
    ``is_image``) as a response: pictures shown in the page, other files downloaded; 404 when gone.
    Callers check who may see it first."""
    path = upload_path(stored.stored_name, owner)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=stored.content_type, download_name=stored.original_name, as_attachment=not stored.is_image, max_age=max_age)


def open_upload(stored_name: str, owner: int | None = None):
    """A binary file object for a stored upload."""
    return upload_path(stored_name, owner).open("rb")


def delete_upload(stored_name: str, owner: int | None = None) -> None:
    upload_path(stored_name, owner).unlink(missing_ok=True)
